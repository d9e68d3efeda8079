"""Filters and periods -> one aggregate SQL query per source, with bound parameters -> sums per period and value.

Every query aggregates in DuckDB in one pass per source: a trend groups all its periods in one GROUP BY (date_trunc),
a list of periods (a scorecard's week, prior week, same week last year, rolling windows) joins a small table of
periods, and window sources (trailing twelve months) join that table themselves. Metrics that share a source share
the pass, and the passes over different sources run side by side on a read-only connection (`cxmetrics.query.parallel`).
A heavy source is read from its rollup table (`cxmetrics.query.rollups`, built at load time) whenever the rollup
holds the sums and dimensions a query needs, with the same conditions. User values only ever reach SQL as bound
parameters; identifiers come from the metric registry and the dimension allow-list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import TypeVar

import numpy as np

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import Metric, Part, Source
from cxmetrics.metrics.sources import bases_relation, pairs_relation
from cxmetrics.periods import Period
from cxmetrics.query import parallel, rollups

NONE_LABEL = "(none)"
Columns = dict[str, np.ndarray]
T = TypeVar("T")
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Plan:
    """The periods to compute; `grain` is set when they are consecutive buckets of one grain (a trend)."""

    periods: tuple[Period, ...]
    grain: str | None = None
    # What is derived from the periods (their positions, a metric kind's basis periods), worked out once per plan:
    # a scorecard looks them up for every metric, and a chart's plan has over a hundred periods.
    _derived: dict = field(default_factory=dict, compare=False, repr=False)

    def derived(self, key: tuple, work: Callable[[], T]) -> T:
        """`work()` once per plan and `key`."""
        if key not in self._derived:
            self._derived[key] = work()
        return self._derived[key]

    @property
    def position(self) -> dict[Period, int]:
        """The index of each period in the plan (its last, should one appear twice)."""
        return self.derived(("position",), lambda: {p: i for i, p in enumerate(self.periods)})


def sum_columns(metric: Metric) -> list[str]:
    """The names of a metric's sums, as they appear in its frames."""
    return list(dict.fromkeys(name for part in metric.parts for name, _ in part.sums))


def summable_columns(metric: Metric) -> list[str]:
    """The metric's sums that add up over periods: all but its per-customer sums (a customer's total over a window
    is the sum of their weekly totals, its square is not the sum of their squares)."""
    return list(dict.fromkeys(name for part in metric.parts if not part.source.cluster for name, _ in part.sums))


def _in_list(expr: str, values: Sequence[str], prefix: str, params: dict) -> str:
    """`expr IN ($prefix_0, ...)` with every value bound; an empty list matches nothing."""
    if not values:
        return "FALSE"
    names = [f"{prefix}_{i}" for i in range(len(values))]
    params.update(zip(names, values, strict=True))
    return f"{expr} IN ({', '.join('$' + n for n in names)})"


def _conditions(source: Source, filters: Filters, params: dict) -> tuple[list[str], set[str]]:
    """WHERE conditions of the filters and access scope that apply to `source`, and the joins they need."""
    restricted = sorted(filters.scope.restrictions().items())
    if any(dim not in source.dims for dim, _ in restricted):
        # Deny by default: a source that cannot be cut by a restricted dimension shows nothing (and binds nothing).
        return ["FALSE"], set()
    conditions, joins = [], set()
    for position, (dim, values) in enumerate(sorted(filters.selections().items())):
        if dim in source.dims:
            conditions.append(_in_list(source.dims[dim].expr, values, f"f{position}", params))
            joins.update(source.dims[dim].joins)
    for dim, allowed in restricted:
        conditions.append(_in_list(source.dims[dim].expr, allowed, f"scope_{dim}", params))
        joins.update(source.dims[dim].joins)
    return conditions, joins


