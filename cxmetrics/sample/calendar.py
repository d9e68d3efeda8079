"""The sample world's calendar: the time window, day weights for activity, event profiles and timestamp helpers."""

from __future__ import annotations

import numpy as np

WINDOW_START = np.datetime64("2023-11-01", "D")
LAST_DAY = np.datetime64("2026-11-15", "D")
END = LAST_DAY + 1
N_DAYS = int((END - WINDOW_START).astype(np.int64))
CLOSED_MONTHS = 36
SIM_MONTHS = CLOSED_MONTHS + 1
OLDEST_SIGNUP = np.datetime64("2018-01-01", "D")

# Share of the day's activity by hour (local business hours, a little in the evening).
_HOUR_WEIGHTS = np.array(
    [
        0.2,
        0.1,
        0.1,
        0.1,
        0.2,
        0.4,
        1.0,
        2.5,
        5.0,
        7.5,
        8.5,
        8.5,
        7.0,
        7.5,
        8.5,
        8.0,
        7.0,
        5.5,
        3.5,
        2.5,
        2.0,
        1.5,
        1.0,
        0.5,
    ]
)
HOUR_CUMULATIVE = np.cumsum(_HOUR_WEIGHTS) / _HOUR_WEIGHTS.sum()


def month_starts() -> np.ndarray:
    """Day index (from WINDOW_START) of the first day of each simulated month, plus the end of the window."""
    months = np.arange(np.datetime64("2023-11", "M"), np.datetime64("2023-11", "M") + SIM_MONTHS + 1)
    starts = (months.astype("datetime64[D]") - WINDOW_START).astype(np.int64)
    starts[-1] = N_DAYS
    return starts


MONTH_STARTS = month_starts()
MONTH_OF_YEAR = np.array([(10 + m) % 12 + 1 for m in range(SIM_MONTHS)])
MONTH_DATES = np.arange(np.datetime64("2023-11", "M"), np.datetime64("2023-11", "M") + CLOSED_MONTHS).astype(
    "datetime64[D]"
)


def day_dates() -> np.ndarray:
    """Every date of the window."""
    return WINDOW_START + np.arange(N_DAYS)


def day_weights() -> np.ndarray:
    """Relative activity of each day: quiet weekends, August and the last week of December."""
    dates = day_dates()
    weekday = (dates.astype(np.int64) + 3) % 7
    weights = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.3, 0.2))
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    weights = np.where(month == 8, weights * 0.8, weights)
    weights = np.where((month == 12) & (day >= 24), weights * 0.3, weights)
    return np.where((month == 1) & (day == 1), weights * 0.3, weights)


DAY_WEIGHTS = day_weights()
DAY_CUMULATIVE = np.concatenate([[0.0], np.cumsum(DAY_WEIGHTS)])
# Weight of an ordinary month: a rate "per month" means per this much day weight.
MONTH_WEIGHT = float(np.mean(np.diff(DAY_CUMULATIVE[MONTH_STARTS[: CLOSED_MONTHS + 1]])))


def profile(knots: tuple[tuple[int, float], ...], start: str) -> np.ndarray:
    """Per-day intensity (0..1) of an event: piecewise linear through (days after start, value) knots, 0 before."""
    offset = int(day_index(np.datetime64(start, "D")))
    days = np.arange(N_DAYS) - offset
    xs = np.array([k[0] for k in knots], dtype=float)
    ys = np.array([k[1] for k in knots], dtype=float)
    return np.where(days < 0, 0.0, np.interp(days, xs, ys))


def monthly_mean(per_day: np.ndarray) -> np.ndarray:
    """Mean of a per-day series over each simulated month."""
    sums = np.add.reduceat(per_day, MONTH_STARTS[:-1])
    return sums / np.diff(MONTH_STARTS)


def active_weight(start_day: np.ndarray, end_day: np.ndarray) -> np.ndarray:
    """Activity weight of [start_day, end_day) in ordinary months (0 when empty)."""
    end_day = np.maximum(end_day, start_day)
    return (DAY_CUMULATIVE[end_day] - DAY_CUMULATIVE[start_day]) / MONTH_WEIGHT


def sample_days(rng: np.random.Generator, start_day: np.ndarray, end_day: np.ndarray) -> np.ndarray:
    """One activity-weighted day in [start_day, end_day) per row."""
    low = DAY_CUMULATIVE[start_day]
    high = DAY_CUMULATIVE[end_day]
    draws = low + rng.random(len(low)) * (high - low)
    days = np.searchsorted(DAY_CUMULATIVE, draws, side="right") - 1
    return np.clip(days, start_day, end_day - 1)


def sample_times(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """Timestamps (microseconds) on the given day indices at business-weighted hours."""
    hours = np.searchsorted(HOUR_CUMULATIVE, rng.random(len(days)), side="right")
    seconds = hours * 3600 + rng.integers(0, 3600, len(days))
    base = (WINDOW_START + days.astype(np.int64)).astype("datetime64[us]")
    return base + (seconds * 1_000_000).astype("timedelta64[us]")


def add_business_days(start: np.ndarray, business_days: np.ndarray) -> np.ndarray:
    """Timestamps `business_days` (fractional, 8-hour days) after `start`, skipping weekends."""
    whole = np.floor(business_days).astype(np.int64)
    frac_us = ((business_days - whole) * 8 * 3600).astype(np.int64) * 1_000_000
    day = start.astype("datetime64[D]")
    time_of_day = start - day.astype("datetime64[us]")
    target = np.busday_offset(day, whole, roll="forward")
    return target.astype("datetime64[us]") + time_of_day + frac_us.astype("timedelta64[us]")


def day_index(dates: np.ndarray) -> np.ndarray:
    """Day index from WINDOW_START of dates."""
    return (dates.astype("datetime64[D]") - WINDOW_START).astype(np.int64)


def month_index(date: str) -> int:
    """Simulated month index of a date (0 = November 2023)."""
    return int((np.datetime64(date, "M") - WINDOW_START.astype("datetime64[M]")).astype(np.int64))
