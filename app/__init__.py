"""The Streamlit front end for building and comparing scenarios."""
