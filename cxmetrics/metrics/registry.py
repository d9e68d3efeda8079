"""The metric registry: every KPI declared once as sums over a source, plus how value and interval follow from them.

A metric's SQL is a set of sums and counts per period (and dimension value), never a per-row or per-group ratio, so
ratios are ratios of sums, intervals come from the same sums, and the sums can be added up across periods or rollups.
The query layer (`cxmetrics.query`) supplies the filters, the period buckets and the dimension; nothing else computes
a metric.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxmetrics import config
from cxmetrics.metrics import measures
from cxmetrics.metrics.estimates import (
    Clustered,
    ClvEstimate,
    Estimate,
    MeanEstimate,
    NpsEstimate,
    ProportionEstimate,
    RatioEstimate,
    RatioOfSumsEstimate,
    ValueEstimate,
)
from cxmetrics.metrics.sources import (
    ACTIVE_CUSTOMERS,
    BOUGHT_LAST_MONTH,
    CLOSED_FOLLOW_UPS,
    COHORT,
    COHORT_OVERLAP,
    COMPLAINTS_OPENED,
    COMPLAINTS_RESOLVED,
    CONTACTS,
    CUSTOMER_MONTHS,
    DETRACTORS,
    ENGAGEMENT,
    FINANCIALS,
    FOLLOW_UPS_OPENED,
    LIKE_FOR_LIKE,
    LIKE_FOR_LIKE_TENURE_MONTHS,
    MONTH_START_CUSTOMERS,
    RELATIONSHIP_CUSTOMERS,
    RELATIONSHIP_RESPONSES,
    RESPONSE_CUSTOMERS,
    RESPONSES,
    REVENUE_COHORT,
    TRAILING_CUSTOMER_MONTHS,
    Source,
)

GRAINS: tuple[str, ...] = ("week", "month", "quarter")
DIRECTIONS: tuple[str, ...] = ("higher", "lower")
GROUPS: tuple[str, ...] = ("CX", "Loyalty", "Financial", "Operations", "People")
_PREFIX = {"usd": "$", "usd_per_customer_month": "$"}
_SUFFIX = {"percent": "%", "days": " d"}
# The values a metric of each unit can take (None: unbounded); a target outside them can never be met or missed.
UNIT_RANGES: dict[str, tuple[float | None, float | None]] = {
    "points": (-100, 100),
    "percent": (0, 100),
    "score_1_7": (1, 7),
    "index_0_100": (0, 100),
    "count": (0, None),
    "usd": (0, None),
    "usd_per_customer_month": (0, None),
    "per_1000_customers": (0, None),
    "days": (0, None),
}


@dataclass(frozen=True)
class Part:
    """Named sums over one source."""

    source: Source
    sums: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Metric:
    """One KPI: what it means, how it is computed from sums, and how it is shown and judged."""

    id: str
    label: str
    description: str
    formula: str
    unit: str
    fmt: str
    direction: str
    parts: tuple[Part, ...]
    estimate: Estimate
    group: str
    n_label: str
    basis: str = "event"
    min_n: int | None = None
    additive: bool = False
    tolerance_pct: float = 2.0
    grains: tuple[str, ...] = GRAINS
    history_months: int = 0  # months of customer_revenue before the period the value needs; withheld without them
    trailing_months: int = 0  # the months a value covers, ending with the period's latest closed month (0: the period)
    overlap: Part | None = None  # sums over the units two compared samples share, for the change test (see estimates)
    bounds: tuple[float | None, float | None] | None = None  # possible values, where the unit's range does not hold

    @property
    def value_range(self) -> tuple[float | None, float | None]:
        """The lowest and highest value the metric can take (None: no bound)."""
        return self.bounds or UNIT_RANGES[self.unit]

    @property
    def tables(self) -> tuple[str, ...]:
        """The contract tables the metric reads."""
        return tuple(dict.fromkeys(t for p in self.parts for t in p.source.tables))

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Dimensions the metric can be filtered and split by (those every source has)."""
        names = [set(p.source.dims) for p in self.parts]
        return tuple(d for d in self.parts[0].source.dims if all(d in n for n in names))

    @property
    def interval(self) -> str:
        """The interval method, or 'none (exact)'."""
        return self.estimate.interval

    @property
    def sampled(self) -> bool:
        """Whether the metric carries a statistical interval (its target status then needs significance)."""
        return not self.interval.startswith("none")

    @property
    def n_column(self) -> str:
        """The sum that is the metric's n (the count minimum-n suppression looks at)."""
        return self.estimate.n

    def format(self, value: float | None) -> str:
        """The value as shown: its format, with $ or % where the unit has one; '-' when missing."""
        if value is None or value != value:
            return "-"
        return f"{_PREFIX.get(self.unit, '')}{value:{self.fmt}}{_SUFFIX.get(self.unit, '')}"


