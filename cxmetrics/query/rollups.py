"""Rollup tables: the heavy sources pre-aggregated at load time and read instead of raw rows when they can answer.

A rollup holds, for one source of the metric registry, every additive sum (one count(...) or sum(...), optionally
with a FILTER) that the registry's metrics take over that source, with the source's own joins and condition applied:
- a source bucketed by a time column is summed per day and per combination of its dimensions, at several levels
  (every dimension, none, each one, each pair), so a query reads the smallest level that has the dimensions its
  filters, access scope and split need;
- a window source that depends only on a period's end (trailing twelve months) is summed per month end;
- a clustered source (per-customer sums, for customer-clustered intervals) is summed per calendar bucket (ISO week,
  month, quarter): a customer's total over a period is not the sum of anything smaller, so a period answers from it
  only when it is exactly one bucket, and only at levels whose dimensions are constant within a customer or are
  split or filtered to one value. Any other period (rolling weeks, year to date) reads the source's per-customer
  totals per day and combination of its dimensions (`<rollup>_days`, joined and keyed by a customer number once, at
  load), totalled per customer over the period at query time.
A period's counts and sums are the sums of its days' counts and sums, so a metric read from a rollup equals the same
metric read from raw rows (sums of floating-point money agree to rounding in the last digits). The query layer
(`query.aggregate`) falls back to raw rows whenever a rollup cannot answer: a sum it does not hold (a median), a
dimension it does not have (nps_group), a period end outside the month ends it covers, a window over several
buckets of a clustered source (rolling weeks, year to date), or a database without rollups. The loader rebuilds
every rollup at the end of each load, inside the load's transaction, so a rollup always agrees with the tables it
summarises.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics import measures
from cxmetrics.metrics.registry import METRICS
from cxmetrics.metrics.sources import (
    ACTIVE_CUSTOMERS,
    BOUGHT_LAST_MONTH,
    COHORT,
    COMPLAINTS_OPENED,
    COMPLAINTS_RESOLVED,
    CONTACTS,
    CUSTOMER_MONTHS,
    DETRACTORS,
    LIKE_FOR_LIKE,
    MONTH_START_CUSTOMERS,
    RELATIONSHIP_CUSTOMERS,
    RELATIONSHIP_RESPONSES,
    RESPONSE_CUSTOMERS,
    RESPONSES,
    REVENUE_COHORT,
    TRAILING_CUSTOMER_MONTHS,
    Dim,
    Source,
    bases_relation,
)
from cxmetrics.periods import Period
from cxmetrics.query import facts, memo

PREFIX = facts.PREFIX
COVERAGE_TABLE = "rollup_coverage"
_ENABLED: ContextVar[bool] = ContextVar("rollups_enabled", default=True)
_CUSTOMER_DIMS = ("region", "segment", "industry")
_RESPONSE_DIMS = (*_CUSTOMER_DIMS, "touchpoint", "channel", "survey")
BUCKET_GRAINS = ("week", "month", "quarter")
RUN_ROWS = 1_000_000  # rows of a customer rollup's table of days summed into buckets at a time
LEVEL = "rollup_level"  # the dimension naming the level of a customer rollup's row
# The month ends a window rollup covers: from the first month with responses or revenue to the last month with any
# data. Periods ending outside them (before the data starts) are read from raw rows.
_MONTH_RANGE = """
    SELECT date_trunc('month', min(first_day)) AS first_month, date_trunc('month', max(last_day)) AS last_month FROM (
        SELECT CAST(min(responded_at) AS DATE) AS first_day, CAST(max(responded_at) AS DATE) AS last_day FROM responses
        UNION ALL SELECT min(month), max(month) FROM customer_revenue
        UNION ALL SELECT NULL, greatest(max(signup_date), max(churn_date)) FROM customers)
