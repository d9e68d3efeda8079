"""People & CX: eNPS and engagement by region or team, month by month, against the same units' customer NPS, and
how closely they move together (Pearson correlation with its n and a Fisher-z interval)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats as sps

from cxmetrics.db import Connection
from cxmetrics.display import withheld
from cxmetrics.filters import Filters
from cxmetrics.metrics.sources import ENGAGEMENT
from cxmetrics.query import frames as query
from cxmetrics.query.aggregate import scoped
from cxmetrics.stats import intervals as stats

UNITS: dict[str, str] = {"region": "Region", "team": "Team"}
MEASURES: dict[str, str] = {"engagement_index": "Engagement index", "enps": "eNPS"}
# The touchpoint whose customer NPS a team is held against; other teams match a touchpoint of the same name
# ('Field Service' -> 'field_service').
TEAM_TOUCHPOINTS: dict[str, str] = {"Account Management": "renewal"}
MIN_PAIRS = 12  # below this many unit-months a correlation is labelled too short to trust
FRAME_COLUMNS: tuple[str, ...] = (
    "month", "unit", "headcount", "enps", "engagement_index", "nps", "nps_low", "nps_high", "nps_n", "nps_suppressed",
)  # fmt: skip


def touchpoint_of(team: str) -> str:
    """The touchpoint a team answers for: the explicit mapping, else its name in lower case with underscores."""
    return TEAM_TOUCHPOINTS.get(team, team.strip().lower().replace(" ", "_"))


def _unit_column(by: str) -> str:
    if by not in UNITS:
        raise ValueError(f"unknown unit {by!r}; valid: {', '.join(UNITS)}")
    return f"e.{by}"


def engagement(conn: Connection, filters: Filters, by: str = "region") -> pd.DataFrame:
    """Headcount-weighted eNPS and engagement index per month and unit (region or team), with the headcount."""
    joins, where, params = scoped(ENGAGEMENT, filters)
    unit = _unit_column(by)
    sql = (
        f"SELECT CAST(e.month AS DATE) AS month, {unit} AS unit, sum(e.headcount) AS headcount, "  # noqa: S608
        "sum(e.enps * e.headcount) FILTER (WHERE e.enps IS NOT NULL) "
        "/ sum(e.headcount) FILTER (WHERE e.enps IS NOT NULL) AS enps, "
        "sum(e.engagement_index * e.headcount) FILTER (WHERE e.engagement_index IS NOT NULL) "
        "/ sum(e.headcount) FILTER (WHERE e.engagement_index IS NOT NULL) AS engagement_index "
        f"FROM {ENGAGEMENT.from_sql} {joins} WHERE {where} GROUP BY ALL ORDER BY 1, 2"
    )
    frame = conn.execute(sql, params).df()
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def customer_nps(conn: Connection, filters: Filters, by: str = "region") -> pd.DataFrame:
    """Monthly NPS per unit from the registry: by region, or by the touchpoint each team answers for."""
    frame = query.metric_frame(conn, "nps", filters, "month", by="region" if by == "region" else "touchpoint")
    frame = frame.rename(columns={"region" if by == "region" else "touchpoint": "key"})
    columns = {"period_start": "month", "value": "nps", "low": "nps_low", "high": "nps_high", "n": "nps_n"}
    return frame.rename(columns=columns | {"suppressed": "nps_suppressed"})[
        ["month", "key", "nps", "nps_low", "nps_high", "nps_n", "nps_suppressed"]
    ]


def unit_months(conn: Connection, filters: Filters, by: str = "region") -> pd.DataFrame:
    """One row per month and unit with engagement data: eNPS, engagement index, headcount and the unit's NPS
    (its interval, n and whether it is withheld below the minimum n); NPS is empty where the unit has none."""
    people = engagement(conn, filters, by)
    people["key"] = people["unit"] if by == "region" else people["unit"].map(touchpoint_of)
    merged = people.merge(customer_nps(conn, filters, by), on=["month", "key"], how="left")
    merged["nps_n"] = merged["nps_n"].fillna(0).astype("int64")
    merged["nps_suppressed"] = merged["nps_suppressed"].fillna(False).astype(bool)
    return merged[list(FRAME_COLUMNS)]


@dataclass(frozen=True)
class Correlation:
    """Pearson r of paired values, the number of pairs, its Fisher-z 95% interval and significance (withheld below
    the CX_MIN_N pairs, as every figure outside the registry)."""

    WITHHELD: ClassVar[withheld.Declaration] = withheld.Declaration(
        (withheld.Rule("n", ("r", "low", "high", "significant")),)
    )

    r: float
    n: int
    low: float
    high: float
    significant: bool | None

    @property
    def too_short(self) -> bool:
        """Whether there are too few pairs to trust the correlation."""
        return self.n < MIN_PAIRS


def correlation(x, y) -> Correlation:
    """Pearson r of the pairs where both values exist; NaN below 4 pairs or without variation (Fisher 1921 interval:
    atanh(r) +/- 1.96 / sqrt(n - 3))."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y, n = x[keep], y[keep], int(keep.sum())
    if n < 4 or np.std(x) == 0 or np.std(y) == 0:
        return Correlation(np.nan, n, np.nan, np.nan, False)
    r = float(np.corrcoef(x, y)[0, 1])
    half = stats.Z95 / np.sqrt(n - 3)
    centre = np.arctanh(np.clip(r, -0.999999, 0.999999))
    p_value = 2 * sps.t.sf(abs(r) * np.sqrt((n - 2) / max(1 - r * r, 1e-12)), n - 2)
    return Correlation(r, n, float(np.tanh(centre - half)), float(np.tanh(centre + half)), bool(p_value < stats.ALPHA))