def scoped(
    source: Source, filters: Filters, params: dict | None = None, dims: Sequence[str] = ()
) -> tuple[str, str, dict]:
    """The joins, the WHERE clause and its bound parameters that apply the filters' dimension selections and the
    access scope (not the period) to an ad-hoc query over `source`, such as a customer list or a distribution; the
    joins also bring in the columns of `dims`."""
    params = {} if params is None else params
    conditions, joins = _conditions(source, filters, params)
    joins.update(j for dim in dims for j in source.dims[dim].joins)
    conditions += [f"({source.where})"] if source.where else []
    join_sql = " ".join(source.joins[j] for j in source.joins if j in joins)
    return join_sql, " AND ".join(conditions) or "TRUE", params


def ignored_filters(metric: Metric, filters: Filters) -> tuple[str, ...]:
    """Dimensions selected in the filters that do not apply to the metric (e.g. touchpoint for revenue)."""
    return tuple(d for d in sorted(filters.selections()) if d not in metric.dimensions)


def _period_clause(
    source: Source, basis_periods: Sequence[Period], bucket: str | None, params: dict
) -> tuple[str, str, list]:
    """The basis key, the join of the period bases (if needed) and the time-range conditions of a source."""
    if source.is_window:
        return "b.basis_id", "", []
    params.update(t0=min(b.start for b in basis_periods), t1=max(b.end for b in basis_periods) + timedelta(days=1))
    time_range = [f"{source.time} >= $t0", f"{source.time} < $t1"]
    if bucket is None:
        return (
            "b.basis_id",
            f"JOIN bases b ON {source.time} >= b.basis_start AND {source.time} < b.basis_end + 1",
            time_range,
        )
    return f"CAST(date_trunc('{bucket}', {source.time}) AS DATE)", "", time_range


def _dim_expr(source: Source, by: str | None, joins: set[str]) -> str:
    """The dimension value of a row (missing values labelled), adding the join it needs."""
    if by is None:
        return "''"
    joins.update(source.dims[by].joins)
    return f"coalesce(CAST({source.dims[by].expr} AS VARCHAR), '{NONE_LABEL}')"


def _needed_dims(source: Source, filters: Filters, by: str | None) -> set[str]:
    """The dimensions of `source` that the filters, the access scope and the split use."""
    needed = {dim for dim in filters.selections() if dim in source.dims}
    needed |= {dim for dim in filters.scope.restrictions() if dim in source.dims}
    return needed | ({by} if by else set())


def _query_parts(
    source: Source,
    sums: Sequence[str],
    filters: Filters,
    dims: Sequence[str | None],
    basis_periods: Sequence[Period],
    bucket: str | None,
    catalog: rollups.Catalog | None,
) -> tuple[Source, str, str, list[str], str, str, dict]:
    """The pieces of one aggregate query over `source` (or a rollup of it that can answer): the source read, the
    WITH clause, the basis key, the dimension expressions, the select list of sums s0, s1, ..., the FROM ... WHERE
    and its parameters."""
    needed = _needed_dims(source, filters, None) | {d for d in dims if d}
    if source.cluster:
        grain = bucket or _common_grain(basis_periods)
        rolled = catalog and catalog.plan_clustered(source, sums, needed, filters, grain)
    else:
        rolled = catalog and catalog.plan(source, sums, needed, [b.end for b in basis_periods])
    if rolled:
        source, sums = rolled
    params: dict = {}
    conditions, joins = _conditions(source, filters, params)
    exprs = [_dim_expr(source, d, joins) for d in dims]
    key, bases_join, time_range = _period_clause(source, basis_periods, bucket, params)
    conditions = time_range + conditions + ([f"({source.where})"] if source.where else [])
    join_sql = " ".join([bases_join, *(source.joins[j] for j in source.joins if j in joins)])
    select = ", ".join(f"{expr} AS s{i}" for i, expr in enumerate(sums))
    with_sql = f"WITH {bases_relation(basis_periods, params)} " if source.is_window or bucket is None else ""
    body = f"FROM {source.from_sql} {join_sql} WHERE {' AND '.join(conditions) or 'TRUE'}"
    return source, with_sql, key, exprs, select, body, params