"""


def _as_date(value: date | datetime | None) -> date | None:
    """A fetched date or timestamp as a date."""
    return value.date() if isinstance(value, datetime) else value


def column_name(expr: str) -> str:
    """The rollup column of a sum expression, named by its hash: a rollup built by other code can never answer for
    a different expression under the same name."""
    return "m_" + hashlib.sha256(expr.encode()).hexdigest()[:16]


def _call_end(expr: str, open_at: int) -> int:
    """The index just after the parenthesis that closes the one at `open_at` (-1 if it is never closed)."""
    depth = 0
    for i in range(open_at, len(expr)):
        depth += {"(": 1, ")": -1}.get(expr[i], 0)
        if depth == 0:
            return i + 1
    return -1


def is_additive(expr: str) -> bool:
    """Whether `expr` is a single count(...) or sum(...), optionally with a FILTER, so that sums of it add up."""
    name, _, _ = expr.partition("(")
    if name not in ("count", "sum") or "distinct" in expr.lower():
        return False
    end = _call_end(expr, len(name))
    rest = expr[end:].strip() if end > 0 else "?"
    return rest == "" or (rest.startswith("FILTER (") and _call_end(rest, len("FILTER ")) == len(rest))


@dataclass(frozen=True)
class Rollup:
    """One source's additive sums per day (or, `by_end`, per month end) and per value of `dims`."""

    source: Source
    dims: tuple[str, ...]
    by_end: bool = False
    measures: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        found = (e for m in METRICS for p in m.parts if p.source.name == self.source.name for _, e in p.sums)
        object.__setattr__(self, "measures", tuple(dict.fromkeys(e for e in found if is_additive(e))))

    @property
    def table(self) -> str:
        """The rollup's table name."""
        return PREFIX + self.source.name

    @property
    def levels(self) -> tuple[tuple[str, ...], ...]:
        """The dimension sets rows are kept at, smallest first: none, each, each pair, then all of them."""
        if self.by_end:
            return (self.dims,)
        small = [c for size in (0, 1, 2) for c in itertools.combinations(self.dims, size) if size < len(self.dims)]
        return (*small, self.dims)

    def level(self, needed: set[str]) -> tuple[str, ...] | None:
        """The smallest level holding every needed dimension; None when the rollup lacks one."""
        return next((level for level in self.levels if needed <= set(level)), None)

    def level_id(self, level: Sequence[str]) -> int:
        """DuckDB's grouping() of a level: bit set for each dimension left out, the first dimension highest."""
        return sum(1 << (len(self.dims) - 1 - i) for i, d in enumerate(self.dims) if d not in level)

    def _select(self, key: str, since: bool = False) -> str:
        """The source's sums per `key` and combination of the dimensions (`since`: of rows from $since on only)."""
        src = self.source
        columns = [f"{key}", *(f"{src.dims[d].expr} AS {d}" for d in self.dims)]
        columns += [f"{expr} AS {column_name(expr)}" for expr in self.measures]
        joins = dict.fromkeys(j for d in self.dims for j in src.dims[d].joins)
        conditions = [c for c in (src.where, f"{src.time} >= $since" if since else "") if c]
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return (
            f"SELECT {', '.join(columns)} FROM {src.from_sql} "  # noqa: S608 (registry identifiers only)
            f"{' '.join(src.joins[j] for j in joins)}{where} GROUP BY ALL"
        )

    def _stage_sql(self, since: bool) -> str:
        """The rows the levels are summed from: one per day and combination of the dimensions."""
        return self._select(f"CAST({self.source.time} AS DATE) AS day", since)

    def _write(self, conn: Connection, into: str, since: date | None) -> None:
        """Sum the staged rows (from `since` on, or all) at every level and write them with `into`."""
        params = {} if since is None else {"since": since}
        conn.execute(f"CREATE OR REPLACE TEMP TABLE rollup_stage AS {self._stage_sql(since is not None)}", params)
        dims = ", ".join(self.dims)
        sets = ", ".join("(" + ", ".join(("day", *level)) + ")" for level in self.levels)
        conn.execute(f"{into} SELECT grouping({dims}) AS level, day, {dims}, {self._sums()} "  # noqa: S608
                     f"FROM rollup_stage GROUP BY GROUPING SETS ({sets}) ORDER BY level, day")  # fmt: skip
        conn.execute("DROP TABLE rollup_stage")

    def _sums(self) -> str:
        return ", ".join(f"sum({column_name(e)}) AS {column_name(e)}" for e in self.measures)

    def build(self, conn: Connection) -> None:
        """Create (or replace) the rollup table from the current rows of its source."""
        if self.by_end:
            self._build_by_end(conn, None)
        else:
            self._write(conn, f"CREATE OR REPLACE TABLE {self.table} AS", None)

    def refresh(self, conn: Connection, since: date) -> None:
        """Rebuild the rows of days (or period ends) from `since` on from the current rows of the source."""
        if self.by_end:
            self._build_by_end(conn, since)
            return
        conn.execute(f"DELETE FROM {self.table} WHERE day >= ?", [since])  # noqa: S608
        self._write(conn, f"INSERT INTO {self.table} BY NAME", since)

    def _build_by_end(self, conn: Connection, since: date | None) -> None:
        """The rows of every month end, or (`since`) of the month ends from it on when the months covered still
        start where they did."""
        first, last = (_as_date(d) for d in conn.execute(_MONTH_RANGE).fetchone())
        stored = conn.execute("SELECT first_end FROM rollup_coverage WHERE table_name = ?", [self.table]).fetchall()
        partial = since is not None and first is not None and stored == [(first,)]
        months = periods.periods_between("month", max(first, since) if partial else first, last) if first else []
        params: dict = {}
        bases = f"WITH {bases_relation(months, params)}"
        if partial:
            conn.execute(f"DELETE FROM {self.table} WHERE basis_end >= ?", [since])  # noqa: S608
            into = f"INSERT INTO {self.table} BY NAME"
        else:
            into = f"CREATE OR REPLACE TABLE {self.table} AS"
        conn.execute(f"{into} {bases} {self._select('b.basis_end')} ORDER BY basis_end", params)
        conn.execute("DELETE FROM rollup_coverage WHERE table_name = ?", [self.table])
        if first is not None:
            conn.execute(
                "INSERT INTO rollup_coverage VALUES (?, ?, last_day(CAST(? AS DATE)))", [self.table, first, last]
            )

    def as_source(self, level: tuple[str, ...]) -> Source:
        """The rollup at `level` seen as a source: dimensions are columns; the time is the day, or the period end."""
        dims = {d: Dim(f"u.{d}") for d in level}
        src = self.source
        if self.by_end:
            return Source(src.name, src.tables, f"bases b JOIN {self.table} u ON u.basis_end = b.basis_end", dims)
        return Source(
            src.name, src.tables, f"{self.table} u", dims, time="u.day", where=f"u.level = {self.level_id(level)}"
        )

    def holds(self, sums: Sequence[str], columns: frozenset[str]) -> bool:
        """Whether the rollup table, with these columns, holds every one of `sums`."""
        return {column_name(expr) for expr in sums} <= columns

    def read_sums(self, sums: Sequence[str]) -> list[str]:
        """The expressions reading `sums` from the rollup."""
        return [f"sum(u.{column_name(expr)})" for expr in sums]


