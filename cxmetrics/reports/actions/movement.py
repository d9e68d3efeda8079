"""An action's metric in its slice: the baseline captured when it is recorded, and its movement since.

Both readings come from the metric registry (the metric's own sums, estimate and interval, through
`query.period_frames`), and the movement's significance is the registry's change test of the metric (for NPS the
adjusted-Wald z of DESIGN.md section 4), called significant at |z| >= 1.96 with at least the metric's minimum n on
both sides. An action names its metric and slice before the data that will judge it arrives, so each action is one
planned comparison, not one of a scan's many: "what changed" needs a false-discovery control over the hundred-odd
comparisons it scans each week, an action does not.

The baseline is the 4 weeks ending with the review week the action was recorded in (one week has too few answers in
a slice); "now" is the latest 4 complete weeks after the baseline (fewer while fewer have passed), so the two samples
never overlap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.display.tiles import change_text, is_missing
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.metrics.registry import METRICS, Metric, get_metric, minimum_n
from cxmetrics.periods import Period
from cxmetrics.query import frames
from cxmetrics.query.aggregate import sum_columns
from cxmetrics.query.moves import CX_METRICS

WINDOW_WEEKS = 4
# Metrics an action can track: sampled scores of events (responses, complaints, contacts, follow-ups), which a
# weekly window measures and the registry can test; the headline CX scores first.
ACTION_METRICS: tuple[str, ...] = tuple(
    dict.fromkeys([*CX_METRICS, *(m.id for m in METRICS if m.basis == "event" and m.sampled)])
)
_FILTER_FIELDS = {"region": "regions", "segment": "segments", "touchpoint": "touchpoints", "channel": "channels"}


@dataclass(frozen=True)
class Reading:
    """The metric in a slice over one period: value and 95% interval (None under the minimum n), n, and its sums."""

    start: date
    end: date
    value: float | None
    low: float | None
    high: float | None
    n: int
    sums: Mapping[str, float]

    def columns(self) -> dict[str, Any]:
        """The baseline columns of the actions table."""
        return {
            "baseline_value": self.value,
            "baseline_low": self.low,
            "baseline_high": self.high,
            "baseline_n": self.n,
            "baseline_start": self.start,
            "baseline_end": self.end,
        }


@dataclass(frozen=True)
class Movement:
    """How an action's metric moved since its baseline: both readings, the change, its test, and the sentence."""

    baseline: Reading | None
    now: Reading | None
    delta: float | None
    z: float | None
    significant: bool | None
    verdict: str
    sentence: str


# --- slices and periods -----------------------------------------------------------------------------------------------


def slice_filters(slice_: Mapping[str, str], scope: AccessScope) -> Filters:
    """The filters of an action's slice (each chosen dimension at its one value) under the viewer's scope."""
    return Filters(scope=scope, **{_FILTER_FIELDS[dim]: (value,) for dim, value in slice_.items() if value})


def slice_text(slice_: Mapping[str, str]) -> str:
    """The slice in words: 'billing, EMEA', 'EMEA, SMB, email channel'; 'company-wide' for none."""
    chosen = {dim: value for dim, value in slice_.items() if value}
    parts = [chosen[d].replace("_", " ") for d in ("touchpoint", "region", "segment") if d in chosen]
    parts += [f"{chosen['channel'].replace('_', ' ')} channel"] if "channel" in chosen else []
    return ", ".join(parts) or "company-wide"


def subject(metric: Metric, slice_: Mapping[str, str]) -> str:
    """'Transactional NPS at billing, EMEA'; 'Relationship NPS, company-wide'."""
    chosen = {dim: value for dim, value in slice_.items() if value}
    if "touchpoint" in chosen:
        rest = slice_text({d: v for d, v in chosen.items() if d != "touchpoint"})
        where = chosen["touchpoint"].replace("_", " ")
        return f"{metric.label} at {where}" + ("" if rest == "company-wide" else f", {rest}")
    return f"{metric.label}, {slice_text(chosen)}"


def baseline_period(week: Period) -> Period:
    """The baseline of an action recorded in the review of `week`: the 4 weeks ending with it."""
    return periods.rolling_weeks(week, WINDOW_WEEKS)


def now_period(baseline_end: date, latest_week: Period) -> Period | None:
    """The latest 4 complete weeks after the baseline (fewer while fewer have passed); None before a week has."""
    start = max(baseline_end + timedelta(days=1), latest_week.end - timedelta(weeks=WINDOW_WEEKS) + timedelta(days=1))
    return Period("range", start, latest_week.end) if start <= latest_week.end else None


def span(start: date, end: date) -> str:
    """'19 Oct – 15 Nov 2026'."""
    return f"{start:%-d %b} – {end:%-d %b %Y}"


# --- readings --------------------------------------------------------------------------------------------------------


def _missing(value: Any) -> float | None:
    return None if is_missing(value) else float(value)


