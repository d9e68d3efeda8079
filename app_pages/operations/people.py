"""People & CX: employee engagement and eNPS by region or team beside the same units' customer NPS."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.reports.people import analysis as people
from cxmetrics.reports.people import charts
from cxmetrics.reports.people import view as people_view

database = ui.connection()
review = ui.review()

ui.header("People & CX")
ui.data_warnings("people")
left, right = st.columns(2)
unit = ui.url_choice(
    "Compare by",
    list(people.UNITS),
    "people_unit",
    "region",
    format_func=people.UNITS.get,
    help="Team: each team against the customer NPS of the touchpoint it serves (Account Management: renewal).",
    container=left,
)
measure = ui.url_choice(
    "Employee measure",
    list(people.MEASURES),
    "people_measure",
    "engagement_index",
    format_func=people.MEASURES.get,
    container=right,
)

view = ui.cached(people_view.build, database, review.filters, review.week, unit, measure)
st.caption(view.subtitle)
if not view.has_engagement:
    ui.notes(view.missing_note)
    st.stop()

ui.tile_row(view.tiles)
ui.notes(filters=view.filter_note)

st.subheader(view.titles.link)
st.markdown(f"**{view.sentence}**")
ui.chart(charts.engagement_scatter, view.frame, measure, view.titles.measure, view.titles.r_text)
st.caption(view.titles.scatter_caption)

st.subheader("Over time")
ui.chart(charts.engagement_trend, view.frame, measure, view.titles.measure)

st.subheader(view.titles.table)
ui.table(view.table, people_view.TABLE_COLUMNS)