_SIGNUPS_AND_CHURNS = """
    SELECT c.signup_date AS day, c.region, c.segment, c.industry, count(*) AS signups, 0 AS churns
    FROM customers c GROUP BY ALL
    UNION ALL
    SELECT c.churn_date, c.region, c.segment, c.industry, 0, count(*)
    FROM customers c WHERE c.churn_date IS NOT NULL GROUP BY ALL
"""


@dataclass(frozen=True)
class ActiveCustomersRollup(Rollup):
    """Customers active during a period, from sign-ups and churns per day: those signed up by the period's end
    less those who churned before its start (a customer cannot churn before signing up: the schema checks it)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "measures", ("count(*)",))

    def _stage_sql(self, since: bool) -> str:
        """Sign-ups and churns per day (from $since on) and combination of the customer dimensions."""
        return f"SELECT * FROM ({_SIGNUPS_AND_CHURNS}) WHERE {'day >= $since' if since else 'TRUE'}"  # noqa: S608

    def _sums(self) -> str:
        return "sum(signups) AS signups, sum(churns) AS churns"

    def as_source(self, level: tuple[str, ...]) -> Source:
        """Active customers per period and dimension value (only where there are some, as with raw rows)."""
        columns = "".join(f", u.{d}" for d in level)
        active = "sum(u.signups) - coalesce(sum(u.churns) FILTER (WHERE u.day < b.basis_start), 0)"
        per_period = (
            f"(SELECT b.basis_id{columns}, {active} AS active FROM bases b JOIN {self.table} u "  # noqa: S608
            f"ON u.day <= b.basis_end AND u.level = {self.level_id(level)} GROUP BY ALL HAVING active > 0) a "
            "JOIN bases b ON b.basis_id = a.basis_id"
        )
        src = self.source
        return Source(src.name, src.tables, per_period, {d: Dim(f"a.{d}") for d in level})

    def holds(self, sums: Sequence[str], columns: frozenset[str]) -> bool:
        return set(sums) <= set(self.measures) and {"signups", "churns"} <= columns

    def read_sums(self, sums: Sequence[str]) -> list[str]:
        return ["sum(a.active)" for _ in sums]


def bucket_grain(period: Period) -> str | None:
    """The calendar grain (ISO week, month, quarter) of which `period` is exactly one bucket, or None."""
    return next((g for g in BUCKET_GRAINS if periods.period_containing(g, period.start).end == period.end), None)


@dataclass(frozen=True)
class CustomerRollup(Rollup):
    """A clustered source's sums over customers per calendar bucket (`BUCKET_GRAINS`) and level of its dimensions:
    each customer's totals within the bucket (and the level's values), then their squares and cross-products summed
    over the customers. Summing rows over a dimension that varies within a customer (`varying`) would add squares
    of parts instead of the square of the whole, so a level holds at most one such dimension and is read only when
    that dimension is split or filtered to one value."""

    @property
    def varying(self) -> tuple[str, ...]:
        """The dimensions that vary within a customer."""
        return self.source.varying

    @property
    def levels(self) -> tuple[tuple[str, ...], ...]:
        """None, each dimension and each pair, with at most one varying dimension."""
        small = [c for size in (0, 1, 2) for c in itertools.combinations(self.dims, size)]
        return tuple(c for c in small if len(set(c) & set(self.varying)) <= 1)

    def level(self, needed: set[str]) -> tuple[str, ...] | None:
        """The smallest level holding every needed dimension and no varying dimension beyond them."""
        varying = set(self.varying)
        return next((lv for lv in self.levels if needed <= set(lv) and set(lv) & varying <= needed), None)

    def answers(self, filters: Filters) -> bool:
        """Whether the filters leave each varying dimension unfiltered or filtered to one value."""
        return all(len(values) == 1 for dim, values in filters.selections().items() if dim in self.varying)

    def _stage(self, grain: str, until: bool) -> str:
        """Each customer's totals per bucket of `grain`, with their constant dimensions, overall and per value of
        each varying dimension (`varied`: which one, '' for none), from the table of days: its days from $since on
        (`until`: and before $until)."""
        src = replace(self.day_source(), where="u.day >= $since" + (" AND u.day < $until" if until else ""))
        constant = [d for d in self.dims if d not in self.varying]
        columns = [f"CAST(date_trunc('{grain}', {src.time}) AS DATE) AS start"]
        columns += [f"{src.dims[d].expr} AS {d}" for d in self.dims]
        columns += [f"{expr} AS {name}" for name, expr in src.totals.items()]
        joins = dict.fromkeys(j for d in self.dims for j in src.dims[d].joins)
        where = f" WHERE {src.where}" if src.where else ""
        keys = ["start", *src.cluster, *constant]
        sets = ", ".join("(" + ", ".join([*keys, *varied]) + ")" for varied in [(), *((v,) for v in self.varying)])
        varied = " ".join(f"WHEN NOT grouping({v}) THEN '{v}'" for v in self.varying)
        return (
            f"SELECT {', '.join(columns)}, CASE {varied} ELSE '' END AS varied FROM {src.from_sql} "  # noqa: S608
            f"{' '.join(src.joins[j] for j in joins)}{where} GROUP BY GROUPING SETS ({sets})"
        )

    def _level_sql(self, grain: str, level: tuple[str, ...]) -> str:
        """One level's rows: the measures over the customers' totals, per bucket and value of the level."""
        varied = next((d for d in level if d in self.varying), "")
        dims = ", ".join(d if d in level else f"NULL AS {d}" for d in self.dims)
        sums = ", ".join(f"{expr} AS {column_name(expr)}" for expr in self.measures)
        return (
            f"SELECT '{grain}' AS grain, {self.level_id(level)} AS level, start, {dims}, {sums} "  # noqa: S608
            f"FROM rollup_stage cu WHERE varied = '{varied}' GROUP BY start{''.join(f', {d}' for d in level)}"
        )

    @property
    def day_table(self) -> str:
        """The table of per-customer totals per day and combination of the dimensions."""
        return f"{self.table}_days"

    @property
    def key_table(self) -> str:
        """The table numbering the customers: each one's key columns (k0, k1, ...), first day and number."""
        return f"{self.table}_keys"

    def _rows(self, columns: list[str], since: bool, keyed: bool = False) -> str:
        """FROM and WHERE of the source's rows (`since`: from $since on; `keyed`: joined with their number)."""
        src = self.source
        joins = dict.fromkeys(j for d in self.dims for j in src.dims[d].joins)
        on = " AND ".join(f"n.k{i} IS NOT DISTINCT FROM {c}" for i, c in enumerate(src.cluster))
        numbered = f" JOIN {self.key_table} n ON {on}" if keyed else ""
        conditions = [c for c in (src.where, f"{src.time} >= $since" if since else "") if c]
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return (
            f"SELECT {', '.join(columns)} FROM {src.from_sql} "  # noqa: S608 (registry identifiers only)
            f"{' '.join(src.joins[j] for j in joins)}{numbered}{where}"
        )

    def _keys_sql(self, since: bool) -> str:
        """The customers first seen (from $since on) numbered in order of first day, then key, after those first
        seen before $since."""
        src = self.source
        keys = [f"{c} AS k{i}" for i, c in enumerate(src.cluster)]
        names = ", ".join(f"k{i}" for i in range(len(src.cluster)))
        seen = self._rows([*keys, f"CAST(min({src.time}) AS DATE) AS first_day"], since) + " GROUP BY ALL"
        if since:
            same = " AND ".join(f"n.k{i} IS NOT DISTINCT FROM s.k{i}" for i in range(len(src.cluster)))
            seen = (
                f"SELECT * FROM ({seen}) s WHERE NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM {self.key_table} n WHERE n.first_day < $since AND {same})"
            )
        before = f"(SELECT count(*) FROM {self.key_table} WHERE first_day < $since)" if since else "0"  # noqa: S608
        return (
            f"SELECT {names}, first_day, {before} + dense_rank() OVER (ORDER BY first_day, {names}) AS cu_key "  # noqa: S608
            f"FROM ({seen})"
        )

    def _days_sql(self, since: bool) -> str:
        """Each customer's totals per day (from $since on) and combination of the dimensions, with their number."""
        src = self.source
        columns = [f"CAST({src.time} AS DATE) AS day", "n.cu_key"]
        columns += [f"{src.dims[d].expr} AS {d}" for d in self.dims]
        columns += [f"{expr} AS {name}" for name, expr in src.totals.items()]
        group = f" GROUP BY day, n.cu_key, {', '.join(d for d in self.dims)} ORDER BY day"
        return self._rows(columns, since, keyed=True) + group

    def build(self, conn: Connection) -> None:
        """Create (or replace) the rollup table, every level of every bucket grain, the customers' numbers and the
        table of days."""
        conn.execute(f"CREATE OR REPLACE TABLE {self.key_table} AS {self._keys_sql(False)}")
        conn.execute(f"CREATE OR REPLACE TABLE {self.day_table} AS {self._days_sql(False)}")
        conn.execute(f"CREATE OR REPLACE TABLE {self.table} (grain VARCHAR, level INTEGER, start DATE)")
        for number, grain in enumerate(BUCKET_GRAINS):
            into = f"CREATE OR REPLACE TABLE {self.table} AS" if number == 0 else f"INSERT INTO {self.table}"
            self._write_buckets(conn, grain, into, None)

    def refresh(self, conn: Connection, since: date) -> None:
        """Renumber the customers first seen from `since` on, rebuild the days from it and the buckets holding
        it and those after."""
        params = {"since": since}
        conn.execute(f"CREATE OR REPLACE TEMP TABLE rollup_keys AS {self._keys_sql(True)}", params)
        conn.execute(f"DELETE FROM {self.key_table} WHERE first_day >= $since", params)  # noqa: S608
        conn.execute(f"INSERT INTO {self.key_table} BY NAME SELECT * FROM rollup_keys ORDER BY cu_key")  # noqa: S608
        conn.execute("DROP TABLE rollup_keys")
        conn.execute(f"DELETE FROM {self.day_table} WHERE day >= $since", params)  # noqa: S608
        conn.execute(f"INSERT INTO {self.day_table} BY NAME {self._days_sql(True)}", params)
        for grain in BUCKET_GRAINS:
            start = periods.period_containing(grain, since).start
            conn.execute(f"DELETE FROM {self.table} WHERE grain = ? AND start >= ?", [grain, start])  # noqa: S608
            self._write_buckets(conn, grain, f"INSERT INTO {self.table} BY NAME", start)

    def _write_buckets(self, conn: Connection, grain: str, into: str, since: date | None) -> None:
        """Every level's rows of the buckets of `grain` (from the one starting on `since` on, or all), a run of
        buckets at a time so that each step's sums fit in memory rather than spill (a bucket's rows are all in
        one run, so its sums are the same)."""
        levels = " UNION ALL ".join(self._level_sql(grain, level) for level in self.levels)
        for number, (first, until) in enumerate(self._runs(conn, grain, since or date.min)):
            params = {"since": first} | ({} if until is None else {"until": until})
            conn.execute(
                f"CREATE OR REPLACE TEMP TABLE rollup_stage AS {self._stage(grain, until is not None)}", params
            )
            conn.execute(f"{into if number == 0 else f'INSERT INTO {self.table} BY NAME'} {levels}")
            conn.execute("DROP TABLE rollup_stage")

    def _runs(self, conn: Connection, grain: str, since: date) -> list[tuple[date, date | None]]:
        """Runs of consecutive buckets of `grain` from `since` on, as (first day, first day after; None for the
        last run), each holding at most about RUN_ROWS rows of the table of days (one run at least)."""
        counts = conn.execute(
            f"SELECT CAST(date_trunc('{grain}', day) AS DATE) AS start, count(*) FROM {self.day_table} "  # noqa: S608
            "WHERE day >= ? GROUP BY ALL ORDER BY start",
            [since],
        ).fetchall()
        starts, size = [since], 0
        for start, rows in counts:
            if size and size + rows > RUN_ROWS:
                starts.append(start)
                size = 0
            size += rows
        return list(zip(starts, [*starts[1:], None], strict=True))

    def bucket_source(self, levels: Sequence[tuple[str, ...]], grain: str) -> Source:
        """The rollup at `levels` for buckets of `grain` seen as a source: the time is the bucket's first day; with
        several levels, the level is a dimension of its own (`LEVEL`)."""
        ids = ", ".join(str(self.level_id(level)) for level in levels)
        where = f"u.grain = '{grain}' AND u.level IN ({ids})"
        dims = {d: Dim(f"u.{d}") for level in levels for d in level} | {LEVEL: Dim("u.level")}
        return Source(self.source.name, self.source.tables, f"{self.table} u", dims, time="u.start", where=where)

    def day_source(self) -> Source:
        """The table of days seen as a clustered source with the same measures (over the customers' totals)."""
        totals = {name: f"CAST(sum(u.{name}) AS DOUBLE)" for name in self.source.totals}
        dims = {d: Dim(f"u.{d}") for d in self.dims}
        return replace(
            self.source, from_sql=f"{self.day_table} u", dims=dims, time="u.day", where="", joins={},
            cluster=("u.cu_key",), totals=totals,
        )  # fmt: skip