def _usable(frame: pd.DataFrame) -> pd.DataFrame:
    """Unit-months with an NPS that is shown (not withheld for too few responses)."""
    return frame[frame["nps"].notna() & ~frame["nps_suppressed"]]


def pooled(frame: pd.DataFrame, measure: str = "engagement_index") -> Correlation:
    """The correlation of `measure` with NPS over every unit-month."""
    usable = _usable(frame)
    return correlation(usable[measure], usable["nps"])


def within_units(frame: pd.DataFrame, measure: str = "engagement_index") -> pd.DataFrame:
    """Per unit: months, mean headcount, the measure's and NPS's means, and their correlation over the months."""
    rows = []
    for unit, group in _usable(frame).groupby("unit", sort=True):
        link = correlation(group[measure], group["nps"])
        rows.append(
            {
                "unit": unit,
                "months": link.n,
                "headcount": float(group["headcount"].mean()),
                measure: float(group[measure].mean()),
                "nps": float(group["nps"].mean()),
                "r": link.r,
                "r_low": link.low,
                "r_high": link.high,
                "significant": link.significant,
            }
        )
    return pd.DataFrame(rows, columns=["unit", "months", "headcount", measure, "nps", "r", "r_low", "r_high",
                                       "significant"])  # fmt: skip


def strength(r: float) -> str:
    """Words for |r| (Cohen 1988: 0.1 weak, 0.3 moderate, 0.5 strong)."""
    size = abs(r)
    if size >= 0.5:
        return "strong"
    if size >= 0.3:
        return "moderate"
    return "weak" if size >= 0.1 else "no"


def link_sentence(link: Correlation, measure: str, by: str) -> str:
    """The link in one sentence: r, its interval, n and whether it is significant or too short to trust."""
    label, units = MEASURES[measure], UNITS[by].lower()
    if np.isnan(link.r):
        return f"Not enough {units}-months with both {label} and NPS to correlate them (n = {link.n})."
    verdict = "significant" if link.significant else "not significant"
    motion = "move together" if link.r > 0 else "move apart"
    if strength(link.r) == "no":
        motion = "show no link"
    sentence = (
        f"{label} and customer NPS {motion}: {strength(link.r)} correlation r = {link.r:+.2f} "
        f"(95% interval {link.low:+.2f} to {link.high:+.2f}) over n = {link.n} {units}-months, {verdict}."
    )
    if link.too_short:
        sentence += f" Fewer than {MIN_PAIRS} {units}-months: too short to trust."
    return sentence
