"""Scorecard: where customer experience stands next to the financial results, what moved, and whether it is real."""

import streamlit as st

from cxmetrics import periods, ui
from cxmetrics.display import figures
from cxmetrics.reports.scorecard import charts
from cxmetrics.reports.scorecard import view as scorecard

database = ui.connection()
review = ui.review()

st.title("Scorecard")
grain = ui.url_choice(
    "Period",
    scorecard.GRAINS,
    "grain",
    "week",
    format_func=periods.GRAIN_LABELS.get,
    help="Week: the review week chosen in the sidebar. Month, quarter: the last one complete by the end of that week.",
)
card = ui.cached(scorecard.build, database, review.filters, periods.review_period(grain, review.week))
st.caption(card.subtitle)
if card.missing_note:
    st.info(card.missing_note)

for tiles in card.headline:
    for column, tile in zip(st.columns(len(tiles)), tiles, strict=True):
        column.metric(
            tile.label,
            tile.value,
            tile.delta,
            delta_color=tile.delta_colour,
            delta_arrow=tile.delta_arrow,
            delta_description=tile.comparison,
            help=tile.help,
            chart_data=tile.trend or None,
            border=True,
        )
        column.badge(tile.status_text, color=figures.badge_colour(tile.status))
if card.filter_note:
    st.caption(card.filter_note)

st.subheader("What changed")
for change in card.changes:
    st.markdown(f"- {change.sentence}" + (f" [Explore]({change.href})" if change.href else ""))

st.subheader("Statement")
st.dataframe(
    charts.statement_style(card.statement),
    column_order=scorecard.STATEMENT_COLUMNS,
    hide_index=True,
    height=figures.table_height(card.statement),
    column_config={
        "Measure": st.column_config.TextColumn("Measure", width=205, pinned=True),
        "Period": st.column_config.TextColumn("Period", width=70, help="The period each row answers for."),
        "Actual": st.column_config.TextColumn("Actual", width=75),
        "Status": st.column_config.TextColumn(
            "Status", width=85, help="Against the target; a miss within noise: Watch."
        ),
        "Prior": st.column_config.TextColumn(
            "Prior", width=70, help="The prior period (the month before, monthly rows)."
        ),
        "Change": st.column_config.TextColumn(
            "Change", width=160, help="Against the prior period; significant when the 95% test says it is not noise."
        ),
        "Target": st.column_config.TextColumn("Target", width=70),
        "Variance": st.column_config.TextColumn("Vs target", width=75, help="Actual minus target."),
        "Last year": st.column_config.TextColumn("Last year", width=70, help="The same period last year."),
        "Trend": st.column_config.LineChartColumn("Last 13 periods", width=100),
    },
)
for note in (card.basis_note, card.filter_note):
    if note:
        st.caption(note)
st.download_button(
    "Download the statement (CSV)",
    scorecard.statement_csv(card),
    file_name=card.csv_name,
    mime="text/csv",
    icon=":material/download:",
)

st.subheader("NPS and revenue")
st.plotly_chart(charts.nps_revenue_trend(card.nps_weekly, card.revenue_monthly, card.events, card.period), theme=None)
if card.chart_note:
    st.caption(card.chart_note)
