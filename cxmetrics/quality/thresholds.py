"""The data-quality thresholds, read once from the settings registry (`CX_QUALITY_*`, `CX_MIN_N`)."""

from __future__ import annotations

from dataclasses import dataclass

from cxmetrics import config

# The chi-square p-value an answer distribution's shift must beat besides its size (a fixed, strict level: a week is
# compared with its baseline on every score of every survey).
SHIFT_P_VALUE = 0.001
MIN_DUPLICATES = 2


@dataclass(frozen=True)
class Thresholds:
    """Every threshold the checks apply."""

    as_of: str
    weekly_late_days: int
    weekly_stale_days: int
    monthly_late_days: int
    monthly_stale_days: int
    baseline_weeks: int
    volume_drop_pct: float
    volume_min: int
    missing_rise_points: float
    duplicate_minutes: int
    duplicate_pct: float
    shift_distance: float
    rejects_pct: float
    min_n: int

    def late_days(self, cadence: str) -> tuple[int, int]:
        """The days behind after which a table of `cadence` ('week' or 'month') is late, and stale."""
        if cadence == "week":
            return self.weekly_late_days, self.weekly_stale_days
        return self.monthly_late_days, self.monthly_stale_days


def current() -> Thresholds:
    """The thresholds as configured now (environment, then secrets, then defaults)."""
    return Thresholds(
        as_of=str(config.get("CX_QUALITY_AS_OF")),
        weekly_late_days=int(config.get("CX_QUALITY_WEEKLY_LATE_DAYS")),
        weekly_stale_days=int(config.get("CX_QUALITY_WEEKLY_STALE_DAYS")),
        monthly_late_days=int(config.get("CX_QUALITY_MONTHLY_LATE_DAYS")),
        monthly_stale_days=int(config.get("CX_QUALITY_MONTHLY_STALE_DAYS")),
        baseline_weeks=int(config.get("CX_QUALITY_BASELINE_WEEKS")),
        volume_drop_pct=float(config.get("CX_QUALITY_VOLUME_DROP_PCT")),
        volume_min=int(config.get("CX_QUALITY_VOLUME_MIN")),
        missing_rise_points=float(config.get("CX_QUALITY_MISSING_RISE_POINTS")),
        duplicate_minutes=int(config.get("CX_QUALITY_DUPLICATE_MINUTES")),
        duplicate_pct=float(config.get("CX_QUALITY_DUPLICATE_PCT")),
        shift_distance=float(config.get("CX_QUALITY_SHIFT_DISTANCE")),
        rejects_pct=float(config.get("CX_QUALITY_REJECTS_PCT")),
        min_n=int(config.get("CX_MIN_N")),
    )
