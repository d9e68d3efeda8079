"""Presentation shared by the reports (no Streamlit): colours, status words, tiles."""
