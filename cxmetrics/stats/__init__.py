"""Statistics stage: intervals, significance, driver importance and lead-lag, pure functions on arrays."""

from cxmetrics.stats.intervals import (
    ALPHA,
    Z95,
    Test,
    difference_interval,
    mean_sd,
    nps_adjusted,
    nps_change_test,
    nps_interval,
    nps_score,
    ratio,
    suppressed,
    t_interval,
    two_proportion_test,
    welch_test,
    wilson_interval,
)

__all__ = [
    "Z95",
    "ALPHA",
    "Test",
    "ratio",
    "nps_score",
    "nps_adjusted",
    "nps_interval",
    "nps_change_test",
    "wilson_interval",
    "two_proportion_test",
    "difference_interval",
    "mean_sd",
    "t_interval",
    "welch_test",
    "suppressed",
]