def _common_grain(basis_periods: Sequence[Period]) -> str | None:
    """The calendar grain of which every period is one bucket, or None."""
    grains = {rollups.bucket_grain(b) for b in basis_periods}
    return grains.pop() if len(grains) == 1 else None


def _used_totals(source: Source, select: str) -> list[str]:
    """The names of a clustered source's per-customer totals that `select` reads (as cu.<name>)."""
    used = set(re.findall(r"\bcu\.(\w+)", select))
    return [name for name in source.totals if name in used]


def _customer_totals(source: Source, select: str) -> str:
    """The select list of a clustered source's per-customer totals that `select` reads."""
    return ", ".join(f"{source.totals[name]} AS {name}" for name in _used_totals(source, select))


def _source_sql(
    source: Source,
    sums: Sequence[str],
    filters: Filters,
    by: str | None,
    basis_periods: Sequence[Period],
    bucket: str | None,
    catalog: rollups.Catalog | None = None,
) -> tuple[str, dict]:
    """One aggregate query over `source`: a key per basis period, the dimension value, and the sums s0, s1, ...; a
    clustered source's rows are first totalled per customer, period and dimension value."""
    source, with_sql, key, (dim,), select, body, params = _query_parts(
        source, sums, filters, [by], basis_periods, bucket, catalog
    )
    if not source.cluster:
        return f"{with_sql}SELECT {key} AS basis_key, {dim} AS dim_value, {select} {body} GROUP BY ALL", params
    per_customer = (
        f"SELECT {key} AS basis_key, {dim} AS dim_value, {_customer_totals(source, select)} {body} "
        f"GROUP BY basis_key, dim_value, {', '.join(source.cluster)}"
    )
    sql = f"{with_sql}SELECT basis_key, dim_value, {select} FROM ({per_customer}) cu GROUP BY ALL"  # noqa: S608
    return sql, params


def _splits_sql(
    source: Source,
    sums: Sequence[str],
    filters: Filters,
    splits: Sequence[tuple[str, ...]],
    basis_periods: Sequence[Period],
    catalog: rollups.Catalog | None = None,
) -> tuple[str, list[str], dict]:
    """One aggregate query over `source` for several splits at once (GROUPING SETS): a key per basis period, a value
    column d0, d1, ... per dimension used (NULL where the row's split does not use it), the grouping bits and the
    sums; also the dimensions, in column order."""
    dims = list(dict.fromkeys(d for split in splits for d in split))
    source, with_sql, key, exprs, select, body, params = _query_parts(
        source, sums, filters, dims, basis_periods, None, catalog
    )
    if source.cluster:
        return _clustered_splits_sql(source, dims, splits, (with_sql, key, exprs, select, body)), dims, params
    labels = "".join(f"{expr} AS d{i}, " for i, expr in enumerate(exprs))
    grouping = f"grouping({', '.join(f'd{i}' for i in range(len(dims)))})" if dims else "0"
    sets = ", ".join(f"({', '.join(['basis_key', *(f'd{dims.index(d)}' for d in split)])})" for split in splits)
    sql = (
        f"{with_sql}SELECT {key} AS basis_key, {labels}{grouping} AS grouping_bits, {select} {body} "
        f"GROUP BY GROUPING SETS ({sets})"
    )
    return sql, dims, params


