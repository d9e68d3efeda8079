"""People & CX: employee engagement and eNPS by region or team beside the same units' customer NPS."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.reports.complaints import charts
from cxmetrics.reports.people import analysis as people
from cxmetrics.reports.people import view as people_view

database = ui.connection()
review = ui.review()

st.title("People & CX")
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
    st.info(view.missing_note)
    st.stop()

for column, tile in zip(st.columns(len(view.tiles)), view.tiles, strict=True):
    column.metric(
        f"{tile.label} · {view.month.label}",
        tile.value,
        tile.delta,
        delta_color=tile.delta_colour,
        delta_arrow=tile.delta_arrow,
        help=tile.help,
        border=True,
    )
if view.filter_note:
    st.caption(view.filter_note)

st.subheader(f"{people.MEASURES[measure]} against customer NPS")
st.markdown(f"**{view.sentence}**")
st.plotly_chart(
    charts.engagement_scatter(view.frame, measure, people.MEASURES[measure], people_view.r_text(view.link)),
    theme=None,
)
st.caption(
    f"Each point is one {people.UNITS[unit].lower()} in one month. Months whose NPS rests on fewer responses than the "
    "minimum n are left out of the correlation."
)

st.subheader("Over time")
st.plotly_chart(charts.engagement_trend(view.frame, measure, people.MEASURES[measure]), theme=None)

st.subheader(f"By {people.UNITS[unit].lower()}, {view.month.label}")
st.dataframe(
    view.table,
    hide_index=True,
    column_config={
        "NPS": st.column_config.NumberColumn(help="Empty when the month has fewer responses than the minimum n."),
        "NPS n": st.column_config.NumberColumn(help="Responses behind the unit's NPS this month."),
        "r": st.column_config.NumberColumn(help="Correlation of the employee measure with NPS over the unit's months."),
        "Months": st.column_config.NumberColumn(help="Months the unit's correlation rests on (n)."),
    },
)
