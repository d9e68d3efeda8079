"""Key drivers of NPS for a scope and period: inputs pivoted and aggregated in DuckDB, statistics in `drivers`.

One query per analysis: the attribute ratings are pivoted to one row per response (complete cases only: every
attribute rated and an NPS answer), and summed per random group of responses into sufficient statistics (count,
sums, squares, cross-products and top-2-box counts). No response row leaves DuckDB; the bootstrap resamples the
groups in numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import ClassVar

import numpy as np
import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.display import withheld
from cxmetrics.filters import Filters
from cxmetrics.metrics.sources import ATTRIBUTE_RATINGS, Source
from cxmetrics.periods import Period
from cxmetrics.query import facts, memo, rollups
from cxmetrics.query.aggregate import NONE_LABEL, scoped
from cxmetrics.stats import importance as drivers

GROUPS = 500
WINDOW_MONTHS = 12
TOP_BOX = 4
PERFORMANCE = {"mean_rating": "Mean rating (1-5)", "top2_pct": "Top-2-box (% rating 4-5)"}


@dataclass(frozen=True)
class DriverAnalysis:
    """Relative importance of the attributes for NPS in one scope: weights with intervals, R-squared, n (nothing
    shown under its own minimum n, `min_n`)."""

    WITHHELD: ClassVar[withheld.Declaration] = withheld.Declaration(
        (withheld.Rule("n", ("r_squared",), minimum_column="min_n"),)
    )

    scope: str
    window: Period
    attributes: tuple[str, ...]
    n: int
    min_n: int
    r_squared: float
    table: pd.DataFrame
    resamples: int

    @property
    def enough(self) -> bool:
        """Whether there are enough complete responses to show numbers."""
        return bool(self.attributes) and self.n >= self.min_n and not np.isnan(self.r_squared)


def window(end: date, months: int = WINDOW_MONTHS) -> Period:
    """The `months` months ending on `end` (the driver analysis window)."""
    first = pd.Timestamp(end) - pd.DateOffset(months=months) + pd.Timedelta(days=1)
    return Period("range", first.date(), end)


def attributes(conn: Connection) -> tuple[str, ...]:
    """The rated attributes in the data, sorted (read once per read-only connection)."""
    sql = "SELECT DISTINCT attribute FROM response_attributes WHERE attribute IS NOT NULL ORDER BY 1"
    return memo.remembered(conn, "driver_attributes", lambda: tuple(r[0] for r in conn.execute(sql).fetchall()))


def ratings_source(ratings: str = facts.DRIVER_RESPONSES.sql.join("()")) -> Source:
    """The rated responses with their NPS, time, dimensions and map of ratings, read from `ratings` (the relation of
    `facts.DRIVER_RESPONSES`: its table, or its SQL over raw rows) as alias r."""
    return replace(ATTRIBUTE_RATINGS, from_sql=f"{ratings} r", where="")


def moments_sql(
    names: tuple[str, ...], filters: Filters, period: Period, by: str | None = None, source: Source | None = None
) -> tuple[str, dict]:
    """The pivot-and-sum query over `source` (`ratings_source()`): one row per group of complete responses (and
    value of `by`) with its sufficient statistics."""
    source = source or ratings_source()
    params: dict = {"t0": period.start, "t1": period.end + timedelta(days=1), "groups": GROUPS}
    join_sql, where, params = scoped(source, filters, params)
    part = "''"
    if by is not None:
        dim = source.dims[by]
        part = f"coalesce(CAST({dim.expr} AS VARCHAR), '{NONE_LABEL}')"
        missing = [source.joins[j] for j in dim.joins if source.joins[j] not in join_sql]
        join_sql = " ".join([join_sql, *missing])
    p = len(names)
    params |= {f"a{i}": name for i, name in enumerate(names)}
    pivot = ", ".join(f"CAST(r.ratings[$a{i}] AS DOUBLE) AS x{i}" for i in range(p))
    sums = [f"sum(x{i}) AS sx{i}" for i in range(p)]
    sums += [f"sum(x{i} * x{j}) AS sxx{i}_{j}" for i in range(p) for j in range(i, p)]
    sums += [f"sum(x{i} * y) AS sxy{i}" for i in range(p)]
    sums += [f"count(*) FILTER (WHERE x{i} >= {TOP_BOX}) AS top{i}" for i in range(p)]
    complete = " AND ".join(f"x{i} IS NOT NULL" for i in range(p))
    sql = (
        f"WITH wide AS (SELECT r.response_id, {part} AS part, "  # noqa: S608
        f"CAST(r.nps AS DOUBLE) AS y, {pivot} FROM {source.from_sql} {join_sql} "
        f"WHERE r.responded_at >= $t0 AND r.responded_at < $t1 AND {where}) "
        f"SELECT part, hash(response_id) % $groups AS g, count(*) AS n, sum(y) AS sy, sum(y * y) AS syy, "
        f"{', '.join(sums)} FROM wide WHERE {complete} GROUP BY part, g ORDER BY part, g"
    )
    return sql, params


@dataclass(frozen=True)
class GroupRows:
    """The query's rows: the value of the split, the group, and the statistics as columns."""

    part: np.ndarray
    group: np.ndarray
    columns: dict[str, np.ndarray]

    def moments(self, names: tuple[str, ...], part: str | None = None) -> tuple[drivers.Moments, np.ndarray]:
        """Sufficient statistics per group (summed over the split's values, or of one value) and top-2-box counts."""
        keep = np.ones(len(self.group), dtype=bool) if part is None else self.part == part
        groups, index = np.unique(self.group[keep], return_inverse=True)
        cols = {}
        for name, values in self.columns.items():
            cols[name] = np.zeros(len(groups))
            np.add.at(cols[name], index, values[keep])
        p = len(names)
        sxx = np.zeros((len(groups), p, p))
        for i in range(p):
            for j in range(i, p):
                sxx[:, i, j] = sxx[:, j, i] = cols[f"sxx{i}_{j}"]
        moments = drivers.Moments(
            cols["n"], _stack(cols, "sx", p), cols["sy"], sxx, _stack(cols, "sxy", p), cols["syy"]
        )
        return moments, _stack(cols, "top", p)


