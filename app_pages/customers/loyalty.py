"""Loyalty & Retention: who stays, who leaves, the satisfied customers who leave anyway, and who to call first."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.reports.loyalty import charts as charts_loyalty
from cxmetrics.reports.loyalty import risk
from cxmetrics.reports.loyalty import view as loyalty_view

database = ui.connection()
review = ui.review()

ui.header("Loyalty & Retention")
ui.data_warnings("loyalty")
controls = st.columns([1, 2])
grain = ui.url_choice(
    "Period",
    loyalty_view.GRAINS,
    "retention_grain",
    "month",
    format_func=loyalty_view.GRAIN_LABELS.get,
    container=controls[0],
)
split = ui.url_choice(
    "Retention over time",
    loyalty_view.SPLITS,
    "retention_split",
    "none",
    format_func=loyalty_view.SPLIT_LABELS.get,
    container=controls[1],
)
view = ui.cached(loyalty_view.build, database, review.filters, review.day, grain, None if split == "none" else split)
st.caption(view.subtitle)
ui.notes(view.missing_note, view.filter_note)
if view.customers == 0:
    st.warning("No customers match the filters: choose other regions or segments in the sidebar.")
    st.stop()

ui.tile_row(view.tiles, loyalty_view.TILES_PER_ROW)

st.subheader("Retention over time")
ui.chart(charts_loyalty.retention_trend, view.trends, None if split == "none" else split)
st.caption(view.trend_caption)

st.subheader("Cohorts by signup quarter")
if view.cohorts.empty:
    st.info("No customers signed up in the last 12 quarters under these filters.")
else:
    ui.chart(charts_loyalty.cohort_heatmap, view.cohorts)
    st.caption("Share of each signup quarter's customers still active at the end of each later quarter.")

st.subheader("Loyalty by experience")
st.markdown(f"**{view.at_risk_sentence}**")
ui.chart(charts_loyalty.experience_churn, view.experience)
ui.table(view.experience_table, loyalty_view.EXPERIENCE_COLUMNS)
st.caption(view.experience_caption)

st.subheader("Customer value")
if view.value is None:
    st.info("Load `customer_revenue` to see customers by gross margin and the cost of unprofitable customers.")
else:
    st.markdown(f"**{view.unprofitable_sentence}**")
    ui.chart(charts_loyalty.value_deciles, view.value.deciles)

st.subheader("At-risk customers")
st.caption(risk.weights_text())
narrow = st.columns([1, 2, 2])
min_score = narrow[0].slider("Minimum risk score", 0, loyalty_view.MAX_SCORE, 30, step=5, key="min_score")
owners = narrow[1].multiselect("Account owner", view.owners, placeholder="All", key="owners")
groups = narrow[2].multiselect("Latest NPS category", list(risk.NPS_POINTS), placeholder="All", key="nps_groups")
at_risk = loyalty_view.at_risk_list(view, min_score, owners, groups)
st.caption(at_risk.caption)
ui.table(
    at_risk.shown,
    loyalty_view.AT_RISK_COLUMNS,
    download=("Download the at-risk list (CSV)", at_risk.csv, at_risk.csv_name),
)