ROLLUPS: tuple[Rollup, ...] = (
    Rollup(RESPONSES, _RESPONSE_DIMS),
    CustomerRollup(RESPONSE_CUSTOMERS, _RESPONSE_DIMS),
    Rollup(RELATIONSHIP_RESPONSES, (*_CUSTOMER_DIMS, "channel")),
    CustomerRollup(RELATIONSHIP_CUSTOMERS, (*_CUSTOMER_DIMS, "channel")),
    Rollup(DETRACTORS, _RESPONSE_DIMS),
    Rollup(CONTACTS, _CUSTOMER_DIMS),
    ActiveCustomersRollup(ACTIVE_CUSTOMERS, _CUSTOMER_DIMS),
    Rollup(COMPLAINTS_OPENED, _CUSTOMER_DIMS),
    Rollup(COMPLAINTS_RESOLVED, _CUSTOMER_DIMS),
    Rollup(CUSTOMER_MONTHS, _CUSTOMER_DIMS),
    Rollup(BOUGHT_LAST_MONTH, _CUSTOMER_DIMS),
    Rollup(LIKE_FOR_LIKE, _CUSTOMER_DIMS),
    Rollup(COHORT, _CUSTOMER_DIMS, by_end=True),
    Rollup(MONTH_START_CUSTOMERS, _CUSTOMER_DIMS, by_end=True),
    Rollup(REVENUE_COHORT, _CUSTOMER_DIMS, by_end=True),
    Rollup(TRAILING_CUSTOMER_MONTHS, _CUSTOMER_DIMS, by_end=True),
)
_BY_SOURCE: dict[str, Rollup] = {r.source.name: r for r in ROLLUPS}


