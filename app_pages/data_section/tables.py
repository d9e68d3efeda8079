"""Data: what is loaded, from where and when, and every row the last loads rejected, with its reason."""

import streamlit as st

from app_pages.data_section import quality_section
from cxmetrics import ui
from cxmetrics.reports.data import view as data_view

database = ui.connection()
view = ui.cached(data_view.build, database, ui.database_label(database))

ui.header("Data", view.caption)
ui.tile_row(view.tiles)
left, right = st.columns(2)
left.page_link("app_pages/data_section/load.py", label="Load data: upload this week's files", icon=":material/upload:")
right.page_link("app_pages/data_section/targets_events.py", label="Edit targets and events", icon=":material/flag:")
quality_section.show()

st.subheader("Tables")
ui.table(view.overview, height=view.overview_height)
ui.notes(view.missing_note)

st.subheader("Rejected rows of the last loads")
if view.rejects.empty:
    st.success("No rows were rejected in the last loads.")
else:
    ui.table(view.rejects)

st.subheader("Recent loads")
ui.table(view.loads)

with st.expander("How to load your own data"):
    st.markdown(
        "Upload the files on the **Load data** page, or put one CSV or Parquet file per table in a folder "
        "(`customers` and `responses` are required; the others are optional), named after the table, with the "
        "columns listed in `docs/data_model.md`, and run:"
    )
    st.code(
        "python -m cxmetrics load DATA_DIR --db cx.duckdb\nCX_DB=cx.duckdb streamlit run dashboard.py", language="bash"
    )
    st.markdown(
        "Every rejected row is reported with its file, line, column and reason; valid rows load. `--strict` loads "
        "nothing if any row is rejected. Loading the same folder twice adds nothing; changed rows replace the old ones."
    )
