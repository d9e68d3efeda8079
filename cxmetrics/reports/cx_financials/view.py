"""The CX & Financials page's complete query set: `build` returns one frozen object the page lays out.

`build` holds the expensive part for the filters and the month the page values (the cohort's sums and at-risk
accounts, the lead-lag panel with its permutation test, the segment cells, earned growth) and is cached by the page;
`monthly` is the side-by-side series of one split, cached on its own so a split change reads only that series.
`risk`, `roi_inputs` and `roi` are the parts that follow the page's editable assumptions: pure arithmetic on the
built view's small sums, so moving an assumption reruns no query and no permutation test.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.display import notes, withheld
from cxmetrics.display.tiles import Tile
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import minimum_n
from cxmetrics.periods import Period
from cxmetrics.query import catalog
from cxmetrics.reports.cx_financials import leadlag, roi, value
from cxmetrics.reports.cx_financials.value import money

SPLITS: dict[str, str] = {"none": "Company", "region": "By region", "segment": "By segment"}
RISK_SPLITS: tuple[str, ...] = ("region", "segment")
GROUP_COLUMNS: tuple[str, ...] = (
    "customers", "revenue_per_customer_usd", "revenue_growth_pct", "churn_pct", "gross_margin_pct",
    "cost_to_serve_per_customer_usd",
)  # fmt: skip
ACCOUNTS_SHOWN = 20
MONTHLY_NOTE = (
    "Monthly values; relationship NPS (the headline: relationship surveys only) and CSAT show n on hover and leave "
    "a gap in months with fewer responses than the minimum n. Dotted lines mark events."
)
VALUE_NOTE = (
    "All segments pooled: a group's figures also reflect which segments its customers are in, so compare groups with "
    "care (the value of a promoter above compares within segment). 95% intervals on the bars (hover). Groups with "
    "fewer customers than the minimum n are withheld. Growth compares customers' revenue with the 12 months before "
    "(customers who had revenue then); customers without a response are often newer, so their year before was "
    "partial."
)
STRATA_NOTE = (
    "Per segment: revenue over the 12 months per promoter and per detractor of the customers active at their start "
    "(grouped by their latest relationship answer before it), the difference with its 95% interval (Welch), and the "
    "segment's share of the detractors active at their end, which weights the headline. Segments with fewer "
    "promoters or detractors than the minimum n are withheld and left out of the headline."
)
ROW_SEPARATOR = " · "  # between the segment and the group in an ROI input's row name
ROI_STEPS = (
    "Temkin's five steps: 1 NPS groups; 2 loyalty behaviours: churn and revenue; 3 customers per group; 4 each "
    "group's measured behaviour (95% interval, editable below); 5 the value of moving customers up."
)
ROI_NOTE = (
    "The model runs within each segment: customers move between the groups of their own segment and are assumed to "
    "behave like their new group there (customers: active at the end of the 12 months; behaviour: measured on the "
    "customers active at their start). The range combines each group's 95% interval ends in the least and the most "
    "favourable way (conservative). A behaviour measured on fewer customers than the minimum n is withheld; type a "
    "value to model its segment."
)
# Lagged correlations rest on the cell-month pairs they are computed over (CX_MIN_N, as every figure outside the
# registry); each month's value of the panel on its n, under its metric's minimum.
LAG_RULE = withheld.Rule("pairs", ("correlation", "threshold", "p_family", "significant"))
LAG_EXACT = ("lag_months", "periods", "cells", "trusted", "outcome", "detectable")
PANEL_RULE = withheld.Rule("n", ("value",), metric_column="metric")
SEGMENT_RULE = withheld.Rule("n", ("nps", "nps_low", "nps_high"), metric="nps")
MONTHLY_RULES: tuple[withheld.Rule, ...] = (
    withheld.Rule("nps_n", ("nps",), metric="nps"),
    withheld.Rule("csat_pct_n", ("csat_pct",), metric="csat"),
)
MONTHLY_EXACT = (
    "period_start", "revenue_usd", "revenue_usd_n", "gross_margin_pct", "gross_margin_pct_n", "churned_customers",
)  # fmt: skip
_PREMIUM_FIGURES = ("premium_usd", "premium_se_usd", "premium_low_usd", "premium_high_usd")
STRATA_RULES: tuple[withheld.Rule, ...] = (
    withheld.Rule("promoters", ("revenue_per_promoter_usd", *_PREMIUM_FIGURES)),
    withheld.Rule("detractors", ("revenue_per_detractor_usd", *_PREMIUM_FIGURES)),
)
SUMS_REASON = "the groups' sums that the ROI model reads"
CURRENT_REASON = "the sums of the customers active at the end that revenue at risk and the ROI model read"
NO_EARNED_REVENUE = "Earned growth needs `customer_revenue` (and customers' acquisition channel)."


@dataclass(frozen=True)
class MonthlyView:
    """NPS, CSAT, revenue, gross margin and churned customers by month for one split, with the events they span."""

    by: str | None
    series: pd.DataFrame
    events: pd.DataFrame


@dataclass(frozen=True)
class CohortView:
    """What the customers active at the start of the 12 months are worth, by NPS group and region x segment."""

    sums: pd.DataFrame
    current: pd.DataFrame
    premium: value.Premium
    premium_sentence: str
    crude_sentence: str | None
    strata_table: pd.DataFrame
    values: pd.DataFrame
    values_table: pd.DataFrame
    accounts: pd.DataFrame
    accounts_title: str
    accounts_csv: str
    accounts_file: str
    scopes: tuple[str | None, ...]
    cells: pd.DataFrame
    segments: pd.DataFrame
    segments_caption: str

    @property
    def accounts_shown(self) -> pd.DataFrame:
        """The largest at-risk accounts the table shows (the download holds them all)."""
        return self.accounts.head(ACCOUNTS_SHOWN)


@dataclass(frozen=True)
class LeadLagSection:
    """The lead-lag of NPS on the outcomes whose tables are loaded: the analysis, its sentences, how to read it."""

    lags: leadlag.LeadLagView
    findings: tuple[str, ...]
    too_short: str | None
    note: str

    @property
    def empty(self) -> bool:
        """Whether no month of responses and customers matches the filters."""
        return self.lags.table.empty


@dataclass(frozen=True)
class EarnedView:
    """Earned growth's tiles and the caption that defines it, or the note that says why it is not available."""

    tiles: tuple[Tile, ...] = ()
    caption: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class FinancialsView:
    """Everything the CX & Financials page shows for the filters and the month it values, before assumptions;
    `cohort` is None without customer revenue or without customers active at the start of the 12 months."""

    month: Period
    months: str
    subtitle: str
    missing_note: str | None
    filter_note: str | None
    has_revenue: bool
    cohort: CohortView | None
    lead_lag: LeadLagSection
    earned: EarnedView