_ANONYMOUS = (
    " Anonymous responses count company-wide but drop out under a region, segment or industry filter or a "
    "restricted access scope."
)
_WEEK_MONTH = " Monthly data: at week grain it uses the latest closed month on or before the week's end."
_HISTORY = " Withheld until the revenue data covers the 13 months that end with the period (the count is still shown)."
_TRAILING = (
    " Over the trailing 12 months ending at the period end (at week grain: at the end of the latest closed month), "
    "so it is comparable at every grain."
)
_COHORT_SUMS = COHORT.sums(cohort="cohort", retained="retained", churned="churned")
_YEAR_ON_YEAR = (
    " Of the latest closed month at the period end (at week grain too) against the same month 12 months before, so "
    "seasonality cancels and it is comparable at every grain."
)
_OVERLAP = " A change between two windows is tested with the overlap of their cohorts (see the change tests above)."
# The shared customers of two windows a and b, and how many of them had the outcome in a, in b, and in both.
_OVERLAP_SUMS = {
    outcome: COHORT_OVERLAP.sums(
        shared="shared", shared_a=f"{outcome}_a", shared_b=f"{outcome}_b", shared_both=f"{outcome}_both"
    )
    for outcome in ("retained", "churned")
}
_CUSTOMER_MONTH_SUMS = (
    ("revenue_usd", "sum(cr.revenue_usd)"),
    ("customer_months", "count(*)"),
    ("cost_to_serve_usd", "sum(cr.cost_to_serve_usd)"),
    ("costed_months", "count(cr.cost_to_serve_usd)"),
)
_MONTH_CHURN_SUMS = MONTH_START_CUSTOMERS.sums(at_start="at_start", churned="churned")
# Like-for-like revenue: the pairs' revenue this month (y) and last month (x), their squares and products, for the
# ratio of sums and its delta-method interval.
_LIKE_FOR_LIKE_SUMS = (
    ("n", "count(*)"),
    ("revenue_usd", "sum(cr.revenue_usd)"),
    ("prior_usd", "sum(p.revenue_usd)"),
    ("revenue_squares", "sum(cr.revenue_usd * cr.revenue_usd)"),
    ("prior_squares", "sum(p.revenue_usd * p.revenue_usd)"),
    ("products", "sum(cr.revenue_usd * p.revenue_usd)"),
)
_FINANCIAL_SUMS = (
    ("revenue_usd", "sum(fi.revenue_usd)"),
    ("gross_margin_usd", "sum(fi.gross_margin_usd)"),
    ("margin_revenue_usd", "sum(fi.revenue_usd) FILTER (WHERE fi.gross_margin_usd IS NOT NULL)"),
    ("rows", "count(*)"),
)
_ENGAGEMENT_SUMS = (
    ("enps_x_headcount", "sum(e.enps * e.headcount) FILTER (WHERE e.enps IS NOT NULL)"),
    ("enps_headcount", "sum(e.headcount) FILTER (WHERE e.enps IS NOT NULL)"),
    ("engagement_x_headcount", "sum(e.engagement_index * e.headcount) FILTER (WHERE e.engagement_index IS NOT NULL)"),
    ("engagement_headcount", "sum(e.headcount) FILTER (WHERE e.engagement_index IS NOT NULL)"),
)
_REVENUE_COHORT_N = "customers active at the start of the month 12 months before"
_RETENTION_SUMS = REVENUE_COHORT.sums(base_usd="base_usd", net_usd="net_usd", gross_usd="gross_usd", customers="cohort")
_NPS_SUMS = RESPONSES.sums(n="respondents", promoters="promoters", detractors="detractors")
_RELATIONSHIP_NPS_SUMS = RELATIONSHIP_RESPONSES.sums(n="respondents", promoters="promoters", detractors="detractors")
_TRANSACTIONAL_NPS_SUMS = RESPONSES.sums(
    n="transactional_respondents", promoters="transactional_promoters", detractors="transactional_detractors"
)
# The company's headline NPS is the relationship survey's, asked of customers about the company as a whole at a
# regular interval, the "top-down" NPS that is benchmarked and carries targets; transactional surveys, asked after a
# touchpoint, are the "bottom-up" feedback read by touchpoint (Reichheld & Markey, The Ultimate Question 2.0, 2011).
# Mixing the two weighs the company score by how many touchpoint surveys went out.
HEADLINE_NPS = "relationship_nps"
_CES_SUMS = RESPONSES.sums(n="ces_answers", total="ces_total", squares="ces_squares")
_CLUSTERED = Clustered()


