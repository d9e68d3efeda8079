"""Scorecard: where customer experience stands next to the financial results, what moved, and whether it is real."""

import streamlit as st

from cxmetrics import periods, ui
from cxmetrics.display import figures
from cxmetrics.reports.actions import links as actions_links
from cxmetrics.reports.scorecard import charts
from cxmetrics.reports.scorecard import view as scorecard

database = ui.connection()
review = ui.review()

ui.header("Scorecard")
ui.data_warnings("scorecard")
grain = ui.url_choice(
    "Period",
    scorecard.GRAINS,
    "grain",
    "week",
    format_func=periods.GRAIN_LABELS.get,
    help="Week: the review week chosen in the sidebar. Month, quarter, year to date: the latest closed by the last day "
    "with data (for an earlier week, by the end of the week after it).",
)
card = ui.cached(scorecard.build, database, review.filters, review.period(grain))
st.caption(card.subtitle)
ui.pack_download(review, grain)
ui.notes(missing=card.missing_note)
for tiles in card.headline:
    ui.tile_row(tiles)
ui.notes(filters=card.filter_note)

st.subheader("What changed")
for change in card.changes:
    act = actions_links.from_change(change, review.week, review.filters)
    explore = (f" [Explore]({change.href})" if change.href else "") + (f" · [Record an action]({act})" if act else "")
    st.markdown(f"- {change.sentence}{explore}")

st.subheader("Statement")
ui.table(
    card.statement,
    scorecard.STATEMENT_COLUMNS,
    style=charts.statement_style,
    height=figures.table_height(card.statement),
    footnotes=(card.basis_note, card.filter_note),
    download=("Download the statement (CSV)", lambda: scorecard.statement_csv(card), card.csv_name),
)

st.subheader("NPS and revenue")
ui.chart(charts.nps_revenue_trend, card.nps_weekly, card.revenue_monthly, card.events, card.period)
if card.chart_note:
    st.caption(card.chart_note)
