"""Executive CX dashboard: page config, database, global filters, navigation over app_pages/."""

import streamlit as st

from cxmetrics import navigation, ui
from cxmetrics.display import style

st.set_page_config(page_title="Executive CX dashboard", page_icon=":material/insights:", layout="wide")
style.register()

database = ui.connection()
st.sidebar.title("Executive CX")
ui.remember(ui.global_filters(database))

pages = {
    section: [st.Page(p.script, title=p.title, icon=p.icon, url_path=p.url_path) for p in specs]
    for section, specs in navigation.sections().items()
}
st.navigation(pages).run()