def _per_customer(source: Source, y: str, x: str) -> Part:
    """The per-customer sums of the ratio y / x over a clustered source, named as `Clustered` reads them."""
    names = {
        _CLUSTERED.squares: f"{y}_squares",
        _CLUSTERED.products: f"{y}_x_{x}",
        _CLUSTERED.sizes: f"{x}_squares",
        _CLUSTERED.clusters: f"{x}_customers",
    }
    return Part(source, source.sums(**names))


_PROMOTERS, _PASSIVES, _DETRACTORS = (measures.NPS_RANGES[g] for g in measures.NPS_GROUPS)
_DEADLINE_RULE = "+ 2 days Mon-Wed, + 4 Thu-Fri, + 3 Sat, + 2 Sun; public holidays are not modelled"

_CX: tuple[Metric, ...] = (
    Metric(
        id="nps",
        label="NPS (all surveys)",
        description="Net Promoter Score of every response with a 0-10 likelihood-to-recommend answer, relationship "
        "and transactional surveys together (the headline is relationship NPS; by touchpoint, every answer is a "
        "transactional one)." + _ANONYMOUS,
        formula=f"100 x (promoters [{_PROMOTERS}] - detractors [{_DETRACTORS}]) / respondents",
        unit="points",
        fmt="+.0f",
        direction="higher",
        parts=(Part(RESPONSES, _NPS_SUMS), _per_customer(RESPONSE_CUSTOMERS, "net", "respondents")),
        estimate=NpsEstimate(cluster=_CLUSTERED),
        group="CX",
        n_label="responses with an NPS answer",
    ),
    Metric(
        id="csat",
        label="CSAT",
        description="Share of satisfaction answers that are 4 or 5 on the 1-5 scale (top-2-box)." + _ANONYMOUS,
        formula="100 x ratings 4-5 / ratings",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(
            Part(RESPONSES, RESPONSES.sums(n="csat_answers", satisfied="satisfied")),
            _per_customer(RESPONSE_CUSTOMERS, "satisfied", "csat_answers"),
        ),
        estimate=ProportionEstimate("satisfied", cluster=_CLUSTERED),
        group="CX",
        n_label="responses with a CSAT answer",
    ),
    Metric(
        id="ces",
        label="CES",
        description="Mean customer effort score: 'made it easy', 1 (strongly disagree) to 7 (strongly agree)."
        + _ANONYMOUS,
        formula="sum of CES answers / CES answers",
        unit="score_1_7",
        fmt=".2f",
        direction="higher",
        parts=(Part(RESPONSES, _CES_SUMS), _per_customer(RESPONSE_CUSTOMERS, "ces_total", "ces_answers")),
        estimate=MeanEstimate(cluster=_CLUSTERED),
        group="CX",
        n_label="responses with a CES answer",
    ),
    Metric(
        id="ces_easy",
        label="CES % easy",
        description="Share of effort answers that are 5-7 ('easy') on the 1-7 scale." + _ANONYMOUS,
        formula="100 x CES answers 5-7 / CES answers",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(
            Part(RESPONSES, RESPONSES.sums(n="ces_answers", easy="easy")),
            _per_customer(RESPONSE_CUSTOMERS, "easy", "ces_answers"),
        ),
        estimate=ProportionEstimate("easy", cluster=_CLUSTERED),
        group="CX",
        n_label="responses with a CES answer",
    ),
    Metric(
        id="responses",
        label="Responses",
        description="Number of survey responses received in the period." + _ANONYMOUS,
        formula="count of responses",
        unit="count",
        fmt=",.0f",
        direction="higher",
        parts=(Part(RESPONSES, RESPONSES.sums(n="responses")),),
        estimate=ValueEstimate("n", "n"),
        group="CX",
        n_label="responses",
        min_n=0,
        additive=True,
    ),
    Metric(
        id="comment_share",
        label="Responses with a comment",
        description="Share of responses that carry a non-blank free-text comment." + _ANONYMOUS,
        formula="100 x responses with a non-blank comment / responses",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(
            Part(RESPONSES, RESPONSES.sums(n="responses", commented="commented")),
            _per_customer(RESPONSE_CUSTOMERS, "commented", "responses"),
        ),
        estimate=ProportionEstimate("commented", cluster=_CLUSTERED),
        group="CX",
        n_label="responses",
    ),
    Metric(
        id="relationship_nps",
        label="Relationship NPS",
        description="Net Promoter Score of the relationship surveys, which ask customers about the company as a "
        "whole at a regular interval: the company's headline ('top-down') NPS, as the practice has it "
        "(Reichheld & Markey 2011; the transactional surveys after a touchpoint are read by touchpoint). "
        "Relationship surveys have no touchpoint, so the touchpoint filter does not apply." + _ANONYMOUS,
        formula=f"100 x (promoters [{_PROMOTERS}] - detractors [{_DETRACTORS}]) / respondents, relationship surveys",
        unit="points",
        fmt="+.0f",
        direction="higher",
        parts=(
            Part(RELATIONSHIP_RESPONSES, _RELATIONSHIP_NPS_SUMS),
            _per_customer(RELATIONSHIP_CUSTOMERS, "net", "respondents"),
        ),
        estimate=NpsEstimate(cluster=_CLUSTERED),
        group="CX",
        n_label="relationship responses with an NPS answer",
    ),
    Metric(
        id="transactional_nps",
        label="Transactional NPS",
        description="Net Promoter Score of the transactional surveys, asked after a touchpoint (onboarding, "
        "billing, support, ...): read by touchpoint it says where along the journey the experience breaks; over "
        "every touchpoint it weighs each by how many surveys it sent." + _ANONYMOUS,
        formula=f"100 x (promoters [{_PROMOTERS}] - detractors [{_DETRACTORS}]) / respondents, transactional surveys",
        unit="points",
        fmt="+.0f",
        direction="higher",
        parts=(
            Part(RESPONSES, _TRANSACTIONAL_NPS_SUMS),
            _per_customer(RESPONSE_CUSTOMERS, "transactional_net", "transactional_respondents"),
        ),
        estimate=NpsEstimate(cluster=_CLUSTERED),
        group="CX",
        n_label="transactional responses with an NPS answer",
    ),
)