@dataclass(frozen=True)
class RiskView:
    """Revenue at risk at the assumed shares: company tiles, the caption with the shares, the split's table."""

    tiles: tuple[Tile, ...]
    caption: str
    by_split: pd.DataFrame


@dataclass(frozen=True)
class RoiView:
    """The ROI scenario's worth: its sentence, the tiles of its last year and the yearly ranges."""

    sentence: str
    tiles: tuple[Tile, ...]
    ranges: pd.DataFrame
    withheld: str | None = None


def scope_label(region: str | None) -> str:
    """The ROI scope's option text: the region, or 'Company-wide'."""
    return region or "Company-wide"


def _figure(key: str, label: str, shown: str, note: str | None = None) -> Tile:
    """A plain headline figure (exact money or a model's output): no change, no hover text, an optional line under
    it."""
    return Tile(metric=key, label=label, value=shown, help="", note=note, min_n=0)


def _subtitle(filters: Filters, months: str) -> str:
    return (
        f"What customer experience is worth in money, for {filters.describe()}. Customer value covers the 12 months "
        f"{months} (the month under review: the latest closed), customers grouped by their latest relationship "
        "survey answer before it."
    )


def _table(values: pd.DataFrame) -> pd.DataFrame:
    """Group values as a table shows them: groups named in words, rounded to one decimal."""
    return values.rename(index=value.GROUP_LABELS).rename_axis("Group").round(1)


