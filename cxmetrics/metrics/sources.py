"""The relations metrics aggregate over: part of the metric registry (see `cxmetrics.metrics.registry`).

Each source is a FROM clause with aliases, an optional time column that puts rows into periods, the dimensions it
can be filtered and split by (with the join each needs, added only when used), and a fixed condition. A clustered
source (`by_customer`) first totals its rows per customer within each period and dimension value, then sums over
the customers: the per-customer squares and cross-products a customer-clustered variance needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from cxmetrics import periods
from cxmetrics.metrics import measures
from cxmetrics.periods import Period


@dataclass(frozen=True)
class Dim:
    """How a source exposes a dimension: a SQL expression and the keys of the joins it needs."""

    expr: str
    joins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """A relation metrics aggregate over.

    `bucket` sources have a `time` expression and are grouped into periods by it; `window` sources join the
    `bases b` relation (see `bases_relation`) themselves, for metrics over a window such as the trailing twelve
    months. A clustered source has a `cluster` key (SQL expressions naming a customer) and per-customer `totals`
    (name -> aggregate over the customer's rows); its measures are sums over the customers' totals, `cu.<name>`;
    `varying` names its dimensions that can differ between one customer's rows (the others are the customer's own).
    """

    name: str
    tables: tuple[str, ...]
    from_sql: str
    dims: Mapping[str, Dim]
    time: str = ""
    where: str = ""
    joins: Mapping[str, str] = field(default_factory=dict)
    measures: Mapping[str, str] = field(default_factory=dict)
    cluster: tuple[str, ...] = ()
    totals: Mapping[str, str] = field(default_factory=dict)
    varying: tuple[str, ...] = ()

    def sums(self, **names: str) -> tuple[tuple[str, str], ...]:
        """A metric's sums as (name, SQL) pairs: each keyword names a sum after one of the source's measures."""
        unknown = [m for m in names.values() if m not in self.measures]
        if unknown:
            raise ValueError(
                f"source {self.name!r} has no measure {', '.join(unknown)}; valid: {', '.join(self.measures)}"
            )
        return tuple((name, self.measures[measure]) for name, measure in names.items())

    @property
    def is_window(self) -> bool:
        """Whether the source joins the period bases itself rather than being bucketed by a time column."""
        return not self.time


def by_customer(
    source: Source,
    key: tuple[str, ...],
    totals: Mapping[str, str],
    ratios: Sequence[tuple[str, str]],
    varying: tuple[str, ...],
) -> Source:
    """`source` totalled per customer (`key`) within each period and dimension value, with per-customer `totals`;
    for each ratio (y, x) of two totals its measures are, over the customers, the sums of y^2 (`y_squares`), y x
    (`y_x_x`) and x^2 (`x_squares`), and the number of customers with x > 0 (`x_customers`). The totals are doubles:
    exact for counts and sums of scores, and much faster to square and sum than DuckDB's 128-bit integer sums."""
    measures = {}
    for y, x in ratios:
        measures |= {
            f"{y}_squares": f"sum(cu.{y} * cu.{y})",
            f"{y}_x_{x}": f"sum(cu.{y} * cu.{x})",
            f"{x}_squares": f"sum(cu.{x} * cu.{x})",
            f"{x}_customers": f"count(*) FILTER (WHERE cu.{x} > 0)",
        }
    doubles = {name: f"CAST({expr} AS DOUBLE)" for name, expr in totals.items()}
    return replace(
        source, name=f"{source.name}_by_customer", measures=measures, cluster=key, totals=doubles, varying=varying
    )


TRAILING_MONTHS = 12