def group_rows(
    conn: Connection, names: tuple[str, ...], filters: Filters, period: Period, by: str | None = None
) -> GroupRows:
    """Run the pivot-and-sum query."""
    sql, params = moments_sql(
        names, filters, period, by, ratings_source(rollups.relation(conn, facts.DRIVER_RESPONSES))
    )
    fetched = conn.execute(sql, params).fetchnumpy()
    columns = {k: np.asarray(v, dtype=float) for k, v in fetched.items() if k not in ("part", "g")}
    return GroupRows(np.asarray(fetched["part"], dtype=object), np.asarray(fetched["g"], dtype=np.int64), columns)


def group_moments(
    conn: Connection, names: tuple[str, ...], filters: Filters, period: Period
) -> tuple[drivers.Moments, np.ndarray]:
    """Sufficient statistics per group and the top-2-box counts per group (g, p)."""
    return group_rows(conn, names, filters, period).moments(names)


def _stack(columns: dict[str, np.ndarray], prefix: str, p: int) -> np.ndarray:
    """Columns prefix0 .. prefix{p-1} side by side (groups, p)."""
    return np.stack([columns[f"{prefix}{i}"] for i in range(p)], axis=1)


def analyse(
    conn: Connection, filters: Filters, end: date, scope: str = "", resamples: int = drivers.BOOTSTRAP_RESAMPLES
) -> DriverAnalysis:
    """Johnson's relative weights with bootstrap intervals, Shapley values (<= 10 drivers) and performance, over
    the 12 months ending on `end`, for the filters (touchpoint does not apply: relationship ratings)."""
    names, period = attributes(conn), window(end)
    if not names:
        return _from_moments(scope, period, names, None, resamples)
    return _from_moments(scope, period, names, group_moments(conn, names, filters, period), resamples)


def analyse_with_slice(
    conn: Connection, filters: Filters, end: date, scope: str, dimension: str, value: str | None
) -> tuple[DriverAnalysis, ...]:
    """The analysis under the filters and, when `value` is given, for that region or segment within them, from one
    pass over the ratings (the slice's groups are a subset of the same rows)."""
    names, period = attributes(conn), window(end)
    if not names or value is None:
        return (analyse(conn, filters, end, scope),)
    rows = group_rows(conn, names, filters, period, dimension)
    return (
        _from_moments(scope, period, names, rows.moments(names), drivers.BOOTSTRAP_RESAMPLES),
        _from_moments(value, period, names, rows.moments(names, value), drivers.BOOTSTRAP_RESAMPLES),
    )


