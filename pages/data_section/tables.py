"""Data: what is loaded, from where and when, and every row the last loads rejected, with its reason."""

import streamlit as st

from cxmetrics import config, ui
from cxmetrics.query import catalog

database = ui.connection()

st.title("Data")
target, _ = database.version
st.caption(f"Database: `{target}`. Each table of the data contract, when it was last loaded, and what was rejected.")

overview = ui.cached(catalog.table_overview, database)
missing = overview[(overview["rows"] == 0)]
loaded_tables = int((overview["rows"] > 0).sum())
col_tables, col_rows, col_rejects = st.columns(3)
col_tables.metric("Tables loaded", f"{loaded_tables} of {len(overview)}")
col_rows.metric("Survey responses", f"{int(overview.loc[overview['table'] == 'responses', 'rows'].iloc[0]):,}")
rejects = ui.cached(catalog.recent_rejects, database, 5, int(config.get("CX_REJECTS_SHOWN")))
rejected_rows = ui.cached(catalog.rejected_rows, database, 5)
col_rejects.metric("Rejected rows (last 5 loads)", f"{rejected_rows:,}", help="A row can break several rules.")

st.subheader("Tables")
st.dataframe(
    overview[["table", "rows", "first_date", "last_date", "last_loaded_at", "source_file", "required", "used_for"]],
    hide_index=True,
    height=36 * (len(overview) + 1) + 4,
    column_config={
        "table": "Table",
        "rows": st.column_config.NumberColumn("Rows", format="localized"),
        "first_date": st.column_config.DateColumn("From"),
        "last_date": st.column_config.DateColumn("To"),
        "last_loaded_at": st.column_config.DatetimeColumn("Last loaded", format="YYYY-MM-DD HH:mm"),
        "source_file": st.column_config.TextColumn("Source file", help="File of the last load"),
        "required": st.column_config.CheckboxColumn("Required"),
        "used_for": "Needed for",
    },
)
if len(missing):
    names = ", ".join(f"`{name}`" for name in missing["table"])
    st.info(f"Not loaded yet: {names}. Add them to a data folder (see below) to unlock the pages that need them.")

st.subheader("Rejected rows of the last loads")
if rejects.empty:
    st.success("No rows were rejected in the last loads.")
else:
    st.dataframe(
        rejects,
        hide_index=True,
        column_config={
            "loaded_at": st.column_config.DatetimeColumn("Load", format="YYYY-MM-DD HH:mm"),
            "line": st.column_config.NumberColumn("Line / row", format="%d"),
        },
    )

st.subheader("Recent loads")
st.dataframe(ui.cached(catalog.recent_loads, database), hide_index=True)

with st.expander("How to load your own data"):
    st.markdown(
        "Put one CSV or Parquet file per table in a folder (`customers` and `responses` are required; the others are "
        "optional), named after the table, with the columns listed in `docs/data_model.md`. Then run:"
    )
    st.code(
        "python -m cxmetrics load DATA_DIR --db cx.duckdb\nCX_DB=cx.duckdb streamlit run dashboard.py", language="bash"
    )
    st.markdown(
        "Every rejected row is reported with its file, line, column and reason; valid rows load. `--strict` loads "
        "nothing if any row is rejected. Loading the same folder twice adds nothing; changed rows replace the old ones."
    )