def bases_relation(basis_periods: Sequence[Period], params: dict) -> str:
    """SQL: the `bases` relation of the periods, from bound lists: basis_id (the position), basis_start, basis_end,
    and the months that end with the period's latest closed month (`periods.trailing_months`): year_start, the
    first day of the trailing 12 closed months, latest_month, the first day of the latest closed month, and
    year_ago_month, that of the month 12 months before it."""
    params.update(
        basis_id=list(range(len(basis_periods))),
        basis_start=[b.start for b in basis_periods],
        basis_end=[b.end for b in basis_periods],
        year_start=[periods.trailing_months(b.end, TRAILING_MONTHS).start for b in basis_periods],
        latest_month=[periods.trailing_months(b.end, 1).start for b in basis_periods],
        year_ago_month=[periods.trailing_months(b.end, TRAILING_MONTHS + 1).start for b in basis_periods],
    )
    columns = ("basis_id", "basis_start", "basis_end", "year_start", "latest_month", "year_ago_month")
    unnested = ", ".join(f"unnest(${c}::{'INTEGER' if c == 'basis_id' else 'DATE'}[]) AS {c}" for c in columns)
    return f"bases AS (SELECT {unnested})"


def pairs_relation(pairs: Sequence[tuple[Period, Period]], params: dict) -> str:
    """SQL: the `pairs` relation of (a, b) basis periods, a compared with b, from bound lists: pair_id (the
    position) and the trailing 12 closed months of each, a_start..a_end and b_start..b_end."""
    a = [periods.trailing_months(first.end, TRAILING_MONTHS) for first, _ in pairs]
    b = [periods.trailing_months(second.end, TRAILING_MONTHS) for _, second in pairs]
    params.update(
        pair_id=list(range(len(pairs))),
        a_start=[w.start for w in a],
        a_end=[w.end for w in a],
        b_start=[w.start for w in b],
        b_end=[w.end for w in b],
    )
    columns = ("pair_id", "a_start", "a_end", "b_start", "b_end")
    unnested = ", ".join(f"unnest(${c}::{'INTEGER' if c == 'pair_id' else 'DATE'}[]) AS {c}" for c in columns)
    return f"pairs AS (SELECT {unnested})"


_CUSTOMER = "LEFT JOIN customers c ON c.customer_id = {alias}.customer_id"
# The trailing 12 closed months of a basis period are [b.year_start, b.basis_end]: the bases relation carries the
# window's first day, worked out by `periods.trailing_months`, so SQL never recomputes it.
_YEAR_START = "b.year_start"
# The customer's NPS group from their latest relationship response strictly before {when}.
_NPS_GROUP_JOIN = (
    f"ASOF LEFT JOIN ({measures.RELATIONSHIP_ANSWERS}) g "
    "ON g.customer_id = {alias}.customer_id AND {when} > g.responded_at"
)
_NPS_GROUP = Dim(measures.nps_group("g.nps"), ("g",))


def _customer_dims(joins: tuple[str, ...] = ("c",)) -> dict[str, Dim]:
    return {name: Dim(f"c.{name}", joins) for name in ("region", "segment", "industry")}


def _response_dims(joins: tuple[str, ...] = ()) -> dict[str, Dim]:
    own = {name: Dim(f"r.{name}", joins) for name in ("touchpoint", "channel", "survey")}
    return _customer_dims((*joins, "c")) | own


# End of the 2nd business day after the response date: +2 days Mon-Wed, +4 Thu-Fri, +3 Sat, +2 Sun.
DEADLINE = measures.business_deadline_sql("r.responded_at")

_LAST_RESPONSE_DAY = "(SELECT CAST(max(responded_at) AS DATE) FROM responses)"

