"""Complaints & Follow-up: complaints as broken processes, churn after recovered or lost complaints, the closed loop."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.reports.complaints import analysis as complaints
from cxmetrics.reports.complaints import charts, closed_loop
from cxmetrics.reports.complaints import view as complaints_view

database = ui.connection()
review = ui.review()

st.title("Complaints & Follow-up")
left, right = st.columns(2)
grain = ui.url_choice(
    "Period",
    complaints_view.GRAINS,
    "complaints_grain",
    "month",
    format_func=complaints_view.GRAIN_LABELS.get,
    help="The last complete month, quarter or week by the end of the review week chosen in the sidebar.",
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

view = ui.cached(
    complaints_view.build, database, review.filters, complaints_view.review_period(grain, review.week), split
)
st.caption(view.subtitle)
if view.missing_note:
    st.info(view.missing_note)


def show_tiles(tiles) -> None:
    """A row of headline tiles."""
    for column, tile in zip(st.columns(len(tiles)), tiles, strict=True):
        column.metric(
            tile.label,
            tile.value,
            tile.delta,
            delta_color=tile.delta_colour,
            delta_arrow=tile.delta_arrow,
            help=tile.help,
            border=True,
        )


st.header("Complaints as broken processes")
if view.has_complaints:
    show_tiles(view.complaint_tiles)
    if view.filter_note:
        st.caption(view.filter_note)
    st.subheader(f"Complaints per 1,000 active customers by {complaints.SPLITS[split].lower()}")
    st.plotly_chart(charts.complaints_trend(view.trend, split), theme=None)
    st.dataframe(
        view.processes,
        hide_index=True,
        column_config={
            "Per 1,000 customers": st.column_config.NumberColumn(help="Complaints opened per 1,000 active customers."),
            "Median days to resolve": st.column_config.NumberColumn(help="Of the complaints resolved in the period."),
            "Recovered %": st.column_config.TextColumn(
                help="Resolved complaints whose customer was recovered rather than lost; withheld below the minimum n."
            ),
            "Resolved": st.column_config.NumberColumn(help="n: complaints resolved as recovered or lost, or open."),
        },
    )
    st.subheader("Churn after a recovered or a lost complaint")
    st.markdown(f"**{view.churn_sentence}**")
    st.plotly_chart(charts.churn_by_outcome(view.churn), theme=None)
    st.caption(
        "Customers active on the first day of the trailing 12 months, grouped by the outcome of their latest complaint "
        "in the year before; churn counted to the end of the 12 months. Bars: 95% Wilson intervals."
    )
else:
    st.info("No complaints are loaded: load the `complaints` table to see complaint volume, recovery and churn.")

st.header("Closed loop")
if view.has_follow_ups:
    show_tiles(view.loop_tiles)
    show_tiles([t for t in (complaints_view.timeliness_tile(view), complaints_view.backlog_tile(view)) if t])
    st.subheader("Detractors followed up within 2 business days")
    st.plotly_chart(charts.follow_up_trend(view.follow_up_trend), theme=None)
    st.subheader(f"Open backlog by owner and age {complaints_view.as_of_text(view)}")
    st.plotly_chart(charts.backlog_by_owner(view.backlog), theme=None)
    st.subheader("Open detractor follow-ups")
    if view.open_list.empty:
        st.success(f"No detractor follow-up is open {complaints_view.as_of_text(view)}.")
    else:
        st.caption(
            f"{len(view.open_list):,} detractor responses waiting for a follow-up {complaints_view.as_of_text(view)}, "
            "highest revenue first (revenue over the 12 closed months to then)."
        )
        st.dataframe(
            view.open_list,
            hide_index=True,
            column_order=complaints_view.SHOWN_LIST_COLUMNS,
            column_config={
                "customer": st.column_config.TextColumn("Customer", pinned=True),
                "revenue_12m_usd": st.column_config.NumberColumn(
                    "Revenue, 12 months (USD)", format="dollar", help="Over the 12 closed months to the day shown."
                ),
                "region": "Region",
                "segment": "Segment",
                "owner": "Owner",
                "opened": st.column_config.DateColumn("Opened"),
                "age_days": st.column_config.NumberColumn("Age (days)"),
                "nps": st.column_config.NumberColumn("NPS"),
                "touchpoint": "Touchpoint",
                "comment": st.column_config.TextColumn("Comment", width="large"),
            },
        )
        st.download_button(
            "Download the open detractor follow-ups (CSV)",
            closed_loop.open_list_csv(view.open_list),
            file_name=f"open-detractor-follow-ups-{view.as_of}.csv",
            mime="text/csv",
            icon=":material/download:",
        )
else:
    st.info("No follow-ups are loaded: load the `follow_ups` table to see the closed loop.")
