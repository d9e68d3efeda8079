"""Fact tables: narrow, pre-joined or per-customer-month copies of what pages read from raw rows, built at load.

Each fact table is defined once, by one SQL statement over the raw tables. The loader stores its rows (`build`,
beside the rollups); a query names the relation `relation(conn, fact)` hands back: the stored table when the
database has it and rollups are enabled, else the same statement as a subquery over raw rows. Both give the same
rows, so a page's figures are the same either way (tests compare the two); the stored one skips the scan of every
response, the join and the as-of search at each view. `rollups.build` builds them and `rollups.relation` chooses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from cxmetrics.db import Connection
from cxmetrics.metrics import measures

PREFIX = "rollup_"  # fact tables are named like rollups: built, listed and disabled with them
ATTRIBUTION_DAYS = 7  # a support answer is attributed to the customer's latest contact in the 7 days before it
SUPPORT = "support"


@dataclass(frozen=True)
class Fact:
    """One fact table: its name, the SQL that defines its rows over raw tables, the order rows are stored in, and
    the time column a row is keyed by (a row depends only on raw rows of that time or earlier), by day or month."""

    table: str
    sql: str
    order: str
    time: str
    grain: str = "day"

    def build(self, conn: Connection) -> None:
        """Create (or replace) the table from the current raw rows."""
        conn.execute(f"CREATE OR REPLACE TABLE {self.table} AS {self.sql} ORDER BY {self.order}")  # noqa: S608

    def refresh(self, conn: Connection, since: date) -> None:
        """Rebuild the rows of `since` (its month, by month) on from the current raw rows."""
        start = since.replace(day=1) if self.grain == "month" else since
        conn.execute(f"DELETE FROM {self.table} WHERE {self.time} >= ?", [start])  # noqa: S608
        conn.execute(
            f"INSERT INTO {self.table} BY NAME SELECT * FROM ({self.sql}) WHERE {self.time} >= ? ORDER BY {self.order}",  # noqa: S608
            [start],
        )


# Every relationship answer of a known customer with an NPS (the latest one before a day is found over these).
RELATIONSHIP_ANSWERS = Fact(
    PREFIX + "relationship_answers",
    "SELECT customer_id, responded_at, response_id, nps, csat FROM responses "
    "WHERE survey = 'relationship' AND customer_id IS NOT NULL AND nps IS NOT NULL",
    "customer_id, responded_at",
    "responded_at",
)
# Each known customer's latest relationship answer with an NPS as of the first day of each month: one row per month
# the customer answered in, holding from the next month (`from_month`) until the month after their next answer
# (`to_month`, NULL while none came), with the answer's NPS, CSAT, time and id (the latest by time, then id).
LATEST_ANSWERS = Fact(
    PREFIX + "latest_answers",
    "SELECT customer_id, from_month, lead(from_month) OVER (PARTITION BY customer_id ORDER BY from_month) AS to_month, "
    "answer.nps AS nps, answer.csat AS csat, answer.responded_at AS responded_at, answer.response_id AS response_id "
    "FROM (SELECT customer_id, CAST(date_trunc('month', responded_at) + INTERVAL 1 MONTH AS DATE) AS from_month, "
    "arg_max({'nps': nps, 'csat': csat, 'responded_at': responded_at, 'response_id': response_id}, "
    "(responded_at, response_id)) AS answer FROM responses "
    "WHERE survey = 'relationship' AND customer_id IS NOT NULL AND nps IS NOT NULL GROUP BY ALL)",
    "from_month, customer_id",
    # A span changes when an answer comes before its end: rows ending from the reach's month on (or open) rebuild.
    "coalesce(to_month, DATE '9999-12-01')",
    "month",
)
# Each known customer's NPS answers per calendar month (any survey): answers, promoters and detractors.
CUSTOMER_MONTH_SCORES = Fact(
    PREFIX + "customer_month_scores",
    f"SELECT customer_id, CAST(date_trunc('month', responded_at) AS DATE) AS month, count(nps) AS nps_n, "  # noqa: S608
    f"{measures.promoters('nps')} AS promoters, {measures.detractors('nps')} AS detractors "
    "FROM responses WHERE customer_id IS NOT NULL AND nps IS NOT NULL GROUP BY ALL",
    "month, customer_id",
    "month",
    "month",
)
# Follow-ups with the customer of the response they follow (known customers only).
FOLLOW_UP_CUSTOMERS = Fact(
    PREFIX + "follow_up_customers",
    "SELECT r.customer_id, f.response_id, f.owner, f.opened_at, f.closed_at FROM follow_ups f "
    "JOIN responses r ON r.response_id = f.response_id WHERE r.customer_id IS NOT NULL",
    "customer_id, opened_at",
    "opened_at",
)
# Support survey responses with the channel and reason of the customer's latest contact at or before the response,
# when it was at most ATTRIBUTION_DAYS before (`attributed`).
SUPPORT_ATTRIBUTION = Fact(
    PREFIX + "support_attribution",
    "SELECT r.response_id, r.customer_id, r.responded_at, r.survey, r.touchpoint, r.channel, r.csat, r.ces, "  # noqa: S608
    "t.channel AS contact_channel, t.reason AS contact_reason, "
    f"coalesce(r.responded_at - t.contacted_at <= INTERVAL {ATTRIBUTION_DAYS} DAY, false) AS attributed "
    "FROM responses r ASOF LEFT JOIN (SELECT customer_id, contacted_at, channel, reason FROM contacts) t "
    f"ON t.customer_id = r.customer_id AND r.responded_at >= t.contacted_at WHERE r.touchpoint = '{SUPPORT}'",
    "responded_at, response_id",
    "responded_at",
)
# Rated responses with an NPS, one row each: the response's time, customer and dimensions, its NPS and its attribute
# ratings as a map from attribute to rating (the ratings pivoted once, at load, instead of at each view).
DRIVER_RESPONSES = Fact(
    PREFIX + "driver_responses",
    "SELECT a.response_id, r.responded_at, r.customer_id, r.survey, r.touchpoint, r.channel, r.nps, "
    "map_from_entries(list((a.attribute, a.rating) ORDER BY a.attribute)) AS ratings "
    "FROM response_attributes a JOIN responses r ON r.response_id = a.response_id "
    "WHERE r.nps IS NOT NULL AND a.rating IS NOT NULL GROUP BY ALL",
    "responded_at, response_id",
    "responded_at",
)
YEAR_MONTHS = 12  # a trailing year: the window's last month and the 11 before it
RECENT_MONTHS = 3  # the at-risk list's falling revenue: the last 3 months against the same 3 a year before
_LOOKBACK = YEAR_MONTHS + RECENT_MONTHS  # months back from a window's last month that any column reads
# Every month a trailing window can end with while a revenue row lies in its reach: each revenue month and the
# months after it within the lookback.
ALL_YEAR_ENDS = (
    f"(SELECT DISTINCT CAST(m.month + to_months(CAST(o.back AS INTEGER)) AS DATE) AS month "  # noqa: S608
    f"FROM (SELECT DISTINCT month FROM customer_revenue) m, range({_LOOKBACK}) o(back))"
)


def customer_years_sql(ends: str = ALL_YEAR_ENDS) -> str:
    """SQL: each customer's revenue over the trailing 12 months that end with each month of `ends` (a relation of
    first days of months, column `month`), one row per customer with a revenue row in the window or the 3 months
    before it: revenue rows, revenue, gross margin (and the months that have one) and cost to serve in the 12
    months; revenue in their last 3 months and in the same 3 months a year before; and the repeat-purchase pairs of
    the 12 months before the last (months with revenue, and those of them followed by a month with revenue), counted
    from a bit mask of the months with revenue instead of joining each month to the next."""
    year = f"s.back < {YEAR_MONTHS}"
    # Bit k of `bought`: revenue in the month k months back; a paired month k (1 to 12) is followed by month k - 1.
    bought = "coalesce(bit_or(CAST(1 AS INTEGER) << CAST(s.back AS INTEGER)) FILTER (WHERE cr.revenue_usd > 0), 0)"
    paired = sum(1 << k for k in range(1, YEAR_MONTHS + 1))
    return f"""
        SELECT cr.customer_id, s.month, count(*) FILTER (WHERE {year}) AS revenue_months,
            sum(cr.revenue_usd) FILTER (WHERE {year}) AS revenue_usd,
            sum(cr.gross_margin_usd) FILTER (WHERE {year}) AS margin_usd,
            count(cr.gross_margin_usd) FILTER (WHERE {year}) AS margin_months,
            sum(cr.cost_to_serve_usd) FILTER (WHERE {year}) AS cost_to_serve_usd,
            sum(cr.revenue_usd) FILTER (WHERE s.back < {RECENT_MONTHS}) AS recent_usd,
            sum(cr.revenue_usd) FILTER (WHERE s.back >= {YEAR_MONTHS}) AS before_usd,
            CAST(bit_count({bought} & {paired}) AS BIGINT) AS bought,
            CAST(bit_count({bought} & ({bought} << 1) & {paired}) AS BIGINT) AS repeated
        FROM (SELECT e.month, o.back, CAST(e.month - to_months(CAST(o.back AS INTEGER)) AS DATE) AS source_month
            FROM {ends} e, range({_LOOKBACK}) o(back)) s
        JOIN customer_revenue cr ON cr.month = s.source_month
        GROUP BY cr.customer_id, s.month
    """  # noqa: S608 (constants only)


def customer_years_relation(months: Sequence[str]) -> str:
    """SQL relation: `customer_years_sql` for the window end months given as SQL date expressions (bound parameters)
    only, from raw rows."""
    ends = " UNION ALL ".join(f"SELECT CAST({month} AS DATE) AS month" for month in months)
    return f"({customer_years_sql(f'({ends})')})"


# Each customer's revenue over the trailing 12 months ending with each month (`customer_years_sql`).
CUSTOMER_YEARS = Fact(PREFIX + "customer_years", customer_years_sql(), "month, customer_id", "month", "month")
FACTS: tuple[Fact, ...] = (
    RELATIONSHIP_ANSWERS,
    LATEST_ANSWERS,
    CUSTOMER_MONTH_SCORES,
    FOLLOW_UP_CUSTOMERS,
    SUPPORT_ATTRIBUTION,
    DRIVER_RESPONSES,
    CUSTOMER_YEARS,
)