_LOYALTY: tuple[Metric, ...] = (
    Metric(
        id="logo_retention",
        label="Logo retention",
        description="Share of customers active at the start of the trailing 12 months who are still active at "
        "its end; customers won during the window are not in the cohort." + _TRAILING + _OVERLAP,
        formula="100 x cohort customers not churned by the period end / customers active at the window start",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(Part(COHORT, _COHORT_SUMS),),
        estimate=ProportionEstimate("retained", "cohort"),
        group="Loyalty",
        n_label="customers active at the window start",
        basis="month",
        trailing_months=12,
        overlap=Part(COHORT_OVERLAP, _OVERLAP_SUMS["retained"]),
    ),
    Metric(
        id="churn_rate",
        label="Churn rate",
        description="Share of customers active at the start of the trailing 12 months who churned by its end "
        "(= 100 - logo retention). Split by nps_group, a customer's group is that of their latest relationship "
        "response before the window start ('(none)' without one)." + _TRAILING + _OVERLAP,
        formula="100 x cohort customers churned by the period end / customers active at the window start",
        unit="percent",
        fmt=".1f",
        direction="lower",
        parts=(Part(COHORT, _COHORT_SUMS),),
        estimate=ProportionEstimate("churned", "cohort"),
        group="Loyalty",
        n_label="customers active at the window start",
        basis="month",
        trailing_months=12,
        overlap=Part(COHORT_OVERLAP, _OVERLAP_SUMS["churned"]),
    ),
    Metric(
        id="monthly_churn_rate",
        label="Churn in the month",
        description="Share of the customers active at the start of the month who churned during it (customers "
        "won during the month are not counted); it is the series the lead-lag analysis reads. Monthly only (for "
        "another period it would be the period's last month).",
        formula="100 x customers active at the month start who churned by its end / customers active at its start",
        unit="percent",
        fmt=".2f",
        direction="lower",
        parts=(Part(MONTH_START_CUSTOMERS, _MONTH_CHURN_SUMS),),
        estimate=ProportionEstimate("churned", "at_start"),
        group="Loyalty",
        n_label="customers active at the month start",
        grains=("month",),
    ),
    Metric(
        id="grr",
        label="Gross revenue retention",
        description="The cohort of net revenue retention, each customer's revenue in the latest closed month capped "
        "at their revenue in the same month a year before (expansion excluded; contraction and churn counted), as "
        "a share of that earlier revenue: never above 100%. A customer's month without a purchase counts as a loss, "
        "so where customers buy irregularly it reads lower than a contract-based gross retention."
        + _YEAR_ON_YEAR
        + _HISTORY,
        formula="100 x sum over the cohort of min(revenue in the latest closed month, revenue in the month 12 months "
        "before) / the cohort's revenue in the month 12 months before; cohort: customers active at the start of "
        "that earlier month",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(Part(REVENUE_COHORT, _RETENTION_SUMS),),
        estimate=RatioEstimate("gross_usd", "base_usd", "customers", 100),
        group="Loyalty",
        n_label=_REVENUE_COHORT_N,
        basis="month",
        min_n=0,
        history_months=13,
        trailing_months=12,
    ),
    Metric(
        id="nrr",
        label="Net revenue retention",
        description="Revenue in the latest closed month from the customers who were customers 12 months before "
        "(active at the start of the same month a year earlier), as a share of their revenue in that month: "
        "expansion included, customers who left count as zero, customers won since are not in the cohort. It is "
        "the dollar-based net retention rate of recurring-revenue companies' annual reports (e.g. Confluent, Form "
        "10-K 2022: the cohort of all customers as of 12 months before the period end, their revenue now against "
        "then) and the retention part of Earned Growth (Reichheld, Darnell & Burns, Net Promoter 3.0, Harvard "
        "Business Review, 2021)." + _YEAR_ON_YEAR + _HISTORY,
        formula="100 x the cohort's revenue in the latest closed month / its revenue in the month 12 months before; "
        "cohort: customers active at the start of that earlier month",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(Part(REVENUE_COHORT, _RETENTION_SUMS),),
        estimate=RatioEstimate("net_usd", "base_usd", "customers", 100),
        group="Loyalty",
        n_label=_REVENUE_COHORT_N,
        basis="month",
        min_n=0,
        history_months=13,
        trailing_months=12,
        bounds=(0, None),
    ),
    Metric(
        id="repeat_purchase_rate",
        label="Repeat purchase rate",
        description="Share of customers with revenue in a month who have revenue again in the next month, over "
        "the period's months (customer-month pairs)." + _WEEK_MONTH,
        formula="100 x customers with revenue in months m-1 and m / customers with revenue in month m-1, "
        "summed over the period's months m",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(Part(BOUGHT_LAST_MONTH, BOUGHT_LAST_MONTH.sums(n="bought", repeated="repeated")),),
        estimate=ProportionEstimate("repeated"),
        group="Loyalty",
        n_label="customers with revenue in the previous month (summed over months)",
        basis="month",
    ),
    Metric(
        id="arpc",
        label="Average revenue per customer",
        description="Average monthly revenue per active customer (a customer-month is a row of customer_revenue: "
        "a month the customer was active, revenue possibly zero). "
        "Split by nps_group, the group is that of the customer's latest relationship response before the month."
        + _WEEK_MONTH,
        formula="sum of revenue / customer-months",
        unit="usd_per_customer_month",
        fmt=",.0f",
        direction="higher",
        parts=(Part(CUSTOMER_MONTHS, _CUSTOMER_MONTH_SUMS),),
        estimate=RatioEstimate("revenue_usd", "customer_months", "customer_months"),
        group="Loyalty",
        n_label="customer-months",
        basis="month",
        min_n=0,
    ),
    Metric(
        id="clv",
        label="Customer lifetime value",
        description="Average monthly gross margin per active customer over the trailing 12 months, received every "
        "month the customer stays, at the monthly retention implied by trailing-12-month logo retention, and "
        "discounted at the CX_CLV_DISCOUNT_RATE setting (default 12% a year; Gupta & Lehmann 2003, constant "
        "retention: the month's margin plus m r / (1 + i - r)). At a rate of 0 it is margin / monthly churn, empty "
        "when nobody churned." + _TRAILING,
        formula="m (1 + i) / (1 + i - r): m = gross margin / customer-months (trailing 12 months), r = (logo "
        "retention / 100)^(1/12), i = (1 + annual discount rate / 100)^(1/12) - 1",
        unit="usd",
        fmt=",.0f",
        direction="higher",
        parts=(
            Part(
                TRAILING_CUSTOMER_MONTHS,
                (("margin_usd", "sum(cr.gross_margin_usd)"), ("customer_months", "count(cr.gross_margin_usd)")),
            ),
            Part(COHORT, _COHORT_SUMS),
        ),
        estimate=ClvEstimate(),
        group="Loyalty",
        n_label="customers active at the window start",
        basis="month",
        trailing_months=12,
        bounds=(None, None),
    ),
)

