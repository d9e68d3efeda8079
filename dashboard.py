"""Executive CX dashboard: page config, database, global filters, navigation over pages/."""

import streamlit as st

from cxmetrics import theme, ui

st.set_page_config(page_title="Executive CX dashboard", page_icon=":material/insights:", layout="wide")
theme.register()

database = ui.connection()
st.sidebar.title("Executive CX")
ui.remember(ui.global_filters(database))

PAGES = {
    "Data": [st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data")],
}
st.navigation(PAGES).run()
