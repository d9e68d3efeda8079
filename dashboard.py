"""Executive CX dashboard: page config, sign-in and access, database, global filters, navigation over app_pages/."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.display import style

st.set_page_config(page_title="Executive CX dashboard", page_icon=":material/insights:", layout="wide")
style.register()

signed_in = ui.signed_in()
st.sidebar.title("Executive CX")
viewer = ui.viewer_sidebar(signed_in)
with ui.database() as database:
    ui.remember(ui.global_filters(database))
    page = st.navigation(ui.page_links(viewer))
    page.run()
ui.settle_heap(page.url_path)