_FINANCIAL: tuple[Metric, ...] = (
    Metric(
        id="revenue",
        label="Revenue",
        description="Revenue from the financial results (the financials table)." + _WEEK_MONTH,
        formula="sum of revenue_usd",
        unit="usd",
        fmt=",.0f",
        direction="higher",
        parts=(Part(FINANCIALS, _FINANCIAL_SUMS),),
        estimate=ValueEstimate("revenue_usd", "rows"),
        group="Financial",
        n_label="financials rows (month x region x segment)",
        basis="month",
        min_n=0,
        additive=True,
    ),
    Metric(
        id="gross_margin_pct",
        label="Gross margin",
        description="Gross margin as a share of revenue, from the financial results (rows without a margin are "
        "left out of both sums)." + _WEEK_MONTH,
        formula="100 x sum of gross_margin_usd / sum of revenue_usd, over rows with a margin",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(Part(FINANCIALS, _FINANCIAL_SUMS),),
        estimate=RatioEstimate("gross_margin_usd", "margin_revenue_usd", "rows", 100),
        group="Financial",
        n_label="financials rows (month x region x segment)",
        basis="month",
        min_n=0,
        bounds=(None, 100),
    ),
    Metric(
        id="cost_to_serve",
        label="Cost to serve per customer",
        description="Average monthly cost to serve per active customer (customer_revenue)." + _WEEK_MONTH,
        formula="sum of cost_to_serve_usd / customer-months with a cost",
        unit="usd_per_customer_month",
        fmt=",.0f",
        direction="lower",
        parts=(Part(CUSTOMER_MONTHS, _CUSTOMER_MONTH_SUMS),),
        estimate=RatioEstimate("cost_to_serve_usd", "costed_months", "costed_months"),
        group="Financial",
        n_label="customer-months with a cost",
        basis="month",
        min_n=0,
    ),
    Metric(
        id="like_for_like_growth",
        label="Like-for-like revenue growth",
        description="Month-on-month revenue growth of the customers billed in both months, past their first "
        f"{LIKE_FOR_LIKE_TENURE_MONTHS} months and not leaving in the month: their revenue in the month over the same "
        "customers' revenue the month before, minus 1 (the same customers compared, so wins, losses and ramp-up do "
        "not move it; seasonality still does). A ratio of sums, so each customer counts by their revenue, as in the "
        "company's revenue; over several months, the months' pairs are pooled. It used to be the mean of the "
        "customers' log growth, which weighs a $100 account like a $100,000 one." + _WEEK_MONTH,
        formula="100 x (sum of revenue_usd in the month / sum of revenue_usd the month before - 1), over the "
        "customer-month pairs",
        unit="percent",
        fmt="+.2f",
        direction="higher",
        parts=(Part(LIKE_FOR_LIKE, _LIKE_FOR_LIKE_SUMS),),
        estimate=RatioOfSumsEstimate(
            "revenue_usd", "prior_usd", "revenue_squares", "prior_squares", "products", "n", scale=100, offset=-1
        ),
        group="Financial",
        n_label="customers billed in both months",
        basis="month",
        bounds=(-100, None),
    ),
)

