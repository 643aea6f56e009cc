"""The jobsim app's entry point (`make app`, `jobsim app`, `streamlit run app/Home.py`): the pages, the sidebar
and the URL state around them. Every figure comes from jobsim's Python API (app/services.py)."""

import streamlit as st

from jobsim.app import layout, state

st.set_page_config(page_title="jobsim", page_icon="📈", layout="wide")
state.load_from_url()
navigation = st.navigation(layout.pages(), position="hidden" if layout.present() else "sidebar")
layout.sidebar()
state.show_warnings(layout.lang())
navigation.run()
state.write_to_url()  # a page that ends early writes it itself (layout.stop)