def readings(
    conn: Connection, metric_id: str, slice_: Mapping[str, str], chosen: Sequence[Period], scope: AccessScope
) -> list[Reading]:
    """The metric in the slice over each period, from the registry (n = 0 where there were no answers)."""
    metric = get_metric(metric_id)
    frame = frames.period_frames(conn, [metric_id], slice_filters(slice_, scope), chosen, with_targets=False)[metric_id]
    rows = {(r["period_start"], r["period_end"]): r for r in frame.to_dict("records")}
    found = []
    for period in chosen:
        row = rows.get((period.start, period.end), {})
        sums = {c: float(row.get(c, 0.0) or 0.0) for c in sum_columns(metric)}
        found.append(
            Reading(
                period.start,
                period.end,
                _missing(row.get("value")),
                _missing(row.get("low")),
                _missing(row.get("high")),
                int(row.get("n", 0) or 0),
                sums,
            )
        )
    return found


def baseline(
    conn: Connection, metric_id: str, slice_: Mapping[str, str], week: Period, scope: AccessScope | None = None
) -> Reading:
    """The baseline an action records: the metric in its slice over the 4 weeks ending with `week`."""
    return readings(conn, metric_id, slice_, [baseline_period(week)], scope or AccessScope())[0]


def _test(metric: Metric, now: Reading, then: Reading) -> tuple[float | None, bool | None]:
    """The registry's change test of now - then: (z, significant); (None, None) under the minimum n on a side."""
    if min(now.n, then.n) < minimum_n(metric):
        return None, None
    as_arrays = [{c: np.array([v]) for c, v in r.sums.items()} for r in (now, then)]
    test = metric.estimate.test(*as_arrays)
    z = float(np.asarray(test.statistic, dtype=float).reshape(-1)[0])
    return (None, None) if np.isnan(z) else (z, bool(np.asarray(test.significant).reshape(-1)[0]))


def _verdict(direction: str, delta: float | None, significant: bool | None) -> str:
    if significant is None or delta is None:
        return "too few responses to tell"
    if not significant:
        return "no significant change yet"
    return "moving as intended" if (delta > 0) == (direction == "up") else "moving the wrong way"


def measure(conn: Connection, action: Mapping[str, Any], latest_week: Period | None, scope: AccessScope) -> Movement:
    """The movement of an action's metric since its baseline: the stored baseline against the latest weeks after it
    (the test reads both periods' sums from the registry now)."""
    metric = get_metric(action["metric"])
    slice_ = {dim: action.get(dim) or "" for dim in _FILTER_FIELDS}
    head = subject(metric, slice_)
    if metric.id not in ACTION_METRICS:  # a row loaded from a file may name any metric of the registry
        sentence = f"{head}: not tracked (an action's metric is a sampled score of events, measured by the week)."
        return Movement(None, None, None, None, None, "not tracked", sentence)
    start, end = action.get("baseline_start"), action.get("baseline_end")
    if is_missing(start) or is_missing(end):
        return Movement(None, None, None, None, None, "no baseline", f"{head}: no baseline was recorded.")
    base = Period("range", _day(start), _day(end))
    after = now_period(base.end, latest_week) if latest_week else None
    if after is None:
        sentence = f"{head}: {_value(metric, action.get('baseline_value'))} at creation; no complete week since."
        return Movement(None, None, None, None, None, "no complete week since", sentence)
    then, now = readings(conn, metric.id, slice_, [base, after], scope)
    stored = _missing(action.get("baseline_value"))
    delta = None if now.value is None or then.value is None else now.value - then.value
    z, significant = _test(metric, now, then)
    verdict = _verdict(str(action.get("direction")), delta, significant)
    sentence = _sentence(metric, head, stored, then, now, delta, significant)
    return Movement(then, now, delta, z, significant, verdict, sentence)


def _day(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _value(metric: Metric, value: Any) -> str:
    return "withheld (too few responses)" if is_missing(value) else metric.format(float(value))


def _sentence(
    metric: Metric,
    head: str,
    stored: float | None,
    then: Reading,
    now: Reading,
    delta: float | None,
    significant: bool | None,
) -> str:
    """'Transactional NPS at billing, EMEA: -18 at creation, +4 now, +22 pts, significant (n = 310 then, 295 now)';
    a baseline period whose data a later load restated is said so (the change is from what it reads now)."""
    shown_now = _value(metric, now.value) if now.n else "no responses"
    text = f"{head}: {_value(metric, stored)} at creation, {shown_now} now"
    if delta is not None:
        text += f", {change_text(metric, delta)}"
    said = "too few responses to tell" if significant is None else ("significant" if significant else "not significant")
    text += f", {said} (n = {then.n:,} then, {now.n:,} now)"
    if _value(metric, then.value) != _value(metric, stored):
        text += f"; the baseline weeks now read {_value(metric, then.value)} after later loads"
    return text + "."