def _group_values(values: pd.DataFrame) -> pd.DataFrame:
    """The NPS groups' values as they may be shown: every figure of a group rests on its customers."""
    figures = tuple(c for c in values.columns if c not in ("customers", "suppressed"))
    return withheld.declare(values, withheld.Rule("customers", figures), exact=("suppressed",))


def _segments_caption(segments: pd.DataFrame, months: str) -> str:
    withheld = int(segments["suppressed"].sum())
    return f"Each bubble is a region x segment over {months}; size = revenue of customers active at its start. " + (
        f"{withheld} cell(s) with too few responses are not drawn." if withheld else ""
    )


def _earned(conn: Connection, filters: Filters, month: Period) -> EarnedView:
    """Earned growth's three tiles and the caption that defines it, or why it is not available."""
    earned = value.earned_growth(conn, filters, month)
    if not earned.available:
        return EarnedView(note=earned.note)
    tiles = (
        _figure("egr_pct", "Earned Growth Rate", f"{earned.egr_pct:+.1f}%"),
        _figure("nrr_pct", "Net revenue retention", f"{earned.nrr_pct:.1f}%"),
        _figure("referral_revenue_usd", "Revenue from referred new customers", money(earned.referral_revenue_usd)),
    )
    caption = (
        f"Earned Growth Rate (Reichheld, Bain) = net revenue retention + {month.label} revenue from the "
        f"{earned.referred_customers:,} customers acquired by referral since {earned.since:%-d %b %Y}, as a share of "
        "the revenue base of net revenue retention (the same month a year before) - 100%. Below zero, the customers "
        "of a year ago and those they referred bring in less than that base: any growth came from bought customers."
    )
    return EarnedView(tiles, caption)


def _lead_lag(conn: Connection, filters: Filters, month: Period, loaded: frozenset[str]) -> LeadLagSection:
    """The lead-lag of NPS on the outcomes whose tables are loaded, its sentences and how to read it."""
    outcomes = tuple(o for o, table_name in leadlag.OUTCOME_TABLES.items() if table_name in loaded)
    found = leadlag.view(conn, filters, month, outcomes)
    table = withheld.declare(found.table, LAG_RULE, exact=LAG_EXACT) if not found.table.empty else found.table
    lags = replace(found, table=withheld.exact(table) if table.empty else table, values=_panel(found.values))
    note = leadlag.method_note(lags.left_out)
    if lags.table.empty:
        return LeadLagSection(lags, (), None, note)
    findings = tuple(leadlag.finding_sentence(f) for f in leadlag.findings(lags.table))
    too_short = None
    if not lags.table["trusted"].any():
        too_short = f"The monthly series is {leadlag.TOO_SHORT}: fewer than {leadlag.MIN_PERIODS} months per lag."
    return LeadLagSection(lags, findings, too_short, note)


def _declared(premium: value.Premium) -> value.Premium:
    """The value of a promoter as it may be shown: a segment's premium rests on its promoters and its detractors."""
    strata = withheld.declare(premium.strata, *STRATA_RULES, exact=("detractors_now", "weight_pct", "suppressed"))
    return replace(premium, strata=strata)


def _strata_table(premium: value.Premium) -> pd.DataFrame:
    """The per-segment premiums as the table shows them (the standard error left out)."""
    table = premium.strata.drop(columns=["premium_se_usd", "suppressed"]).round(1)
    return withheld.declare(table, *STRATA_RULES, exact=("detractors_now", "weight_pct"))


def _panel(values: pd.DataFrame) -> pd.DataFrame:
    """The lead-lag panel as it may be shown: a month's value only with its metric's minimum n."""
    return withheld.declare(values, PANEL_RULE, exact=("metric", "cell", "period_start"))