_OPERATIONS: tuple[Metric, ...] = (
    Metric(
        id="complaints_per_1000",
        label="Complaints per 1,000 customers",
        description="Complaints opened in the period per 1,000 customers active at any time during it (so it "
        "grows with the period's length: compare like grains).",
        formula="1000 x complaints opened / customers active during the period",
        unit="per_1000_customers",
        fmt=".1f",
        direction="lower",
        parts=(
            Part(COMPLAINTS_OPENED, COMPLAINTS_OPENED.sums(complaints="complaints")),
            Part(ACTIVE_CUSTOMERS, ACTIVE_CUSTOMERS.sums(active_customers="active_customers")),
        ),
        estimate=RatioEstimate("complaints", "active_customers", "active_customers", 1000),
        group="Operations",
        n_label="customers active during the period",
        min_n=0,
        additive=True,
    ),
    Metric(
        id="complaint_recovery_rate",
        label="Complaint recovery rate",
        description="Share of complaints resolved in the period whose customer was satisfied with the resolution "
        "(outcome recovered rather than lost).",
        formula="100 x recovered / (recovered + lost), by resolution date",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(Part(COMPLAINTS_RESOLVED, COMPLAINTS_RESOLVED.sums(n="decided", recovered="recovered")),),
        estimate=ProportionEstimate("recovered"),
        group="Operations",
        n_label="complaints resolved as recovered or lost",
    ),
    Metric(
        id="median_days_to_resolve",
        label="Median days to resolve a complaint",
        description="Median time from opening to resolution of the complaints resolved in the period, in days.",
        formula="median of (resolved_at - opened_at) in days, by resolution date",
        unit="days",
        fmt=".1f",
        direction="lower",
        parts=(
            Part(
                COMPLAINTS_RESOLVED, COMPLAINTS_RESOLVED.sums(resolved="resolved", median_days="median_days_to_resolve")
            ),
        ),
        estimate=ValueEstimate("median_days", "resolved"),
        group="Operations",
        n_label="complaints resolved",
    ),
    Metric(
        id="fcr_rate",
        label="First-contact resolution",
        description="Share of contacts resolved in the first contact (contacts where it is recorded). Contacts of "
        "unknown customers drop out under a region, segment or industry filter or a restricted access scope.",
        formula="100 x contacts resolved first time / contacts with the flag recorded",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(Part(CONTACTS, CONTACTS.sums(n="flagged", resolved="resolved_first_time")),),
        estimate=ProportionEstimate("resolved"),
        group="Operations",
        n_label="contacts with the first-contact flag",
    ),
    Metric(
        id="cost_per_contact",
        label="Cost per contact",
        description="Average fully loaded cost of a contact-center contact (contacts with a cost).",
        formula="sum of cost_usd / contacts with a cost",
        unit="usd",
        fmt=",.2f",
        direction="lower",
        parts=(Part(CONTACTS, CONTACTS.sums(cost_usd="cost_usd", costed="costed")),),
        estimate=RatioEstimate("cost_usd", "costed", "costed"),
        group="Operations",
        n_label="contacts with a cost",
        min_n=0,
    ),
    Metric(
        id="follow_up_2bd",
        label="Detractor follow-up within 2 business days",
        description=f"Share of detractor responses (NPS {_DETRACTORS}, from a known customer) whose follow-up was "
        "closed by the end of the 2nd business day after the response date (deadline = response date "
        f"{_DEADLINE_RULE}). Responses whose deadline is after the last day with responses are not counted yet.",
        formula="100 x detractor responses with a follow-up closed by the deadline / detractor responses due",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(Part(DETRACTORS, DETRACTORS.sums(n="due", in_time="followed_up_in_time")),),
        estimate=ProportionEstimate("in_time"),
        group="Operations",
        n_label="detractor responses due",
    ),
    Metric(
        id="follow_up_closed_2bd",
        label="Follow-ups closed within 2 business days of opening",
        description="Share of the follow-ups opened in the period that were closed by the end of the 2nd business "
        f"day after the day they were opened (the same deadline as detractor follow-up: opening date "
        f"{_DEADLINE_RULE}). It measures the owners' speed once a follow-up is open; detractor follow-up within 2 "
        "business days measures the promise to the customer, from their answer.",
        formula="100 x follow-ups closed by the deadline / follow-ups opened, by opening date",
        unit="percent",
        fmt=".1f",
        direction="higher",
        parts=(Part(FOLLOW_UPS_OPENED, FOLLOW_UPS_OPENED.sums(n="opened", in_time="closed_in_time")),),
        estimate=ProportionEstimate("in_time"),
        group="Operations",
        n_label="follow-ups opened",
    ),
    Metric(
        id="median_days_to_close_follow_up",
        label="Median days to close a follow-up",
        description="Median time from opening to closing of the follow-ups closed in the period, in days.",
        formula="median of (closed_at - opened_at) in days, by closing date",
        unit="days",
        fmt=".1f",
        direction="lower",
        parts=(Part(CLOSED_FOLLOW_UPS, CLOSED_FOLLOW_UPS.sums(closed="closed", median_days="median_days_to_close")),),
        estimate=ValueEstimate("median_days", "closed"),
        group="Operations",
        n_label="follow-ups closed",
    ),
)

