"""The definitions every KPI is built from, each written once: part of the metric registry (`cxmetrics.metrics`).

- the NPS categories (promoters 9-10, passives 7-8, detractors 0-6) as SQL conditions, a CASE and counts;
- customers active at a date, as a SQL condition on the customer alias and a date expression (a bound parameter
  such as `$start`, or an expression of the period bases);
- a customer's latest relationship answer before a date, as a relation (one row per customer);
- the business-day deadline, as SQL derived from `periods.business_deadline`.

Report queries over relations of their own (a contact followed by a survey answer, a complaint's customer) take
these fragments rather than writing the rules again; the metric registry declares its sources with them.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from cxmetrics import periods

PROMOTER_MIN = 9
PASSIVE_MIN = 7
DETRACTOR_MAX = PASSIVE_MIN - 1
NPS_MAX = 10
NPS_GROUPS: tuple[str, ...] = ("promoter", "passive", "detractor")
NPS_RANGES = {
    "promoter": f"{PROMOTER_MIN}-{NPS_MAX}",
    "passive": f"{PASSIVE_MIN}-{PROMOTER_MIN - 1}",
    "detractor": f"0-{DETRACTOR_MAX}",
}
NOT_PROMOTER_RANGE = f"0-{PROMOTER_MIN - 1}"


def is_promoter(nps: str) -> str:
    """SQL: the answer `nps` (a column) is a promoter's."""
    return f"{nps} >= {PROMOTER_MIN}"


def is_detractor(nps: str) -> str:
    """SQL: the answer `nps` (a column) is a detractor's."""
    return f"{nps} <= {DETRACTOR_MAX}"


def promoters(nps: str) -> str:
    """SQL: the count of promoter answers in column `nps`."""
    return f"count(*) FILTER (WHERE {is_promoter(nps)})"


def detractors(nps: str) -> str:
    """SQL: the count of detractor answers in column `nps`."""
    return f"count(*) FILTER (WHERE {is_detractor(nps)})"


def nps_group(nps: str, otherwise: str | None = None) -> str:
    """SQL: 'promoter', 'passive' or 'detractor' of the answer `nps`; NULL (or `otherwise`) without an answer."""
    fallback = f" ELSE '{otherwise}'" if otherwise is not None else ""
    return (
        f"CASE WHEN {nps} >= {PROMOTER_MIN} THEN 'promoter' WHEN {nps} >= {PASSIVE_MIN} THEN 'passive' "
        f"WHEN {nps} >= 0 THEN 'detractor'{fallback} END"
    )


def nps_group_of(score: int) -> str:
    """The NPS group of one 0-10 answer."""
    if score >= PROMOTER_MIN:
        return "promoter"
    return "passive" if score >= PASSIVE_MIN else "detractor"


def active_at(when: str, customer: str = "c") -> str:
    """SQL: the customer (alias `customer`) is active at the start of day `when`: signed up before it and not
    churned before it (a customer churning on `when` still counts)."""
    return f"{customer}.signup_date < {when} AND ({customer}.churn_date IS NULL OR {customer}.churn_date >= {when})"


def latest_relationship_answer(
    before: str, columns: tuple[str, ...] = ("nps",), since: str | None = None, answers: str | None = None
) -> str:
    """SQL relation: each known customer's latest relationship answer with an NPS strictly before `before` (a date
    expression), with `columns` of that response and its responded_at; a tie on the time goes to the highest
    response_id. With `since` (a date expression), only answers on or after it count: a customer whose latest answer
    is older has none. `answers` is a relation holding only those answers (customer_id, responded_at, response_id
    and the columns), read instead of every response."""
    # One arg_max of a struct: all columns from the same response (arg_max of a column skips its NULLs).
    struct = ", ".join(f"'{c}': {c}" for c in columns)
    unpacked = ", ".join(f"answer.{c} AS {c}" for c in columns)
    recent = f" AND responded_at >= {since}" if since else ""
    kept = (
        f"{answers} WHERE TRUE"
        if answers
        else "responses WHERE survey = 'relationship' AND customer_id IS NOT NULL AND nps IS NOT NULL"
    )
    return (
        f"SELECT customer_id, {unpacked}, responded_at FROM (SELECT customer_id, "  # noqa: S608 (constants)
        f"arg_max({{{struct}}}, (responded_at, response_id)) AS answer, max(responded_at) AS responded_at "
        f"FROM {kept} AND responded_at < {before}{recent} GROUP BY customer_id)"
    )


def latest_answer_of_month(
    month: str, spans: str, columns: tuple[str, ...] = ("nps",), since: str | None = None
) -> str:
    """SQL relation: as `latest_relationship_answer` before `month` (a first day of a month), read from `spans`: the
    relation of each customer's latest answer from one month until another (`query.facts.LATEST_ANSWERS`)."""
    recent = f" AND responded_at >= {since}" if since else ""
    return (
        f"SELECT customer_id, {', '.join(columns)}, responded_at FROM {spans} "  # noqa: S608 (constants)
        f"WHERE from_month <= {month} AND (to_month IS NULL OR to_month > {month}){recent}"
    )


RELATIONSHIP_ANSWERS = (
    "SELECT customer_id, responded_at, nps FROM responses WHERE survey = 'relationship' AND nps IS NOT NULL"
)
"""SQL relation: every relationship answer with an NPS, for an as-of join on a per-row date (the join picks the
latest strictly before it)."""

_MONDAY = date(2024, 1, 1)


def business_deadline_days(business_days: int = 2) -> dict[int, int]:
    """Days from a date to its deadline by ISO weekday (1 = Monday), as `periods.business_deadline` counts them."""
    days = (_MONDAY + timedelta(days=i) for i in range(7))
    return {d.isoweekday(): (periods.business_deadline(d, business_days) - d).days for d in days}


def business_deadline_sql(moment: str, business_days: int = 2) -> str:
    """SQL: the date of the deadline `business_days` Monday-to-Friday days after the day of `moment` (a timestamp
    or date expression); the deadline is met by the end of that day."""
    days = business_deadline_days(business_days)
    usual = Counter(days.values()).most_common(1)[0][0]
    cases = " ".join(f"WHEN {weekday} THEN {n}" for weekday, n in days.items() if n != usual)
    return f"(CAST({moment} AS DATE) + CASE isodow({moment}) {cases} ELSE {usual} END)"