_TRANSACTIONAL = "r.survey = 'transactional'"
# The measures of survey responses (alias r), named once: metrics and report queries select them by name.
RESPONSE_MEASURES = {
    "responses": "count(*)",
    "respondents": "count(r.nps)",
    "promoters": measures.promoters("r.nps"),
    "detractors": measures.detractors("r.nps"),
    "csat_answers": "count(r.csat)",
    "satisfied": "count(*) FILTER (WHERE r.csat >= 4)",
    "ces_answers": "count(r.ces)",
    "ces_total": "sum(r.ces)",
    "ces_squares": "sum(r.ces * r.ces)",
    "easy": "count(*) FILTER (WHERE r.ces >= 5)",
    "commented": "count(*) FILTER (WHERE trim(coalesce(r.comment, '')) <> '')",
    "transactional_respondents": f"count(r.nps) FILTER (WHERE {_TRANSACTIONAL})",
    "transactional_promoters": f"count(*) FILTER (WHERE {measures.is_promoter('r.nps')} AND {_TRANSACTIONAL})",
    "transactional_detractors": f"count(*) FILTER (WHERE {measures.is_detractor('r.nps')} AND {_TRANSACTIONAL})",
}
RESPONSES = Source(
    "responses",
    ("responses", "customers"),
    "responses r",
    _response_dims(),
    time="r.responded_at",
    joins={"c": _CUSTOMER.format(alias="r")},
    measures=RESPONSE_MEASURES,
)
# A customer's responses; each anonymous response is a customer of its own.
_RESPONDENT = ("r.customer_id", "CASE WHEN r.customer_id IS NULL THEN r.response_id END")
RESPONSE_CUSTOMERS = by_customer(
    RESPONSES,
    _RESPONDENT,
    {
        "respondents": RESPONSE_MEASURES["respondents"],
        "net": f"{RESPONSE_MEASURES['promoters']} - {RESPONSE_MEASURES['detractors']}",
        "csat_answers": RESPONSE_MEASURES["csat_answers"],
        "satisfied": RESPONSE_MEASURES["satisfied"],
        "ces_answers": RESPONSE_MEASURES["ces_answers"],
        "ces_total": f"coalesce({RESPONSE_MEASURES['ces_total']}, 0)",
        "easy": RESPONSE_MEASURES["easy"],
        "responses": RESPONSE_MEASURES["responses"],
        "commented": RESPONSE_MEASURES["commented"],
        "transactional_respondents": RESPONSE_MEASURES["transactional_respondents"],
        "transactional_net": f"{RESPONSE_MEASURES['transactional_promoters']} - "
        f"{RESPONSE_MEASURES['transactional_detractors']}",
    },
    [
        ("net", "respondents"),
        ("satisfied", "csat_answers"),
        ("ces_total", "ces_answers"),
        ("easy", "ces_answers"),
        ("commented", "responses"),
        ("transactional_net", "transactional_respondents"),
    ],
    varying=("touchpoint", "channel", "survey"),
)
# Relationship surveys ask about the company as a whole, not after a touchpoint: they have no touchpoint, so the
# touchpoint filter does not apply to them (and is reported), and their survey is fixed.
RELATIONSHIP_RESPONSES = Source(
    "relationship_responses",
    ("responses", "customers"),
    "responses r",
    {k: v for k, v in _response_dims().items() if k not in ("touchpoint", "survey")},
    time="r.responded_at",
    where="r.survey = 'relationship'",
    joins={"c": _CUSTOMER.format(alias="r")},
    measures=RESPONSE_MEASURES,
)
RELATIONSHIP_CUSTOMERS = by_customer(
    RELATIONSHIP_RESPONSES,
    _RESPONDENT,
    {
        "respondents": RESPONSE_MEASURES["respondents"],
        "net": f"{RESPONSE_MEASURES['promoters']} - {RESPONSE_MEASURES['detractors']}",
    },
    [("net", "respondents")],
    varying=("channel",),
)
DETRACTORS = Source(
    "detractors",
    ("responses", "follow_ups", "customers"),
    "responses r LEFT JOIN follow_ups f ON f.response_id = r.response_id",
    _response_dims(),
    time="r.responded_at",
    where=f"{measures.is_detractor('r.nps')} AND r.customer_id IS NOT NULL AND {DEADLINE} <= {_LAST_RESPONSE_DAY}",
    joins={"c": _CUSTOMER.format(alias="r")},
    measures={
        "due": "count(*)",
        "followed_up_in_time": f"count(*) FILTER (WHERE CAST(f.closed_at AS DATE) <= {DEADLINE})",
    },
)
CLOSED_FOLLOW_UPS = Source(
    "closed_follow_ups",
    ("follow_ups", "responses", "customers"),
    "follow_ups f",
    _response_dims(("r",)),
    time="f.closed_at",
    where="f.closed_at IS NOT NULL",
    joins={"r": "JOIN responses r ON r.response_id = f.response_id", "c": _CUSTOMER.format(alias="r")},
    measures={
        "closed": "count(*)",
        "median_days_to_close": "quantile_cont(epoch(f.closed_at - f.opened_at) / 86400.0, 0.5)",
    },
)
# Follow-ups by the day they were opened, for how fast they are closed once opened.
FOLLOW_UPS_OPENED = Source(
    "follow_ups_opened",
    ("follow_ups", "responses", "customers"),
    "follow_ups f",
    _response_dims(("r",)),
    time="f.opened_at",
    joins={"r": "JOIN responses r ON r.response_id = f.response_id", "c": _CUSTOMER.format(alias="r")},
    measures={
        "opened": "count(*)",
        "closed_in_time": "count(*) FILTER (WHERE CAST(f.closed_at AS DATE) <= "
        f"{measures.business_deadline_sql('f.opened_at')})",
    },
)
# A complaint's own split: the process that broke and the category of the complaint (missing values labelled).
_COMPLAINT_DIMS = {name: Dim(f"k.{name}") for name in ("process", "category")}
COMPLAINTS_OPENED = Source(
    "complaints_opened",
    ("complaints", "customers"),
    "complaints k",
    _customer_dims() | _COMPLAINT_DIMS,
    time="k.opened_at",
    joins={"c": _CUSTOMER.format(alias="k")},
    measures={"complaints": "count(*)"},
)
COMPLAINTS_RESOLVED = Source(
    "complaints_resolved",
    ("complaints", "customers"),
    "complaints k",
    _customer_dims() | _COMPLAINT_DIMS,
    time="k.resolved_at",
    where="k.resolved_at IS NOT NULL",
    joins={"c": _CUSTOMER.format(alias="k")},
    measures={
        "resolved": "count(*)",
        "decided": "count(*) FILTER (WHERE k.outcome IN ('recovered', 'lost'))",
        "recovered": "count(*) FILTER (WHERE k.outcome = 'recovered')",
        "median_days_to_resolve": "quantile_cont(epoch(k.resolved_at - k.opened_at) / 86400.0, 0.5)",
    },
)
CONTACTS = Source(
    "contacts",
    ("contacts", "customers"),
    "contacts t",
    _customer_dims(),
    time="t.contacted_at",
    joins={"c": _CUSTOMER.format(alias="t")},
    measures={
        "flagged": "count(t.resolved_first_contact)",
        "resolved_first_time": "count(*) FILTER (WHERE t.resolved_first_contact)",
        "cost_usd": "sum(t.cost_usd)",
        "costed": "count(t.cost_usd)",
    },
)
ACTIVE_CUSTOMERS = Source(
    "active_customers",
    ("customers",),
    "bases b JOIN customers c ON c.signup_date <= b.basis_end "
    "AND (c.churn_date IS NULL OR c.churn_date >= b.basis_start)",
    _customer_dims(()),
    measures={"active_customers": "count(*)"},
)
# Customers active at the start of the calendar month a period ends in (signed up before it, not churned before it):
# it depends on the period's end only, so a rollup per month end answers it.
_LAST_MONTH_START = "CAST(date_trunc('month', b.basis_end) AS DATE)"
MONTH_START_CUSTOMERS = Source(
    "month_start_customers",
    ("customers",),
    f"bases b JOIN customers c ON {measures.active_at(_LAST_MONTH_START)}",
    _customer_dims(()),
    measures={"at_start": "count(*)", "churned": "count(*) FILTER (WHERE c.churn_date <= b.basis_end)"},
)
# The cohort of the trailing 12 months: customers active at their start, churned or retained by the period end.
COHORT_MEASURES = {
    "cohort": "count(*)",
    "retained": "count(*) FILTER (WHERE c.churn_date IS NULL OR c.churn_date > b.basis_end)",
    "churned": "count(*) FILTER (WHERE c.churn_date <= b.basis_end)",
}
COHORT = Source(
    "cohort",
    ("customers", "responses"),
    f"bases b JOIN customers c ON {measures.active_at(_YEAR_START)}",
    _customer_dims(()) | {"nps_group": _NPS_GROUP},
    joins={"g": _NPS_GROUP_JOIN.format(alias="c", when=_YEAR_START)},
    measures=COHORT_MEASURES,
)
# The customers in the cohorts of two trailing windows, a and b (the `pairs` relation), with their outcome in each:
# what the test of a change in retention or churn between two windows reads, as the cohorts share most customers.
_RETAINED_BY = "(c.churn_date IS NULL OR c.churn_date > {end})"
COHORT_OVERLAP = Source(
    "cohort_overlap",
    ("customers",),
    f"pairs p JOIN customers c ON {measures.active_at('p.a_start')} AND {measures.active_at('p.b_start')}",
    _customer_dims(()),
    measures={
        "shared": "count(*)",
        "retained_a": f"count(*) FILTER (WHERE {_RETAINED_BY.format(end='p.a_end')})",
        "retained_b": f"count(*) FILTER (WHERE {_RETAINED_BY.format(end='p.b_end')})",
        "retained_both": f"count(*) FILTER (WHERE {_RETAINED_BY.format(end='greatest(p.a_end, p.b_end)')})",
        "churned_a": "count(*) FILTER (WHERE c.churn_date <= p.a_end)",
        "churned_b": "count(*) FILTER (WHERE c.churn_date <= p.b_end)",
        "churned_both": "count(*) FILTER (WHERE c.churn_date <= least(p.a_end, p.b_end))",
    },
)
CUSTOMER_MONTHS = Source(
    "customer_months",
    ("customer_revenue", "customers", "responses"),
    "customer_revenue cr",
    _customer_dims() | {"nps_group": _NPS_GROUP},
    time="cr.month",
    joins={"c": _CUSTOMER.format(alias="cr"), "g": _NPS_GROUP_JOIN.format(alias="cr", when="cr.month")},
)
TRAILING_CUSTOMER_MONTHS = Source(
    "trailing_customer_months",
    ("customer_revenue", "customers"),
    f"bases b JOIN customer_revenue cr ON cr.month >= {_YEAR_START} AND cr.month <= b.basis_end",
    _customer_dims(),
    joins={"c": _CUSTOMER.format(alias="cr")},
)
# The revenue cohort of a basis period (net and gross revenue retention): the customers active at the start of the
# month 12 months before the period's latest closed month, with their revenue in that month (r0, the base) and in
# the latest closed month (r1); a customer without a row in a month had no revenue in it.
REVENUE_COHORT = Source(
    "revenue_cohort",
    ("customer_revenue", "customers"),
    f"bases b JOIN customers c ON {measures.active_at('b.year_ago_month')} "
    "LEFT JOIN customer_revenue r0 ON r0.customer_id = c.customer_id AND r0.month = b.year_ago_month "
    "LEFT JOIN customer_revenue r1 ON r1.customer_id = c.customer_id AND r1.month = b.latest_month",
    _customer_dims(()),
    measures={
        "cohort": "count(*)",
        "base_usd": "sum(coalesce(r0.revenue_usd, 0))",
        "net_usd": "sum(coalesce(r1.revenue_usd, 0))",
        "gross_usd": "sum(least(coalesce(r1.revenue_usd, 0), coalesce(r0.revenue_usd, 0)))",
    },
)
# One row per customer active at the window start (the churn_rate cohort); nps_group is that of their latest
# relationship answer before the window start, found by aggregation (one hash pass over responses). Ad-hoc queries
# only (not the registry): the page joins each customer's spend in and before the window (alias v) from the
# customer-years fact table (`reports.cx_financials.value.value_sources`).
COHORT_VALUE = Source(
    "cohort_value",
    ("customers", "customer_revenue", "responses"),
    "customers c",
    _customer_dims(()) | {"nps_group": _NPS_GROUP},
    where=measures.active_at("$year_start"),
    joins={"g": f"LEFT JOIN ({measures.latest_relationship_answer('$year_start')}) g ON g.customer_id = c.customer_id"},
)
# One row per customer active at the end of the window ($stop, the day after its last) with their spend in it: the
# customers whose revenue is at risk today. nps_group is that of their latest relationship answer in the window (an
# answer older than the window's first day does not count: no response).
CURRENT_VALUE = Source(
    "current_value",
    COHORT_VALUE.tables,
    COHORT_VALUE.from_sql,
    COHORT_VALUE.dims,
    where=measures.active_at("$stop"),
    joins={
        "g": f"LEFT JOIN ({measures.latest_relationship_answer('$stop', since='$year_start')}) g "
        "ON g.customer_id = c.customer_id"
    },
)
BOUGHT_LAST_MONTH = Source(
    "bought_last_month",
    ("customer_revenue", "customers"),
    "customer_revenue cr0 LEFT JOIN customer_revenue cr1 "
    "ON cr1.customer_id = cr0.customer_id AND cr1.month = cr0.month + INTERVAL 1 MONTH",
    _customer_dims(),
    time="(cr0.month + INTERVAL 1 MONTH)",
    where="cr0.revenue_usd > 0",
    joins={"c": _CUSTOMER.format(alias="cr0")},
    measures={"bought": "count(*)", "repeated": "count(*) FILTER (WHERE cr1.revenue_usd > 0)"},
)
# Like-for-like revenue: a customer's revenue in a month beside their revenue the month before, for customers billed
# in both months, past their first six months (new customers ramp up) and not leaving in the month (a part month).
LIKE_FOR_LIKE_TENURE_MONTHS = 6
LIKE_FOR_LIKE = Source(
    "like_for_like",
    ("customer_revenue", "customers"),
    "customer_revenue cr JOIN customer_revenue p "
    "ON p.customer_id = cr.customer_id AND p.month = cr.month - INTERVAL 1 MONTH "
    "JOIN customers c ON c.customer_id = cr.customer_id",
    _customer_dims(()),
    time="cr.month",
    where="cr.revenue_usd > 0 AND p.revenue_usd > 0 "
    f"AND c.signup_date <= p.month - INTERVAL {LIKE_FOR_LIKE_TENURE_MONTHS} MONTH "
    "AND (c.churn_date IS NULL OR c.churn_date >= cr.month + INTERVAL 1 MONTH)",
)
FINANCIALS = Source(
    "financials",
    ("financials",),
    "financials fi",
    {"region": Dim("fi.region"), "segment": Dim("fi.segment")},
    time="fi.month",
)
ENGAGEMENT = Source(
    "employee_engagement",
    ("employee_engagement",),
    "employee_engagement e",
    {"region": Dim("e.region")},
    time="e.month",
)

