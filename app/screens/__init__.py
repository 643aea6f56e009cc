"""The app's pages, one script each (run by st.navigation from app/Home.py)."""