def _from_moments(scope, period, names, found, resamples) -> DriverAnalysis:
    """The analysis of one scope from its group statistics (None without attributes)."""
    minimum = drivers.min_n(len(names))
    if found is None:
        return DriverAnalysis(scope, period, (), 0, minimum, float("nan"), _empty_table(), 0)
    moments, top = found
    n = int(moments.n.sum())
    if n < minimum:
        return DriverAnalysis(scope, period, names, n, minimum, float("nan"), _empty_table(), 0)
    total = moments.total()
    rxx, rxy = (a[0] for a in drivers.correlations(total))
    weights = drivers.relative_weights(rxx, rxy)
    low, high = drivers.percentile_interval(drivers.bootstrap_weights(moments, resamples))
    table = pd.DataFrame(
        {
            "attribute": names,
            "weight": weights,
            "low": low,
            "high": high,
            "share_pct": 100 * weights / weights.sum(),
            "shapley": drivers.shapley(rxx, rxy) if len(names) <= drivers.MAX_SHAPLEY_DRIVERS else np.nan,
            "mean_rating": total.sx[0] / n,
            "top2_pct": 100 * top.sum(axis=0) / n,
        }
    )
    table["rank"] = table["weight"].rank(ascending=False, method="first").astype("Int64")
    table = table.sort_values("rank", ignore_index=True)
    return DriverAnalysis(scope, period, names, n, minimum, float(np.nansum(weights)), table, resamples)


def _empty_table() -> pd.DataFrame:
    columns = ["attribute", "weight", "low", "high", "share_pct", "shapley", "mean_rating", "top2_pct", "rank"]
    return pd.DataFrame({c: pd.Series(dtype=object if c == "attribute" else float) for c in columns})


def priority(table: pd.DataFrame, performance: str = "mean_rating") -> pd.DataFrame:
    """The importance-performance matrix: importance (share of R-squared) against `performance`, with quadrants (cut
    at the medians, `stats.importance.quadrant_cuts`)."""
    if performance not in PERFORMANCE:
        raise ValueError(f"unknown performance measure {performance!r}; valid: {', '.join(PERFORMANCE)}")
    matrix = table[["attribute", "share_pct", performance]].rename(columns={performance: "performance"})
    quadrants = drivers.quadrant(matrix["share_pct"].to_numpy(), matrix["performance"].to_numpy())
    return matrix.assign(quadrant=quadrants)


def label(attribute: str) -> str:
    """An attribute as people read it: 'billing_accuracy' -> 'Billing accuracy'."""
    return attribute.replace("_", " ").capitalize()


def fix_first(matrix: pd.DataFrame) -> pd.Series | None:
    """The most important driver, of those with at least the median importance, that performs below the median; None
    when there is none."""
    fix = matrix[matrix["quadrant"] == "Fix first"].sort_values("share_pct", ascending=False)
    return None if fix.empty else fix.iloc[0]


def fix_first_sentence(matrix: pd.DataFrame) -> str:
    """One sentence naming the driver to fix first (`fix_first`)."""
    top = fix_first(matrix)
    if top is None:
        return (
            "No driver with at least the median importance performs below the median of the attributes: nothing to "
            "fix first."
        )
    return (
        f"Fix first: {label(top['attribute'])}. It explains {top['share_pct']:.0f}% of the explained variation in "
        f"NPS, at least the median driver's share, yet performs below the median of the attributes."
    )


def ranking_sentence(analysis: DriverAnalysis) -> str:
    """The drivers in order of importance, with their share of the explained variance."""
    parts = [f"{label(r.attribute)} {r.share_pct:.0f}%" for r in analysis.table.itertuples(index=False)]
    return "Most important first: " + ", ".join(parts) + "."


def cross_check(analysis: DriverAnalysis) -> pd.DataFrame:
    """Relative weights with their interval beside the Shapley values, per driver, as shown."""
    table = analysis.table
    return pd.DataFrame(
        {
            "Driver": [label(a) for a in table["attribute"]],
            "Relative weight": table["weight"],
            "95% low": table["low"],
            "95% high": table["high"],
            "Shapley value": table["shapley"],
            "Share of R² (%)": table["share_pct"],
        }
    )


def scope_label(filters: Filters) -> str:
    """How the analysis under the global filters is named: 'Company', or the customers the filters select."""
    chosen = [" or ".join(v) for d, v in sorted(filters.selections().items()) if d in ("region", "segment", "industry")]
    if chosen:
        return ", ".join(chosen)
    allowed = filters.scope.restrictions().values()
    return "Company" if filters.scope.unrestricted else ", ".join(v for values in allowed for v in values)