def _clustered_splits_sql(source: Source, dims: list[str], splits: Sequence[tuple[str, ...]], parts: tuple) -> str:
    """The splits of a clustered source, as `_splits_sql` returns them: each customer's totals at the finest split
    (`fine`), added up per customer for each set of the dimensions that vary within a customer that a split uses (a
    customer's answers at several touchpoints add up before they are squared), then summed over the customers by
    GROUPING SETS, one branch per such set."""
    with_sql, key, exprs, select, body = parts
    keys = ", ".join(f"k{i}" for i in range(len(source.cluster)))
    names = _used_totals(source, select)
    labels = "".join(f", {expr} AS d{i}" for i, expr in enumerate(exprs))
    cluster = ", ".join(f"{expr} AS k{i}" for i, expr in enumerate(source.cluster))
    totals = ", ".join(f"{source.totals[name]} AS {name}" for name in names)
    fine = (
        f"fine AS (SELECT {key} AS basis_key, {cluster}{labels}, {totals} {body} "
        f"GROUP BY basis_key, {keys}{''.join(f', d{i}' for i in range(len(dims)))})"
    )
    branches: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for split in splits:
        branches.setdefault(tuple(d for d in split if d in source.varying), []).append(split)
    found = [_customer_branch(source, dims, varied, group, keys, names, select) for varied, group in branches.items()]
    start = f"{with_sql.rstrip()}, " if with_sql else "WITH "
    return f"{start}{fine} " + " UNION ALL ".join(found)


def _customer_branch(source, dims, varied, group, keys: str, names: list[str], select: str) -> str:
    """One branch of `_clustered_splits_sql`: the customers' totals over the dimensions that vary within a customer
    but `varied`, summed over the customers for each split of `group`."""
    used = [i for i, d in enumerate(dims) if d in varied or (d not in source.varying and any(d in s for s in group))]
    columns = "".join(f", d{i}" for i in used)
    sums = ", ".join(f"sum({name}) AS {name}" for name in names)
    per_customer = f"SELECT basis_key, {keys}{columns}, {sums} FROM fine GROUP BY basis_key, {keys}{columns}"  # noqa: S608
    values = "".join(f"d{i}, " if i in used else f"NULL AS d{i}, " for i in range(len(dims)))
    bits = [f"(grouping(d{i}) << {len(dims) - 1 - i})" if i in used else str(1 << (len(dims) - 1 - i))
            for i in range(len(dims))]  # fmt: skip
    sets = ", ".join(f"({', '.join(['basis_key', *(f'd{dims.index(d)}' for d in split)])})" for split in group)
    return (
        f"SELECT basis_key, {values}{' + '.join(bits) or '0'} AS grouping_bits, {select} "  # noqa: S608
        f"FROM ({per_customer}) cu GROUP BY GROUPING SETS ({sets})"
    )


# --- planning and aggregation ------------------------------------------------------------------------------------


def basis(metric: Metric, period: Period) -> Period:
    """The period a metric's data answers for `period`: itself, or the months of a monthly table."""
    return periods.month_basis(period) if metric.basis == "month" else period


def _bucket(metric: Metric, plan: Plan) -> str | None:
    """The date_trunc unit grouping a trend's rows, or None when the periods are joined as a list."""
    if plan.grain is None:
        return None
    return "month" if metric.basis == "month" and plan.grain == "week" else plan.grain


def bases(metric: Metric, plan: Plan) -> list[Period]:
    """The distinct basis periods of a plan, in order."""
    return list(_bases(metric, plan))


def _bases(metric: Metric, plan: Plan) -> tuple[Period, ...]:
    return plan.derived(("bases", metric.basis), lambda: tuple(dict.fromkeys(basis(metric, p) for p in plan.periods)))


def _floats(values) -> np.ndarray:
    """A fetched column as floats, NULL as NaN."""
    return np.ma.filled(np.ma.asarray(values).astype(float), np.nan)


