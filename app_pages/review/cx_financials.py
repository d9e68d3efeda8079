"""CX & Financials: what customer experience is worth in money, next to the financial results."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.reports.cx_financials import charts, leadlag, roi
from cxmetrics.reports.cx_financials import view as financials
from cxmetrics.reports.cx_financials.value import RiskAssumptions

database = ui.connection()
review = ui.review()
view = ui.cached(financials.build, database, review.filters, review.period("month"))
cohort = view.cohort


@ui.section
def side_by_side() -> None:
    """CX next to the financial results by month: the split reruns this section alone."""
    database, review = ui.connection(), ui.review()
    st.subheader("CX next to the financial results")
    split = ui.url_choice("Show", list(financials.SPLITS), "split", "none", format_func=financials.SPLITS.get)
    monthly = ui.cached(financials.monthly, database, review.filters, split)
    if monthly.series.empty:
        st.warning("No complete month of responses matches these filters.")
    else:
        ui.chart(charts.side_by_side, monthly.series, monthly.events, monthly.by)
        st.caption(financials.MONTHLY_NOTE)


@ui.section
def revenue_at_risk(view: financials.FinancialsView) -> None:
    """Revenue at risk under the assumptions entered here: a change reruns this section alone."""
    cohort = view.cohort
    st.subheader("Revenue at risk")
    if cohort is not None:
        left, middle, right, split_column = st.columns(4)
        assumptions = RiskAssumptions(
            left.number_input("Detractor revenue at risk (%)", 0.0, 100.0, 50.0, 5.0, key="risk_detractor"),
            middle.number_input("Passive revenue at risk (%)", 0.0, 100.0, 30.0, 5.0, key="risk_passive"),
            right.number_input("Promoter upside (%)", 0.0, 100.0, 30.0, 5.0, key="risk_promoter"),
        )
        risk = financials.risk(
            view, assumptions, split_column.selectbox("Split by", financials.RISK_SPLITS, key="risk_by")
        )
        ui.tile_row(risk.tiles)
        st.caption(risk.caption)
        ui.chart(charts.revenue_at_risk, risk.by_split)
        st.markdown(cohort.accounts_title)
        ui.table(
            cohort.accounts_shown,
            download=("Download the at-risk accounts (CSV)", cohort.accounts_csv, cohort.accounts_file),
        )
    else:
        st.info("Revenue at risk needs `customer_revenue`.")


@ui.section
def roi_model(view: financials.FinancialsView) -> None:
    """The CX ROI model: its scope, scenario and assumptions rerun this section alone."""
    cohort = view.cohort
    if cohort is not None:
        scope_column, down, up, years_column = st.columns(4)
        region = scope_column.selectbox("Scope", cohort.scopes, format_func=financials.scope_label)
        scenario = roi.Scenario(
            down.slider("Detractors moved to passives (%)", 0, 100, 20, 5, key="roi_detractors"),
            up.slider("Passives moved to promoters (%)", 0, 100, 10, 5, key="roi_passives"),
            years_column.slider("Years", 1, 3, 3, key="roi_years"),
        )
        st.caption(financials.ROI_STEPS)
        inputs = ui.editor(financials.roi_inputs(view, region), key=f"roi_assumptions_{region}", index=True)
        worth = financials.roi_worth(inputs, scenario)
        st.markdown(f"**{worth.sentence}**")
        if worth.withheld:
            st.info(worth.withheld)
        if worth.tiles:
            ui.tile_row(worth.tiles)
            ui.chart(charts.roi_range, worth.ranges)
        st.caption(financials.ROI_NOTE)
        crude = financials.roi_crude(view, region, scenario)
        if crude:
            st.caption(crude)
    else:
        st.info("The ROI model needs `customer_revenue`.")


ui.header("CX & Financials", view.subtitle)
ui.data_warnings("cx-financials")
ui.notes(view.missing_note, view.filter_note, filters_boxed=True)

side_by_side()

st.subheader("Value of a promoter")
if not view.has_revenue:
    st.info("Load `customer_revenue` to see what promoters, passives and detractors spend, churn and earn.")
elif cohort is None:
    st.warning("No customers were active at the start of the 12 months under these filters.")
else:
    st.markdown(f"**{cohort.premium_sentence}**")
    if cohort.crude_sentence:
        st.caption(cohort.crude_sentence)
    ui.chart(charts.premium_by_segment, cohort.premium)
    ui.table(cohort.strata_table, index=True, footnotes=(financials.STRATA_NOTE,))
    ui.chart(charts.group_values, cohort.values)
    ui.table(cohort.values_table, financials.GROUP_COLUMNS, index=True, footnotes=(financials.VALUE_NOTE,))

revenue_at_risk(view)

if lead_lag := ui.below_the_fold("Does NPS lead revenue and churn?", "open_lead_lag"):
    with lead_lag:
        if not view.has_revenue:
            st.info("Load `customer_revenue` to correlate NPS changes with later like-for-like revenue growth.")
        if view.lead_lag.empty:
            st.warning("No month of responses and customers matches these filters.")
        else:
            for finding in view.lead_lag.findings:
                st.markdown(f"- {finding}")
            if view.lead_lag.too_short:
                st.warning(view.lead_lag.too_short)
            ui.chart(charts.lead_lag, view.lead_lag.lags.table, leadlag.OUTCOMES)
            st.caption(view.lead_lag.note)

if roi_section := ui.below_the_fold("CX ROI model", "open_roi"):
    with roi_section:
        roi_model(view)

if segments := ui.below_the_fold("Where CX and growth move together", "open_segments"):
    with segments:
        if cohort is not None:
            ui.chart(charts.segment_bubbles, cohort.segments)
            st.caption(cohort.segments_caption)
        else:
            st.info("The segment view needs `customer_revenue`.")

st.subheader("Earned growth")
if view.earned.tiles:
    ui.tile_row(view.earned.tiles)
    st.caption(view.earned.caption)
else:
    st.info(view.earned.note)
