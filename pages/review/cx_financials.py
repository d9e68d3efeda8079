"""CX & Financials: what customer experience is worth in money, next to the financial results."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.query import catalog
from cxmetrics.reports.cx_financials import charts as charts_financials
from cxmetrics.reports.cx_financials import leadlag, roi, value

SPLITS = {"none": "Company", "region": "By region", "segment": "By segment"}

database = ui.connection()
review = ui.review()
filters = review.filters
loaded = ui.cached(catalog.loaded_tables, database)
month = value.window(review.week.end)
months = value.window_text(month)
has_revenue = "customer_revenue" in loaded
has_financials = "financials" in loaded

st.title("CX & Financials")
st.caption(
    f"What customer experience is worth in money, for {filters.describe()}. Customer value covers "
    f"the 12 months {months} (the latest month closed by the review week), customers grouped by their latest "
    "relationship survey answer before it."
)
for note in (value.missing_note(loaded), value.filter_note(filters)):
    if note:
        st.info(note)

st.subheader("CX next to the financial results")
split = ui.url_choice("Show", list(SPLITS), "split", "none", format_func=SPLITS.get)
by = None if split == "none" else split
series = ui.cached(leadlag.monthly_series, database, filters, by, has_financials)
if series.empty:
    st.warning("No complete month of responses matches these filters.")
else:
    events = ui.cached(
        catalog.events_between, database, filters, series["period_start"].min(), series["period_start"].max()
    )
    st.plotly_chart(charts_financials.side_by_side(series, events, by), theme=None)
    st.caption(
        "Monthly values; NPS and CSAT show n on hover and leave a gap in months with fewer responses than the "
        "minimum n. Dotted lines mark events."
    )

st.subheader("Value of a promoter")
sums, accounts = ui.cached(value.cohort_view, database, filters, month) if has_revenue else (None, None)
if sums is None:
    st.info("Load `customer_revenue` to see what promoters, passives and detractors spend, churn and earn.")
elif sums.empty:
    st.warning("No customers were active at the start of the 12 months under these filters.")
else:
    st.markdown(f"**{value.premium_sentence(value.promoter_premium(sums), months)}**")
    values = value.group_values(sums)
    st.plotly_chart(charts_financials.group_values(values), theme=None)
    st.dataframe(
        values.rename(index=value.GROUP_LABELS).rename_axis("Group").round(1),
        column_order=[
            "customers",
            "revenue_per_customer_usd",
            "revenue_growth_pct",
            "churn_pct",
            "gross_margin_pct",
            "cost_to_serve_per_customer_usd",
        ],  # fmt: skip
        column_config={
            "customers": st.column_config.NumberColumn("Customers (n)", format="%d"),
            "revenue_per_customer_usd": st.column_config.NumberColumn("Revenue per customer (USD)", format="localized"),
            "revenue_growth_pct": st.column_config.NumberColumn("Revenue growth (%)", format="%+.1f%%"),
            "churn_pct": st.column_config.NumberColumn("Churn (%)", format="%.1f%%"),
            "gross_margin_pct": st.column_config.NumberColumn("Gross margin (%)", format="%.1f%%"),
            "cost_to_serve_per_customer_usd": st.column_config.NumberColumn(
                "Cost to serve per customer (USD)", format="localized"
            ),
        },
    )
    st.caption(
        "95% intervals on the bars (hover). Groups with fewer customers than the minimum n are withheld. Growth "
        "compares customers' revenue with the 12 months before (customers who had revenue then); customers without "
        "a response are often newer, so their year before was partial."
    )

st.subheader("Revenue at risk")
if sums is not None and not sums.empty:
    left, middle, right, split_column = st.columns(4)
    assumptions = value.RiskAssumptions(
        left.number_input("Detractor revenue at risk (%)", 0.0, 100.0, 50.0, 5.0, key="risk_detractor"),
        middle.number_input("Passive revenue at risk (%)", 0.0, 100.0, 30.0, 5.0, key="risk_passive"),
        right.number_input("Promoter upside (%)", 0.0, 100.0, 30.0, 5.0, key="risk_promoter"),
    )
    risk_by = split_column.selectbox("Split by", ["region", "segment"], key="risk_by")
    company = value.revenue_at_risk(sums, assumptions).iloc[0]
    for column, (label, amount) in zip(
        st.columns(3),
        [
            ("Detractor revenue at risk (short term)", company["at_risk_short_usd"]),
            ("Passive revenue at risk (long term)", company["at_risk_long_usd"]),
            ("Promoter upside", company["upside_usd"]),
        ],
        strict=True,
    ):
        column.metric(label, value.money(amount), border=True)
    st.caption(
        f"Share of each group's revenue over {months}: detractors {assumptions.detractor_pct:g}%, passives "
        f"{assumptions.passive_pct:g}%, promoters {assumptions.promoter_pct:g}% (defaults as commonly used in NPS "
        "tooling; edit them above)."
    )
    st.plotly_chart(charts_financials.revenue_at_risk(value.revenue_at_risk(sums, assumptions, risk_by)), theme=None)
    st.markdown(f"**Largest at-risk accounts** (detractors by revenue over {months}; {len(accounts):,} shown)")
    st.dataframe(
        accounts.head(20),
        hide_index=True,
        column_config={
            "customer_id": st.column_config.TextColumn("Customer"),
            "name": st.column_config.TextColumn("Name"),
            "region": st.column_config.TextColumn("Region"),
            "segment": st.column_config.TextColumn("Segment"),
            "latest_nps": st.column_config.NumberColumn("Latest NPS answer", format="%d"),
            "answered_on": st.column_config.DateColumn("Answered on"),
            "revenue_12m_usd": st.column_config.NumberColumn("Revenue 12 months (USD)", format="localized"),
            "gross_margin_12m_usd": st.column_config.NumberColumn("Gross margin 12 months (USD)", format="localized"),
            "churn_date": st.column_config.DateColumn("Churned on"),
        },
    )
    st.download_button(
        "Download the at-risk accounts (CSV)",
        accounts.to_csv(index=False),
        file_name=f"at_risk_accounts_{month.start:%Y_%m}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
else:
    st.info("Revenue at risk needs `customer_revenue`.")

st.subheader("Does NPS lead revenue and churn?")
outcomes = tuple(o for o, table_name in leadlag.OUTCOME_TABLES.items() if table_name in loaded)
lags = ui.cached(leadlag.view, database, filters, month, outcomes)
if "customer_revenue" not in loaded:
    st.info("Load `customer_revenue` to correlate NPS changes with later like-for-like revenue growth.")
if lags.table.empty:
    st.warning("No month of responses and customers matches these filters.")
else:
    for finding in leadlag.findings(lags.table):
        st.markdown(f"- {leadlag.finding_sentence(finding)}")
    if not lags.table["trusted"].any():
        st.warning(f"The monthly series is {leadlag.TOO_SHORT}: fewer than {leadlag.MIN_PERIODS} months per lag.")
    st.plotly_chart(charts_financials.lead_lag(lags.table, leadlag.OUTCOMES), theme=None)
    st.caption(leadlag.method_note(lags.left_out))

st.subheader("CX ROI model")
if sums is not None and not sums.empty:
    regions = sorted(sums["region"].dropna().unique())
    scope_column, down, up, years_column = st.columns(4)
    region = scope_column.selectbox("Scope", [None, *regions], format_func=lambda r: r or "Company-wide")
    scenario = roi.Scenario(
        down.slider("Detractors moved to passives (%)", 0, 100, 20, 5, key="roi_detractors"),
        up.slider("Passives moved to promoters (%)", 0, 100, 10, 5, key="roi_passives"),
        years_column.slider("Years", 1, 3, 3, key="roi_years"),
    )
    st.caption(
        "Temkin's five steps: 1 NPS groups; 2 loyalty behaviours: churn and revenue; 3 customers per group; "
        "4 each group's measured behaviour (95% interval, editable below); 5 the value of moving customers up."
    )
    table = st.data_editor(
        roi.assumptions(value.group_values(value.in_region(sums, region), min_n=0))
        .rename(index=value.GROUP_LABELS)
        .rename_axis("Group")
        .round(1),
        key=f"roi_assumptions_{region}",
        column_config={c: st.column_config.NumberColumn(label, format=f) for c, (label, f) in roi.LABELS.items()},
    ).rename(index=value.GROUP_IDS)
    ranges = roi.ranges(roi.project(table, scenario))
    st.markdown(f"**{roi.sentence(scenario, ranges)}**")
    last = ranges.iloc[-1]
    horizon = f"over {scenario.years} year{'s' if scenario.years > 1 else ''}"
    revenue_column, margin_column, customers_column = st.columns(3)
    for column, (label, key) in (
        (revenue_column, (f"Revenue gained {horizon}", "cumulative_revenue_usd")),
        (margin_column, (f"Gross margin gained {horizon}", "cumulative_gross_margin_usd")),
    ):
        column.metric(label, value.money(last[f"{key}_mid"]), border=True)
        column.caption(f"Range {value.money(last[f'{key}_low'])} to {value.money(last[f'{key}_high'])}")
    customers_column.metric(
        f"Customers kept after {horizon[5:]}", f"{last['retained_customers_mid']:+,.0f}", border=True
    )
    customers_column.caption(f"Range {last['retained_customers_low']:+,.0f} to {last['retained_customers_high']:+,.0f}")
    st.plotly_chart(charts_financials.roi_range(ranges), theme=None)
    st.caption(
        "The range combines each group's 95% interval ends in the least and the most favourable way (conservative). "
        "Moved customers are assumed to behave like their new group."
    )
else:
    st.info("The ROI model needs `customer_revenue`.")

st.subheader("Where CX and growth move together")
if sums is not None and not sums.empty:
    view = value.segment_view(ui.cached(value.cell_nps_sums, database, filters, month), sums)
    st.plotly_chart(charts_financials.segment_bubbles(view), theme=None)
    withheld = view[view["suppressed"]]
    st.caption(
        f"Each bubble is a region x segment over {months}; size = revenue of customers active at its start. "
        + (f"{len(withheld)} cell(s) with too few responses are not drawn." if len(withheld) else "")
    )
else:
    st.info("The segment view needs `customer_revenue`.")

st.subheader("Earned growth")
if has_revenue:
    earned = ui.cached(value.earned_growth, database, filters, month)
    if earned.available:
        cols = st.columns(3)
        cols[0].metric("Earned Growth Rate", f"{earned.egr_pct:+.1f}%", border=True)
        cols[1].metric("Net revenue retention", f"{earned.nrr_pct:.1f}%", border=True)
        cols[2].metric("Revenue from referred new customers", value.money(earned.referral_revenue_usd), border=True)
        st.caption(
            f"Earned Growth Rate (Bain) = net revenue retention + revenue from the {earned.referred_customers:,} "
            f"customers acquired by referral during {months} as a share of last year's revenue base - 100%."
        )
    else:
        st.info(earned.note)
else:
    st.info("Earned growth needs `customer_revenue` (and customers' acquisition channel).")
