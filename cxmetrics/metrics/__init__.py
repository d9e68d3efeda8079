"""Metric registry stage: every KPI declared once as sums over a source, with its value and interval."""

from cxmetrics.metrics.registry import (
    DIRECTIONS,
    GRAINS,
    GROUPS,
    METRICS,
    REGISTRY,
    Metric,
    Part,
    get_metric,
)

__all__ = [
    "GRAINS",
    "DIRECTIONS",
    "GROUPS",
    "Part",
    "Metric",
    "METRICS",
    "REGISTRY",
    "get_metric",
]