def _cohort(conn: Connection, filters: Filters, month: Period, months: str) -> CohortView | None:
    """The value of a promoter, the at-risk accounts and the segment view; None without customers active at the
    start of the 12 months."""
    frames = value.cohort_view(conn, filters, month)
    sums, accounts = frames.cohort, frames.accounts
    if sums.empty:
        return None
    values = _group_values(value.group_values(sums))
    premium = _declared(value.premium(sums, frames.current))
    cells = value.cell_nps_sums(conn, filters, month)
    segments = value.segment_view(cells, sums)
    return CohortView(
        sums=withheld.inputs(sums, SUMS_REASON),
        current=withheld.inputs(frames.current, CURRENT_REASON),
        premium=premium,
        premium_sentence=value.premium_sentence(premium, months),
        crude_sentence=value.crude_sentence(premium),
        strata_table=_strata_table(premium),
        values=values,
        values_table=_table(values),
        accounts=withheld.exact(accounts),
        accounts_title=f"**Largest at-risk accounts**: detractors by revenue over {months}, "
        f"{value.current_basis(month)} ({len(accounts):,} listed)",
        accounts_csv=accounts.to_csv(index=False),
        accounts_file=f"at_risk_accounts_{month.start:%Y_%m}.csv",
        scopes=(None, *sorted(sums["region"].dropna().unique())),
        cells=cells,
        segments=withheld.declare(
            segments, SEGMENT_RULE, exact=("region", "segment", "suppressed", "revenue_usd", "revenue_growth_pct")
        ),
        segments_caption=_segments_caption(segments, months),
    )


@withheld.enforced
def build(conn: Connection, filters: Filters, month: Period) -> FinancialsView:
    """The page's figures for the filters and the month it values (the review's month, `periods.review_period`),
    before the editable assumptions."""
    loaded = catalog.loaded_tables(conn)
    months = value.window_text(month)
    has_revenue = "customer_revenue" in loaded
    return FinancialsView(
        month=month,
        months=months,
        subtitle=_subtitle(filters, months),
        missing_note=notes.missing_note(loaded, value.NEEDED_TABLES),
        filter_note=notes.filter_note(filters, value.money_filters_ignored(), "money figures"),
        has_revenue=has_revenue,
        cohort=_cohort(conn, filters, month, months) if has_revenue else None,
        lead_lag=_lead_lag(conn, filters, month, loaded),
        earned=_earned(conn, filters, month) if has_revenue else EarnedView(note=NO_EARNED_REVENUE),
    )


@withheld.enforced
def monthly(conn: Connection, filters: Filters, split: str) -> MonthlyView:
    """The side-by-side monthly series for one of `SPLITS`, with the events of the months it covers."""
    by = None if split == "none" else split
    found = leadlag.monthly_series(conn, filters, by, "financials" in catalog.loaded_tables(conn))
    series = withheld.declare(found, *MONTHLY_RULES, exact=(*MONTHLY_EXACT, *((by,) if by else ())))
    if series.empty:
        return MonthlyView(by, series, withheld.exact(pd.DataFrame(columns=["event_date", "title", "region"])))
    events = catalog.events_between(conn, filters, series["period_start"].min(), series["period_start"].max())
    return MonthlyView(by, series, withheld.exact(events))


# --- the parts that follow the editable assumptions (pure, quick) ----------------------------------------------


@withheld.enforced
def risk(view: FinancialsView, assumptions: value.RiskAssumptions, by: str) -> RiskView:
    """Revenue at risk company-wide (tiles) and per value of `by` (chart), at the assumed shares, of the customers
    active at the end of the 12 months (a view with a cohort)."""
    current = view.cohort.current
    company = value.revenue_at_risk(current, assumptions).iloc[0]
    tiles = (
        _figure("at_risk_short_usd", "Detractor revenue at risk (short term)", money(company["at_risk_short_usd"])),
        _figure("at_risk_long_usd", "Passive revenue at risk (long term)", money(company["at_risk_long_usd"])),
        _figure("upside_usd", "Promoter upside", money(company["upside_usd"])),
    )
    caption = (
        f"Share of each group's revenue over {view.months}: detractors {assumptions.detractor_pct:g}%, passives "
        f"{assumptions.passive_pct:g}%, promoters {assumptions.promoter_pct:g}% (defaults as commonly used in NPS "
        f"tooling; edit them above). Customers {value.current_basis(view.month)}; customers who left before its end "
        "are not at risk."
    )
    return RiskView(tiles, caption, withheld.exact(value.revenue_at_risk(current, assumptions, by)))