# Customers themselves, for customer-level page queries (cohorts, lists) through `aggregate.scoped`.
CUSTOMER_ROWS = Source("customer_rows", ("customers",), "customers c", _customer_dims(()))

# Attribute ratings of survey responses with their NPS answer (driver analysis). Relationship surveys rate the whole
# relationship, not one touchpoint, so the touchpoint filter does not apply to them.
ATTRIBUTE_RATINGS = Source(
    "attribute_ratings",
    ("response_attributes", "responses", "customers"),
    "response_attributes a JOIN responses r ON r.response_id = a.response_id",
    {k: v for k, v in _response_dims().items() if k != "touchpoint"},
    time="r.responded_at",
    where="r.nps IS NOT NULL AND a.rating IS NOT NULL",
    joins={"c": _CUSTOMER.format(alias="r")},
)

# Social-media posts: only their own region (often unknown) is a dimension; under a regional scope, posts of
# unknown region are not shown.
SOCIAL_MENTIONS = Source(
    "social_mentions", ("social_mentions",), "social_mentions m", {"region": Dim("m.region")}, time="m.posted_at"
)

SOURCES: tuple[Source, ...] = (
    RESPONSES,
    RESPONSE_CUSTOMERS,
    RELATIONSHIP_RESPONSES,
    RELATIONSHIP_CUSTOMERS,
    DETRACTORS,
    CLOSED_FOLLOW_UPS,
    FOLLOW_UPS_OPENED,
    COMPLAINTS_OPENED,
    COMPLAINTS_RESOLVED,
    CONTACTS,
    ACTIVE_CUSTOMERS,
    COHORT,
    CUSTOMER_MONTHS,
    TRAILING_CUSTOMER_MONTHS,
    REVENUE_COHORT,
    BOUGHT_LAST_MONTH,
    FINANCIALS,
    ENGAGEMENT,
)