_VERSION_KEY = "rollups_version"


def version() -> str:
    """A hash of every rollup's and fact table's definition: rows built by other code are rebuilt, not refreshed."""
    return hashlib.sha256(repr((ROLLUPS, facts.FACTS)).encode()).hexdigest()[:16]


def _nothing() -> None:
    """No step between tables."""


def build(conn: Connection, between: Callable[[], None] = _nothing) -> None:
    """Rebuild every rollup and fact table from the current tables, calling `between` after each; the loader calls
    it inside each load's transaction (and commits its working copy in between)."""
    conn.execute("CREATE OR REPLACE TABLE rollup_coverage (table_name VARCHAR, first_end DATE, last_end DATE)")
    for rollup in ROLLUPS:
        if rollup.measures:
            rollup.build(conn)
            between()
    for fact in facts.FACTS:
        fact.build(conn)
        between()
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_VERSION_KEY, version()])


def refresh(conn: Connection, since: date, between: Callable[[], None] = _nothing) -> None:
    """Rebuild the rows of every rollup and fact table from `since` on (a day, or a bucket or period end holding
    it, on), after a load whose new and changed rows reach no further back, calling `between` after each; the same
    rows as `build`."""
    for rollup in ROLLUPS:
        if rollup.measures:
            rollup.refresh(conn, since)
            between()
    for fact in facts.FACTS:
        fact.refresh(conn, since)
        between()


