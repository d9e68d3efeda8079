"""Complaints & Follow-up: complaints as broken processes, churn after recovered or lost complaints, the closed loop."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.reports.complaints import analysis as complaints
from cxmetrics.reports.complaints import charts
from cxmetrics.reports.complaints import view as complaints_view

database = ui.connection()
review = ui.review()

ui.header("Complaints & Follow-up")
ui.data_warnings("complaints")
left, right = st.columns(2)
grain = ui.url_choice(
    "Period",
    complaints_view.GRAINS,
    "complaints_grain",
    "month",
    format_func=complaints_view.GRAIN_LABELS.get,
    help="The review week chosen in the sidebar, or the latest month or quarter closed by the last day with data (for "
    "an earlier week, by the end of the week after it).",
    container=left,
)
split = ui.url_choice(
    "Complaints by",
    list(complaints.SPLITS),
    "complaints_by",
    "process",
    format_func=complaints.SPLITS.get,
    container=right,
)

view = ui.cached(complaints_view.build, database, review.filters, review.period(grain), split)
st.caption(view.subtitle)
ui.notes(view.missing_note)

st.header("Complaints as broken processes")
if view.has_complaints:
    ui.tile_row(view.complaint_tiles)
    ui.notes(filters=view.filter_note)
    st.subheader(view.trend_title)
    ui.chart(charts.complaints_trend, view.trend, split)
    ui.table(view.processes)
    st.subheader("Churn after a recovered or a lost complaint")
    st.markdown(f"**{view.churn_sentence}**")
    ui.chart(charts.churn_by_outcome, view.churn)
    st.caption(
        "Customers active on the first day of the trailing 12 months, grouped by the outcome of their latest complaint "
        "in the year before; churn counted to the end of the 12 months. Bars: 95% Wilson intervals."
    )
else:
    st.info("No complaints are loaded: load the `complaints` table to see complaint volume, recovery and churn.")

st.header("Closed loop")
if view.has_follow_ups:
    ui.tile_row(view.loop_tiles)
    ui.tile_row(view.follow_up_tiles)
    st.subheader("Detractors followed up within 2 business days")
    ui.chart(charts.follow_up_trend, view.follow_up_trend)
    st.subheader(f"Open backlog by owner and age {view.as_of_text}")
    ui.chart(charts.backlog_by_owner, view.backlog)
    st.subheader("Open detractor follow-ups")
    if view.open_list.empty:
        st.success(view.open_list_caption)
    else:
        st.caption(view.open_list_caption)
        ui.table(
            complaints_view.open_rows_shown(view),
            complaints_view.SHOWN_LIST_COLUMNS,
            download=("Download the open detractor follow-ups (CSV)", view.open_list_csv, view.csv_name),
        )
else:
    st.info("No follow-ups are loaded: load the `follow_ups` table to see the closed loop.")
