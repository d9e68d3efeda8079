"""The review week's survey responses against the weeks before it (the baseline): volumes by slice, unanswered
scores, answer distributions, and duplicate-looking submissions. Every count is aggregated in DuckDB under the
viewer's filters and access scope; only small tables of counts come back.

Loads are weekly, so the review week is the data of the latest load and its start the load boundary a changed scale
or answer mapping shows at (rows do not record the load that brought them, so the boundary is the week's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics.sources import RESPONSES
from cxmetrics.periods import Period
from cxmetrics.quality.thresholds import MIN_DUPLICATES, SHIFT_P_VALUE, Thresholds
from cxmetrics.query import aggregate
from cxmetrics.stats import drift

# The slices whose volume is watched: a survey trigger is set up per channel and touchpoint, often per region.
VOLUME_SPLITS: tuple[tuple[str, ...], ...] = (
    (), ("region",), ("touchpoint",), ("channel",), ("region", "channel"), ("region", "touchpoint"),
)  # fmt: skip
_SLICE_DIMS: tuple[str, ...] = ("region", "touchpoint", "channel")
SCORES: tuple[str, ...] = ("nps", "csat", "ces")
VOLUME_COLUMNS: tuple[str, ...] = ("region", "touchpoint", "channel", "week_responses", "usual_responses",
                                   "change_pct", "relative_change_pct", "flagged")  # fmt: skip
TOTAL_SPLIT = 7  # GROUPING(region, touchpoint, channel) of the all-responses row
ANSWER_COLUMNS: tuple[str, ...] = ("survey", "score", "responses", "missing_pct", "usual_missing_pct", "distance",
                                   "p_value", "missing_flagged", "shift_flagged")  # fmt: skip


@dataclass(frozen=True)
class Window:
    """The review week and the baseline weeks before it."""

    week: Period
    weeks: int

    @property
    def baseline_start(self):
        """The first day of the baseline."""
        return self.week.start - timedelta(weeks=self.weeks)

    def params(self) -> dict:
        """The bound parameters of the window: baseline start, week start, the day after the week."""
        return {"b0": self.baseline_start, "w0": self.week.start, "w1": self.week.end + timedelta(days=1)}


def _scoped(filters: Filters, params: dict) -> tuple[str, str]:
    """The joins (the customer's region included) and WHERE clause of the filters and scope over responses r."""
    joins, where, _ = aggregate.scoped(RESPONSES, filters, params, dims=("region",))
    return joins, where


def _volume_sql(joins: str, where: str) -> str:
    """Responses per slice in the week, and the median of its weekly counts over the baseline (a week without any
    counts 0)."""
    region, touchpoint, channel = (RESPONSES.dims[d].expr for d in _SLICE_DIMS)
    sets = ", ".join("(" + ", ".join(("week", *split)) + ")" for split in VOLUME_SPLITS)
    return f"""
        WITH answered AS (
            SELECT CAST(date_trunc('week', r.responded_at) AS DATE) AS week, {region} AS region,
                   {touchpoint} AS touchpoint, {channel} AS channel
            FROM responses r {joins}
            WHERE r.responded_at >= $b0 AND r.responded_at < $w1 AND {where}
        ), counted AS (
            SELECT week, region, touchpoint, channel, GROUPING(region, touchpoint, channel) AS split, count(*) AS n
            FROM answered GROUP BY GROUPING SETS ({sets})
        ), counts AS (
            SELECT * FROM counted
            WHERE (split & 4 = 4 OR region IS NOT NULL) AND (split & 2 = 2 OR touchpoint IS NOT NULL)
              AND (split & 1 = 1 OR channel IS NOT NULL)
        ), cells AS (SELECT DISTINCT split, region, touchpoint, channel FROM counts),
        weeks AS (
            SELECT CAST(unnest(generate_series(CAST($b0 AS TIMESTAMP), CAST($w0 AS TIMESTAMP), INTERVAL 7 DAY))
                   AS DATE) AS week
        )
        SELECT cells.split, cells.region, cells.touchpoint, cells.channel,
               coalesce(sum(counts.n) FILTER (WHERE weeks.week = $w0), 0) AS week_responses,
               coalesce(median(coalesce(counts.n, 0)) FILTER (WHERE weeks.week < $w0), 0) AS usual_responses
        FROM cells CROSS JOIN weeks
        LEFT JOIN counts ON counts.week = weeks.week AND counts.split = cells.split
             AND counts.region IS NOT DISTINCT FROM cells.region
             AND counts.touchpoint IS NOT DISTINCT FROM cells.touchpoint
             AND counts.channel IS NOT DISTINCT FROM cells.channel
        GROUP BY ALL
        ORDER BY cells.split DESC, cells.region, cells.touchpoint, cells.channel
    """  # noqa: S608 (identifiers from the source registry and the split allow-list)


def volumes(conn: Connection, filters: Filters, window: Window, limits: Thresholds) -> pd.DataFrame:
    """Per slice (all responses; region, touchpoint, channel; a region's channel or touchpoint): the week's
    responses, the usual week's (the baseline's median), the change in percent, the change beyond that of the other
    responses (the week's ratio to the usual over the others': a holiday week lowers every slice alike, a broken
    trigger its own slice), and whether it is a fall beyond the threshold: all responses by their change, a slice by
    its change beyond the others'."""
    params = window.params()
    joins, where = _scoped(filters, params)
    frame = conn.execute(_volume_sql(joins, where), params).df()
    week, usual = frame["week_responses"].astype(float), frame["usual_responses"].astype(float)
    total = frame["split"] == TOTAL_SPLIT
    week_all, usual_all = (week[total].sum(), usual[total].sum()) if total.any() else (0.0, 0.0)
    ratio = week / usual.where(usual > 0)
    others = (week_all - week) / (usual_all - usual).where(usual_all - usual > 0)
    frame["change_pct"] = (100 * (ratio - 1)).round(1)
    frame["relative_change_pct"] = (100 * (ratio / others.where(others > 0) - 1)).round(1).where(~total)
    fell = frame["change_pct"].where(total, frame["relative_change_pct"]) <= -limits.volume_drop_pct
    frame["flagged"] = (usual >= limits.volume_min) & fell
    return frame[list(VOLUME_COLUMNS)]


def _answers_sql(joins: str, where: str) -> str:
    """Answers of each score per survey and value (NULL: unanswered), in the week and in the baseline."""
    return f"""
        SELECT r.survey, s.score, s.value,
               count(*) FILTER (WHERE r.responded_at >= $w0) AS week_n,
               count(*) FILTER (WHERE r.responded_at < $w0) AS usual_n
        FROM responses r {joins},
             LATERAL (VALUES ('nps', r.nps), ('csat', r.csat), ('ces', r.ces)) AS s(score, value)
        WHERE r.responded_at >= $b0 AND r.responded_at < $w1 AND {where}
        GROUP BY ALL
    """  # noqa: S608 (identifiers from the source registry)


def _judge(counts: pd.DataFrame, limits: Thresholds) -> dict:
    """One survey's score: its unanswered shares and the shift of its answered values, judged."""
    answered = counts[counts["value"].notna()].sort_values("value")
    week_total, usual_total = counts["week_n"].sum(), counts["usual_n"].sum()
    week_missing = counts.loc[counts["value"].isna(), "week_n"].sum()
    usual_missing = counts.loc[counts["value"].isna(), "usual_n"].sum()
    missing_pct = 100 * week_missing / week_total if week_total else None
    usual_pct = 100 * usual_missing / usual_total if usual_total else None
    moved = drift.shift(answered["week_n"].to_numpy(), answered["usual_n"].to_numpy())
    enough = answered["week_n"].sum() >= limits.min_n and answered["usual_n"].sum() >= limits.min_n
    return {
        "responses": int(week_total),
        "missing_pct": missing_pct,
        "usual_missing_pct": usual_pct,
        "distance": round(moved.distance, 3),
        "p_value": moved.p_value,
        "missing_flagged": bool(
            week_total >= limits.min_n
            and usual_pct is not None
            and missing_pct - usual_pct >= limits.missing_rise_points
        ),
        "shift_flagged": bool(
            enough
            and moved.values_changed
            and moved.distance >= limits.shift_distance
            and moved.p_value < SHIFT_P_VALUE
        ),
    }


def answers(
    conn: Connection, filters: Filters, window: Window, limits: Thresholds
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per survey and score: the week's unanswered share against the baseline's, and the distance of its answers'
    distribution from the baseline's; and the counts per value they rest on."""
    params = window.params()
    joins, where = _scoped(filters, params)
    counts = conn.execute(_answers_sql(joins, where), params).df()
    rows = [
        {"survey": survey, "score": score, **_judge(group, limits)}
        for (survey, score), group in counts.groupby(["survey", "score"], sort=True)
        if group["week_n"].sum() > 0 and not (group["value"].isna().all())
    ]
    return pd.DataFrame(rows, columns=list(ANSWER_COLUMNS)), counts


def duplicates(conn: Connection, filters: Filters, window: Window, limits: Thresholds) -> int:
    """Responses of the week sent by a customer who sent the same survey with the same NPS, CSAT and CES answers at
    most `duplicate_minutes` before."""
    params = {"w0": window.week.start, "w1": window.params()["w1"], "minutes": limits.duplicate_minutes}
    joins, where = _scoped(filters, params)
    sql = f"""
        WITH ordered AS (
            SELECT r.responded_at,
                   lag(r.responded_at) OVER (PARTITION BY r.customer_id, r.survey, r.nps, r.csat, r.ces
                                             ORDER BY r.responded_at, r.response_id) AS previous_at
            FROM responses r {joins}
            WHERE r.customer_id IS NOT NULL AND r.responded_at >= $w0 - to_minutes($minutes)
              AND r.responded_at < $w1 AND {where}
        )
        SELECT count(*) FROM ordered
        WHERE responded_at >= $w0 AND previous_at >= responded_at - to_minutes($minutes)
    """  # noqa: S608 (identifiers from the source registry)
    return int(conn.execute(sql, params).fetchone()[0])


def duplicates_flagged(found: int, responses: int, limits: Thresholds) -> bool:
    """Whether the week's duplicate-looking responses are enough to flag (in a week of at least the minimum n)."""
    return found >= MIN_DUPLICATES and responses >= limits.min_n and 100 * found / responses >= limits.duplicate_pct
