"""The jobsim app's entry point (`make app`, `jobsim app`, `streamlit run app/Home.py`): the pages, the sidebar
and the URL state around them. Every figure comes from jobsim's Python API (app/services.py)."""

import streamlit as st

from jobsim.app import layout, services, state

# Streamlit runs this file as __main__; the previews' worker processes (spawn, forkserver) import it again as
# __mp_main__ when they start, and must not draw the app.
if __name__ == "__main__":
    st.set_page_config(page_title="jobsim", page_icon="📈", layout="wide")
    services.start_preview_pool()  # its workers import jobsim while the first page is drawn
    state.load_from_url()
    navigation = st.navigation(layout.pages(), position="hidden" if layout.present() else "sidebar")
    layout.sidebar()
    state.show_warnings(layout.lang())
    navigation.run()
    state.write_to_url()  # a page that ends early writes it itself (layout.stop)