def _run_source(conn: Connection, source, sums, filters, by, basis_periods, bucket, catalog=None) -> Columns:
    """Aggregate one source; its basis_key becomes basis_id, the index of the basis period."""
    sql, params = _source_sql(source, sums, filters, by, basis_periods, bucket, catalog)
    fetched = conn.execute(sql, params).fetchnumpy()
    columns = {c: _floats(v) for c, v in fetched.items() if c not in ("basis_key", "dim_value")}
    columns["dim_value"] = np.asarray(fetched["dim_value"], dtype=object)
    key = np.asarray(fetched["basis_key"])
    if bucket is not None and not source.is_window:
        index = {(b.start - _EPOCH).days: i for i, b in enumerate(basis_periods)}
        days = key.astype("datetime64[D]").astype(np.int64).tolist()
        key = np.array([index.get(day, -1) for day in days], dtype=np.int64)
        columns = {c: v[key >= 0] for c, v in columns.items()}
        key = key[key >= 0]
    return columns | {"basis_id": key}


def _split_rows(dims: list[str], values: list[list], used: list[list[bool]]) -> np.ndarray:
    """Each row's split as ((dimension, value), ...) pairs, for the dimensions its split uses."""
    pairs = np.empty(len(used), dtype=object)
    pairs[:] = [
        tuple((dim, column[row]) for dim, column, on in zip(dims, values, flags, strict=True) if on)
        for row, flags in enumerate(used)
    ]
    return pairs


def _grouping_sets(conn: Connection, source, sums, filters, splits, basis_periods, catalog) -> Columns:
    """The splits by GROUPING SETS: right for any sum, one fan-out per set."""
    sql, dims, params = _splits_sql(source, sums, filters, splits, basis_periods, catalog)
    fetched = conn.execute(sql, params).fetchnumpy()
    values = [np.asarray(fetched[f"d{i}"], dtype=object).tolist() for i in range(len(dims))]
    used = [[not (bits >> (len(dims) - 1 - i)) & 1 for i in range(len(dims))] for bits in fetched["grouping_bits"]]
    columns = {c: _floats(v) for c, v in fetched.items() if c.startswith("s")}
    key = np.asarray(fetched["basis_key"], dtype=np.int64)
    return columns | {"dim_value": _split_rows(dims, values, used), "basis_id": key}


def _covering(splits: Sequence[tuple[str, ...]]) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """The splits grouped under the finest split that holds all their dimensions (largest first): e.g. (), region,
    touchpoint and (region, touchpoint) under (region, touchpoint), and segment alone."""
    groups: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for split in sorted(splits, key=len, reverse=True):
        finest = next((f for f in groups if set(split) <= set(f)), split)
        groups.setdefault(finest, []).append(split)
    return groups


def _added_up(conn: Connection, source, sums, filters, splits, basis_periods, catalog) -> Columns:
    """The splits of additive sums: per group of splits, one GROUP BY at its finest split in DuckDB (which reads the
    smallest rollup level that has its dimensions), then the coarser splits as sums of its few rows; faster than
    GROUPING SETS, which fans every row out once per set."""
    works = [
        partial(_added_up_group, source=source, sums=sums, filters=filters, splits=group, finest=finest,
                basis_periods=basis_periods, catalog=catalog)
        for finest, group in _covering(splits).items()
    ]  # fmt: skip
    parts = parallel.run_all(conn, works)
    return {c: np.concatenate([part[c] for part in parts]) for c in parts[0]}