def _row_label(stratum: str, group: str) -> str:
    """'Enterprise · Promoters': an ROI input row's name (the editor takes a flat index)."""
    return f"{stratum}{ROW_SEPARATOR}{value.GROUP_LABELS[group]}"


def _row_key(label: str) -> tuple[str, str]:
    """('Enterprise', 'promoter') from a row's name (a segment's own name may hold the separator, a group's not)."""
    stratum, group = label.rsplit(ROW_SEPARATOR, 1)
    return stratum, value.GROUP_IDS[group]


def roi_inputs(view: FinancialsView, region: str | None) -> pd.DataFrame:
    """The ROI model's editable inputs for one region (all for None): per segment and group the customers active at
    the end and the behaviour measured on the cohort, with its interval (withheld under the minimum n), rows named
    'Segment · Group' (a view with a cohort)."""
    cohort, current = (value.in_region(sums, region) for sums in (view.cohort.sums, view.cohort.current))
    table = roi.assumptions(value.stratum_values(cohort, current))
    table.index = pd.Index([_row_label(*key) for key in table.index], name="Segment · group")
    return table.round(1)


def _horizon(years: int) -> str:
    return f"{years} year{'s' if years > 1 else ''}"


def _withheld(table: pd.DataFrame, modelled: list) -> str | None:
    """Which segments the model leaves out, and why; None when it models them all."""
    left_out = [s for s in table.index.get_level_values(0).unique() if s not in modelled]
    if not left_out:
        return None
    return (
        f"Not modelled: {', '.join(map(str, left_out))}: a group's behaviour is withheld (measured on fewer "
        f"customers than the minimum n of {minimum_n()}) or missing. Type a value to model it."
    )


def roi_worth(table: pd.DataFrame, scenario: roi.Scenario) -> RoiView:
    """The scenario's worth from the (edited) inputs of `roi_inputs`, within each segment and summed: sentence,
    tiles of the last year, ranges, and the segments it cannot model."""
    nested = table.set_axis(pd.MultiIndex.from_tuples([_row_key(label) for label in table.index]))
    modelled = roi.modelled(nested)
    withheld = _withheld(nested, modelled)
    if not modelled:
        return RoiView("Too few customers in every segment to model the scenario.", (), pd.DataFrame(), withheld)
    ranges = roi.ranges(roi.project_strata(nested, scenario))
    last = ranges.iloc[-1]
    horizon = _horizon(scenario.years)
    tiles = tuple(
        _figure(
            key, label, money(last[f"{key}_mid"]), f"Range {money(last[f'{key}_low'])} to {money(last[f'{key}_high'])}"
        )
        for label, key in (
            (f"Revenue gained over {horizon}", "cumulative_revenue_usd"),
            (f"Gross margin gained over {horizon}", "cumulative_gross_margin_usd"),
        )
    )
    kept = _figure(
        "retained_customers",
        f"Customers kept after {horizon}",
        f"{last['retained_customers_mid']:+,.0f}",
        f"Range {last['retained_customers_low']:+,.0f} to {last['retained_customers_high']:+,.0f}",
    )
    return RoiView(roi.sentence(scenario, ranges), (*tiles, kept), ranges, withheld)


def roi_crude(view: FinancialsView, region: str | None, scenario: roi.Scenario) -> str | None:
    """The same scenario with the groups pooled across segments, as context labelled as such; None when a pooled
    group is under the minimum n."""
    cohort, current = (value.in_region(sums, region) for sums in (view.cohort.sums, view.cohort.current))
    pooled = roi.assumptions(value.stratum_values(cohort.assign(segment=""), current.assign(segment="")))
    if not roi.modelled(pooled):
        return None
    last = roi.ranges(roi.project_strata(pooled, scenario)).iloc[-1]["cumulative_revenue_usd_mid"]
    return (
        f"For context only: with promoters, passives and detractors pooled across segments the same scenario would "
        f"claim {money(last)} of revenue over {_horizon(scenario.years)}, crediting NPS with the segments' mix."
    )
