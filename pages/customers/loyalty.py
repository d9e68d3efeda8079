"""Loyalty & Retention: who stays, who leaves, the satisfied customers who leave anyway, and who to call first."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.display import figures
from cxmetrics.reports.loyalty import charts as charts_loyalty
from cxmetrics.reports.loyalty import risk
from cxmetrics.reports.loyalty import view as loyalty_view

SPLIT_LABELS = {"none": "Company", "region": "By region", "segment": "By segment"}
GRAIN_LABELS = {"month": "Month", "quarter": "Quarter"}
LIST_ROWS = 200

database = ui.connection()
review = ui.review()

st.title("Loyalty & Retention")
controls = st.columns([1, 2])
grain = ui.url_choice(
    "Period", loyalty_view.GRAINS, "retention_grain", "month", format_func=GRAIN_LABELS.get, container=controls[0]
)
split = ui.url_choice(
    "Retention over time",
    loyalty_view.SPLITS,
    "retention_split",
    "none",
    format_func=SPLIT_LABELS.get,
    container=controls[1],
)
view = ui.cached(
    loyalty_view.build, database, review.filters, review.week.end, grain, None if split == "none" else split
)
st.caption(view.subtitle)
if view.missing_note:
    st.info(view.missing_note)
if view.filter_note:
    st.caption(view.filter_note)
if view.customers == 0:
    st.warning("No customers match the filters: choose other regions or segments in the sidebar.")
    st.stop()

for start in range(0, len(view.tiles), loyalty_view.TILES_PER_ROW):
    row = view.tiles[start : start + loyalty_view.TILES_PER_ROW]
    for column, tile in zip(st.columns(loyalty_view.TILES_PER_ROW), row, strict=False):
        column.metric(tile.label, tile.value, help=tile.help, border=True)
        column.badge(tile.status_text, color=figures.badge_colour(tile.status))

st.subheader("Retention over time")
st.plotly_chart(charts_loyalty.retention_trend(view.trends, None if split == "none" else split), theme=None)
st.caption(
    "Logo retention, churn, NRR, GRR and lifetime value cover the trailing 12 months ending with each period; "
    "repeat purchase covers the period's months. Revenue retention starts once the revenue data covers 24 months. "
    "Bands: 95% intervals. Dashed: target."
)

st.subheader("Cohorts by signup quarter")
if view.cohorts.empty:
    st.info("No customers signed up in the last 12 quarters under these filters.")
else:
    st.plotly_chart(charts_loyalty.cohort_heatmap(view.cohorts), theme=None)
    st.caption("Share of each signup quarter's customers still active at the end of each later quarter.")

st.subheader("Loyalty by experience")
st.markdown(f"**{view.at_risk_sentence}**")
st.plotly_chart(charts_loyalty.experience_churn(view.experience), theme=None)
st.dataframe(
    view.experience[view.experience["grouping"] != "focus"],
    hide_index=True,
    column_order=[
        "grouping_label",
        "group",
        "customers",
        "churned",
        "churn_pct",
        "churn_low_pct",
        "churn_high_pct",
        "repeat_purchase_pct",
        "revenue_per_customer_usd",
        "clv_usd",
    ],  # fmt: skip
    column_config={
        "grouping_label": st.column_config.TextColumn("Grouped by"),
        "group": st.column_config.TextColumn("Group"),
        "customers": st.column_config.NumberColumn("Customers (n)", format="%d"),
        "churned": st.column_config.NumberColumn("Churned", format="%d"),
        "churn_pct": st.column_config.NumberColumn("Churn %", format="%.1f"),
        "churn_low_pct": st.column_config.NumberColumn("Churn low %", format="%.1f", help="95% interval"),
        "churn_high_pct": st.column_config.NumberColumn("Churn high %", format="%.1f", help="95% interval"),
        "repeat_purchase_pct": st.column_config.NumberColumn("Repeat purchase %", format="%.1f"),
        "revenue_per_customer_usd": st.column_config.NumberColumn("Revenue per customer (USD)", format="$%,.0f"),
        "clv_usd": st.column_config.NumberColumn("Lifetime value (USD)", format="$%,.0f"),
    },
)
st.caption(
    f"Customers active on {view.window.start:%-d %b %Y}, grouped by their latest relationship survey answer before "
    f"it (NPS and the CSAT of the same answer); churn by {view.window.end:%-d %b %Y}. Rows under the minimum n "
    "show the count only."
)

st.subheader("Customer value")
if view.value is None:
    st.info("Load `customer_revenue` to see customers by gross margin and the cost of unprofitable customers.")
else:
    st.markdown(f"**{view.unprofitable_sentence}**")
    st.plotly_chart(charts_loyalty.value_deciles(view.value.deciles), theme=None)

st.subheader("At-risk customers")
st.caption(risk.weights_text())
narrow = st.columns([1, 2, 2])
min_score = narrow[0].slider("Minimum risk score", 0, int(risk.MAX_SCORE), 30, step=5, key="min_score")
owners = narrow[1].multiselect(
    "Account owner", sorted(view.at_risk["account_owner"].unique()), placeholder="All", key="owners"
)
groups = narrow[2].multiselect("Latest NPS category", list(risk.NPS_POINTS), placeholder="All", key="nps_groups")
shown = risk.narrowed(view.at_risk, min_score, owners, groups)
st.caption(f"{len(shown):,} of {len(view.at_risk):,} active customers; the top {min(LIST_ROWS, len(shown)):,} shown.")
st.dataframe(
    shown.head(LIST_ROWS),
    hide_index=True,
    column_order=[
        "rank",
        "name",
        "region",
        "segment",
        "account_owner",
        "revenue_12m_usd",
        "risk_score",
        "nps_points",
        "complaint_points",
        "revenue_points",
        "follow_up_points",
        "nps_group",
        "complaints_12m",
        "lost_complaints_12m",
        "revenue_change_pct",
        "open_follow_ups",
        "follow_up_owner",
    ],  # fmt: skip
    column_config={
        "rank": st.column_config.NumberColumn("Rank", format="%d", pinned=True),
        "name": st.column_config.TextColumn("Customer", pinned=True),
        "region": st.column_config.TextColumn("Region"),
        "segment": st.column_config.TextColumn("Segment"),
        "account_owner": st.column_config.TextColumn(
            "Account owner", help="The person accountable for the account (customers.account_owner)."
        ),
        "follow_up_owner": st.column_config.TextColumn(
            "Follow-up owner", help="Owner of the customer's most recent survey follow-up; unassigned without one."
        ),
        "revenue_12m_usd": st.column_config.NumberColumn("Revenue, 12 months (USD)", format="$%,.0f"),
        "risk_score": st.column_config.ProgressColumn(
            "Risk score", min_value=0, max_value=risk.MAX_SCORE, format="%.0f"
        ),
        "nps_points": st.column_config.NumberColumn("NPS pts", format="%.0f"),
        "complaint_points": st.column_config.NumberColumn("Complaint pts", format="%.0f"),
        "revenue_points": st.column_config.NumberColumn("Revenue pts", format="%.1f"),
        "follow_up_points": st.column_config.NumberColumn("Follow-up pts", format="%.0f"),
        "nps_group": st.column_config.TextColumn("Latest NPS category"),
        "complaints_12m": st.column_config.NumberColumn("Complaints, 12 months", format="%d"),
        "lost_complaints_12m": st.column_config.NumberColumn("Lost complaints", format="%d"),
        "revenue_change_pct": st.column_config.NumberColumn(
            "Revenue change %", format="%+.0f", help="Last 3 months against the same months a year earlier."
        ),
        "open_follow_ups": st.column_config.NumberColumn("Open follow-ups", format="%d"),
    },
)
st.download_button(
    "Download the at-risk list (CSV)",
    risk.list_csv(shown),
    file_name=f"at-risk-customers-{view.window.end.isoformat()}.csv",
    mime="text/csv",
    icon=":material/download:",
)