def is_current(conn: Connection) -> bool:
    """Whether the database's rollups and fact tables were built by this code (so they can be refreshed)."""
    rows = conn.execute("SELECT value FROM meta WHERE key = ?", [_VERSION_KEY]).fetchall()
    return bool(rows) and rows[0][0] == version()


def relation(conn: Connection, fact: facts.Fact) -> str:
    """The relation to read a fact's rows from: its stored table, or its SQL over raw rows when the database has no
    such table or rollups are disabled."""
    return fact.table if fact.table in Catalog.of(conn).columns else f"({fact.sql})"


def customer_years(conn: Connection, months: Sequence[str]) -> str:
    """The relation of each customer's revenue over trailing years (`facts.CUSTOMER_YEARS`) for windows ending with
    `months` (SQL date expressions): its stored table, or those windows alone over raw rows."""
    stored = relation(conn, facts.CUSTOMER_YEARS)
    return stored if stored == facts.CUSTOMER_YEARS.table else facts.customer_years_relation(months)


def latest_answers(conn: Connection, month: str, columns: tuple[str, ...] = ("nps",), since: str | None = None) -> str:
    """SQL relation: each customer's latest relationship answer before `month` (a first day of a month; with
    `since`, only one on or after it), from the stored spans of `facts.LATEST_ANSWERS`, else found among the
    relationship answers (`measures.latest_relationship_answer`)."""
    spans = relation(conn, facts.LATEST_ANSWERS)
    if spans == facts.LATEST_ANSWERS.table:
        return measures.latest_answer_of_month(month, spans, columns, since)
    answers = relation(conn, facts.RELATIONSHIP_ANSWERS)
    return measures.latest_relationship_answer(month, columns, since, answers)