def _group_sums(groups: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """Sums of `values` per group as SQL's sum() gives them: NULLs (NaN) skipped, NaN where a group has only NULLs."""
    present = ~np.isnan(values)
    sums = np.bincount(groups, weights=np.where(present, values, 0.0), minlength=count)
    return np.where(np.bincount(groups, weights=present, minlength=count) > 0, sums, np.nan)


def _added_up_group(conn: Connection, source, sums, filters, splits, finest, basis_periods, catalog) -> Columns:
    """The `splits` as sums of one query's rows at the `finest` split."""
    sql, _, params = _splits_sql(source, sums, filters, [finest], basis_periods, catalog)
    return _summed(conn.execute(sql, params).fetchnumpy(), list(finest), splits)


def _summed(fetched: dict, dims: list[str], splits, rows: Sequence[np.ndarray] | None = None) -> Columns:
    """The `splits` as sums of fetched rows (a value column d0, d1, ... per dimension of `dims`): for split i, of the
    rows `rows[i]` (a mask) when given, else of all of them."""
    key = np.asarray(fetched["basis_key"], dtype=np.int64)
    values = [np.asarray(fetched[f"d{i}"], dtype=object) for i in range(len(dims))]
    names = [c for c in fetched if c.startswith("s")]
    found = {c: [] for c in [*names, "basis_id", "dim_value"]}
    for number, split in enumerate(splits):
        keep = np.ones(len(key), dtype=bool) if rows is None else rows[number]
        chosen = [values[dims.index(d)][keep] for d in split]
        groups = list(zip(key[keep].tolist(), *(v.tolist() for v in chosen), strict=True))
        index = {g: i for i, g in enumerate(dict.fromkeys(groups))}
        inverse = np.array([index[g] for g in groups], dtype=np.int64)
        for name in names:
            found[name].append(_group_sums(inverse, _floats(fetched[name])[keep], len(index)))
        found["basis_id"].append(np.array([g[0] for g in index], dtype=np.int64))
        found["dim_value"].append(_split_rows(list(split), [[g[1 + i] for g in index] for i in range(len(split))],
                                              [[True] * len(split)] * len(index)))  # fmt: skip
    return {c: np.concatenate(v) for c, v in found.items()}


def _clustered_splits(conn: Connection, source, sums, filters, splits, basis_periods, catalog) -> Columns:
    """The splits of a clustered source: each from its own level of the customer rollup, all in one query, when
    the rollup answers every one; else all in one GROUPING SETS pass over its table of days (or raw rows)."""
    needed = [_needed_dims(source, filters, None) | set(split) for split in splits]
    found = catalog and catalog.plan_buckets(source, sums, needed, filters, _common_grain(basis_periods))
    if not found:
        days = catalog and catalog.plan_days(source, sums)
        return _grouping_sets(conn, days[0] if days else source, sums, filters, splits, basis_periods, None)
    rolled, read, levels = found
    dims = list(rolled.dims)
    sql, _, params = _splits_sql(rolled, read, filters, [tuple(dims)], basis_periods, None)
    fetched = conn.execute(sql, params).fetchnumpy()
    level = np.asarray(fetched[f"d{dims.index(rollups.LEVEL)}"], dtype=object)
    return _summed(fetched, dims, splits, [level == str(rolled_level) for rolled_level in levels])


def _run_splits(conn: Connection, source, sums, filters, splits, basis_periods, catalog=None) -> Columns:
    """Aggregate one source for several splits; a row's dim_value is its split's ((dimension, value), ...) pairs."""
    if source.cluster:
        return _clustered_splits(conn, source, sums, filters, splits, basis_periods, catalog)
    additive = not source.cluster and all(rollups.is_additive(expr) for expr in sums)
    run = _added_up if additive else _grouping_sets
    return run(conn, source, sums, filters, splits, basis_periods, catalog)


def _aggregate(
    conn: Connection, metrics: Sequence[Metric], plan: Plan | Mapping[str, Plan], run: Callable[..., Columns]
) -> dict[str, Columns]:
    """Each metric's named sums from one `run(connection, source, sums, basis_periods, bucket, catalog)` per source,
    shared by the metrics that read it with the same basis periods (`plan`: one for all, or one per metric id); the
    sources' queries run side by side where the connection allows (`cxmetrics.query.parallel`)."""
    plans = plan if isinstance(plan, Mapping) else dict.fromkeys((m.id for m in metrics), plan)
    # Parts with equal keys are computed by one query: same source, basis periods and bucketing. The basis periods
    # are numbered once per plan and kind of basis, so that keys stay small to hash.
    numbered: dict[tuple[Period, ...], int] = {}
    number_of: dict[tuple[int, str], int] = {}
    for metric in metrics:
        found = (id(plans[metric.id]), metric.basis)
        if found not in number_of:
            number_of[found] = numbered.setdefault(_bases(metric, plans[metric.id]), len(numbered))
    basis_lists = {number: list(found) for found, number in numbered.items()}
    keyed = [
        (m, p, (p.source.name, number_of[id(plans[m.id]), m.basis], _bucket(m, plans[m.id])))
        for m in metrics
        for p in m.parts
    ]
    aliases: dict[tuple, dict[str, str]] = {}
    for _, part, key in keyed:
        exprs = aliases.setdefault(key, {})
        for _, expr in part.sums:
            exprs.setdefault(expr, f"s{len(exprs)}")
    catalog = rollups.Catalog.of(conn)
    sources = {key: part.source for _, part, key in keyed}
    groups = [(key, g) for key, source in sources.items() for g in _period_groups(source, basis_lists[key[1]], key[2])]
    works = [
        partial(run, source=sources[key], sums=list(aliases[key]), basis_periods=[basis_lists[key[1]][i] for i in g],
                bucket=key[2], catalog=catalog)
        for key, g in groups
    ]  # fmt: skip
    results = _renumbered(groups, parallel.run_all(conn, works))
    return {m.id: _metric_sums([(p, results[k], aliases[k]) for x, p, k in keyed if x is m]) for m in metrics}


def _period_groups(source: Source, basis_periods: Sequence[Period], bucket: str | None) -> list[list[int]]:
    """The positions of the basis periods one query reads: all at once, but for a clustered source those that are
    one bucket of a calendar grain apart from the rest, which the customer rollup answers differently."""
    if not source.cluster or bucket is not None:
        return [list(range(len(basis_periods)))]
    groups: dict[str | None, list[int]] = {}
    for position, period in enumerate(basis_periods):
        groups.setdefault(rollups.bucket_grain(period), []).append(position)
    return list(groups.values())


def _renumbered(groups: list[tuple[tuple, list[int]]], parts: list[Columns]) -> dict[tuple, Columns]:
    """The results of each key's queries together, basis ids back to the positions of all its basis periods."""
    found: dict[tuple, list[Columns]] = {}
    for (key, positions), part in zip(groups, parts, strict=True):
        ids = np.asarray(positions, dtype=np.int64)[np.asarray(part["basis_id"], dtype=np.int64)]
        found.setdefault(key, []).append(part | {"basis_id": ids})
    return {key: {c: np.concatenate([p[c] for p in pieces]) for c in pieces[0]} for key, pieces in found.items()}


def aggregate(
    conn: Connection, metrics: Sequence[Metric], filters: Filters, plan: Plan | Mapping[str, Plan], by: str | None
) -> dict[str, Columns]:
    """Sums per (basis_id, dim_value) for each metric, as columns (numpy arrays: basis_id, dim_value and the
    metric's named sums), with one query per source shared by the metrics over it (`plan`: one for all, or one
    per metric id; metrics over one source share a query when their plans have the same basis periods)."""

    def run(on, source, sums, basis_periods, bucket, catalog) -> Columns:
        return _run_source(on, source, sums, filters, by, basis_periods, bucket, catalog)

    return _aggregate(conn, metrics, plan, run)


def aggregate_splits(
    conn: Connection,
    metrics: Sequence[Metric],
    filters: Filters,
    period_list: Sequence[Period],
    splits: Sequence[tuple[str, ...]],
) -> dict[str, Columns]:
    """Sums per (basis_id, split values) for each metric over a list of periods, for several splits at once (e.g.
    company-wide, by region, and by region and touchpoint): one query per source. A row's dim_value is the tuple of
    its split's (dimension, value) pairs, () for the total; missing values are labelled NONE_LABEL."""
    if not splits:
        raise ValueError("no splits asked for; () is the total")
    for metric in metrics:
        unknown = {d for split in splits for d in split} - set(metric.dimensions)
        if unknown:
            raise ValueError(f"metric {metric.id!r} cannot be split by {', '.join(sorted(unknown))}")

    def run(on, source, sums, basis_periods, bucket, catalog) -> Columns:
        return _run_splits(on, source, sums, filters, splits, basis_periods, catalog)

    return _aggregate(conn, metrics, Plan(tuple(period_list)), run)


def overlap_sums(
    conn: Connection, part: Part, filters: Filters, by: str | None, pairs: Sequence[tuple[Period, Period]]
) -> Columns:
    """The sums of an overlap part (a metric's `overlap`) over the units each pair of basis periods (a, b) shares,
    per pair and dimension value, in one query: columns pair_id, dim_value and the part's named sums."""
    params: dict = {}
    conditions, joins = _conditions(part.source, filters, params)
    conditions += [f"({part.source.where})"] if part.source.where else []
    dim = _dim_expr(part.source, by, joins)
    join_sql = " ".join(part.source.joins[j] for j in part.source.joins if j in joins)
    select = ", ".join(f"{expr} AS {name}" for name, expr in part.sums)
    sql = (
        f"WITH {pairs_relation(pairs, params)} SELECT p.pair_id, {dim} AS dim_value, {select} "  # noqa: S608
        f"FROM {part.source.from_sql} {join_sql} WHERE {' AND '.join(conditions) or 'TRUE'} GROUP BY ALL"
    )
    fetched = conn.execute(sql, params).fetchnumpy()
    columns = {name: _floats(fetched[name]) for name, _ in part.sums}
    return columns | {
        "pair_id": np.asarray(fetched["pair_id"], dtype=np.int64),
        "dim_value": np.asarray(fetched["dim_value"], dtype=object),
    }


def _metric_sums(parts: list[tuple[Part, Columns, dict[str, str]]]) -> Columns:
    """One metric's named sums per (basis_id, dim_value), parts merged (a missing part's counts are zero), the
    per-customer sums of a clustered part put beside the rows of the others."""
    clustered = [found for found in parts if found[0].source.cluster]
    columns = _plain_sums([found for found in parts if not found[0].source.cluster])
    for part, result, alias in clustered:
        keys = zip(result["basis_id"].tolist(), result["dim_value"].tolist(), strict=True)
        at = {key: i for i, key in enumerate(keys)}
        rows = zip(columns["basis_id"].tolist(), columns["dim_value"].tolist(), strict=True)
        picks = np.array([at.get(key, -1) for key in rows], dtype=np.int64)
        for name, expr in part.sums:
            values = np.asarray(result[alias[expr]], dtype=float)
            columns[name] = np.where(picks >= 0, values[np.maximum(picks, 0)] if len(values) else 0.0, 0.0)
    return columns


def _plain_sums(parts: list[tuple[Part, Columns, dict[str, str]]]) -> Columns:
    """The sums of parts that are not clustered, merged (a missing part's counts are zero)."""
    if len(parts) == 1:
        part, result, alias = parts[0]
        return {"basis_id": result["basis_id"], "dim_value": result["dim_value"]} | {
            name: result[alias[expr]] for name, expr in part.sums
        }
    merged: dict[tuple, dict[str, float]] = {}
    for part, result, alias in parts:
        for i, key in enumerate(zip(result["basis_id"].tolist(), result["dim_value"].tolist(), strict=True)):
            merged.setdefault(key, {}).update({name: result[alias[expr]][i] for name, expr in part.sums})
    keys = list(merged)
    columns = {
        "basis_id": np.array([k[0] for k in keys], dtype=np.int64),
        "dim_value": np.array([k[1] for k in keys], dtype=object),
    }
    for name in dict.fromkeys(name for part, _, _ in parts for name, _ in part.sums):
        values = np.array([merged[k].get(name, 0.0) for k in keys], dtype=float)
        columns[name] = np.where(np.isnan(values), 0.0, values)
    return columns