_PEOPLE: tuple[Metric, ...] = (
    Metric(
        id="enps",
        label="eNPS",
        description="Employee NPS, averaged over teams weighted by headcount." + _WEEK_MONTH,
        formula="sum of (eNPS x headcount) / sum of headcount",
        unit="points",
        fmt="+.0f",
        direction="higher",
        parts=(Part(ENGAGEMENT, _ENGAGEMENT_SUMS),),
        estimate=RatioEstimate("enps_x_headcount", "enps_headcount", "enps_headcount"),
        group="People",
        n_label="headcount (summed over months)",
        basis="month",
        min_n=0,
    ),
    Metric(
        id="engagement_index",
        label="Engagement index",
        description="Employee engagement index (0-100), averaged over teams weighted by headcount." + _WEEK_MONTH,
        formula="sum of (engagement index x headcount) / sum of headcount",
        unit="index_0_100",
        fmt=".1f",
        direction="higher",
        parts=(Part(ENGAGEMENT, _ENGAGEMENT_SUMS),),
        estimate=RatioEstimate("engagement_x_headcount", "engagement_headcount", "engagement_headcount"),
        group="People",
        n_label="headcount (summed over months)",
        basis="month",
        min_n=0,
    ),
)

METRICS: tuple[Metric, ...] = _CX + _LOYALTY + _FINANCIAL + _OPERATIONS + _PEOPLE
REGISTRY: dict[str, Metric] = {m.id: m for m in METRICS}


def minimum_n(metric: Metric | None = None) -> int:
    """The n a value needs to be shown: the metric's own minimum, else (and for figures outside the registry) the
    CX_MIN_N setting."""
    return int(config.get("CX_MIN_N") if metric is None or metric.min_n is None else metric.min_n)


def get_metric(metric_id: str) -> Metric:
    """The metric with this id; an unknown id raises a ValueError naming the valid ones."""
    metric = REGISTRY.get(metric_id)
    if metric is None:
        raise ValueError(f"unknown metric {metric_id!r}; valid metrics: {', '.join(REGISTRY)}")
    return metric