@dataclass(frozen=True)
class Catalog:
    """The rollups one database holds, and which queries they can answer."""

    columns: Mapping[str, frozenset[str]]
    coverage: Mapping[str, tuple[date, date]]

    @classmethod
    def read(cls, conn: Connection) -> Catalog:
        """The rollup tables of the connection's current database, their columns and the month ends they cover."""
        rows = conn.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = current_schema() AND starts_with(table_name, ?)",
            [PREFIX],
        ).fetchall()
        columns: dict[str, set[str]] = {}
        for table, column in rows:
            columns.setdefault(table, set()).add(column)
        if COVERAGE_TABLE not in columns:  # no rollups, or made by other code: read raw rows
            return cls({}, {})
        ranges = conn.execute("SELECT table_name, first_end, last_end FROM rollup_coverage").fetchall()
        coverage = {table: (first, last) for table, first, last in ranges if first is not None}
        return cls({table: frozenset(names) for table, names in columns.items()}, coverage)

    @classmethod
    def of(cls, conn: Connection) -> Catalog:
        """The catalog of a connection (read once for a read-only one); empty while rollups are disabled."""
        if not _ENABLED.get():
            return cls({}, {})
        return memo.remembered(conn, "rollups", lambda: cls.read(conn))

    def _covers(self, rollup: Rollup, ends: Sequence[date]) -> bool:
        """Whether a window rollup has every period end asked for (month ends in its range)."""
        first, last = self.coverage.get(rollup.table, (date.max, date.min))
        return all(first <= e <= last and (e + timedelta(days=1)).day == 1 for e in ends)

    def _customer_rollup(self, source: Source) -> CustomerRollup | None:
        """The customer rollup of a clustered source, when this database has it."""
        rollup = _BY_SOURCE.get(source.name)
        tables = (rollup.table, rollup.day_table) if isinstance(rollup, CustomerRollup) else ()
        return rollup if tables and all(t in self.columns for t in tables) else None

    def plan_buckets(
        self, source: Source, sums: Sequence[str], needed: Sequence[set[str]], filters: Filters, grain: str | None
    ) -> tuple[Source, list[str], list[int]] | None:
        """(source, sums, levels) reading the customer rollup that answers `sums` over the clustered `source` under
        `filters`, for periods that are each one bucket of `grain`, with each of the `needed` sets of dimensions (the
        level of each, as the source's dimension `LEVEL` reads it), or None when it cannot."""
        rollup = self._customer_rollup(source)
        if rollup is None or grain is None or not rollup.answers(filters):
            return None
        levels = [rollup.level(dims) for dims in needed]
        if None in levels or not rollup.holds(sums, self.columns[rollup.table]):
            return None
        return rollup.bucket_source(levels, grain), rollup.read_sums(sums), [rollup.level_id(lv) for lv in levels]

    def plan_clustered(
        self, source: Source, sums: Sequence[str], needed: set[str], filters: Filters, grain: str | None
    ) -> tuple[Source, list[str]] | None:
        """(source, sums) reading the customer rollup that answers `sums` over the clustered `source` with the
        `needed` dimensions under `filters`: its buckets when every period is one bucket of `grain` and a level
        answers, else its table of days; None without the rollup (raw rows)."""
        rollup = self._customer_rollup(source)
        if rollup is None:
            return None
        found = self.plan_buckets(source, sums, [needed], filters, grain)
        return self.plan_days(source, sums) if found is None else found[:2]

    def plan_days(self, source: Source, sums: Sequence[str]) -> tuple[Source, list[str]] | None:
        """(source, sums) reading the customer rollup's table of days for the clustered `source` (any period, any
        filter), or None without it."""
        rollup = self._customer_rollup(source)
        if rollup is None or not set(rollup.source.totals) <= self.columns[rollup.day_table]:
            return None
        return rollup.day_source(), list(sums)

    def plan(self, source: Source, sums: Sequence[str], needed: set[str], ends: Sequence[date]):
        """(source, sums) reading the rollup that answers `sums` over `source` with the `needed` dimensions for
        periods ending on `ends`, or None when raw rows must be read."""
        rollup = _BY_SOURCE.get(source.name)
        if rollup is None or isinstance(rollup, CustomerRollup) or rollup.table not in self.columns:
            return None
        level = rollup.level(needed)
        if level is None or not rollup.holds(sums, self.columns[rollup.table]):
            return None
        if rollup.by_end and not self._covers(rollup, ends):
            return None
        return rollup.as_source(level), rollup.read_sums(sums)


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Within the block, queries read raw rows only (to check the rollups against, and to measure them)."""
    token = _ENABLED.set(False)
    try:
        yield
    finally:
        _ENABLED.reset(token)
