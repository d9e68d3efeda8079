"""The Data page's data-quality section from one call: every check's full table for the review week, under the
viewer's access scope (not the sidebar's selections: the page is about the data as loaded)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxmetrics import config
from cxmetrics.db import Connection
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.periods import Period
from cxmetrics.quality import findings
from cxmetrics.quality import report as quality

ALL = "all"
VOLUME_SHOWN: tuple[str, ...] = ("slice", "week_responses", "usual_responses", "change_pct", "relative_change_pct",
                                 "flagged")  # fmt: skip
ANSWERS_SHOWN: tuple[str, ...] = ("survey", "score", "responses", "missing_pct", "usual_missing_pct", "missing_flagged",
                                  "distance", "p_value", "shift_flagged")  # fmt: skip


@dataclass(frozen=True)
class DataQualitySection:
    """What the section shows: what was checked, the problems in words, and each check's table."""

    caption: str
    lines: tuple[str, ...]
    freshness: pd.DataFrame
    volumes: pd.DataFrame
    answers: pd.DataFrame
    duplicates_note: str
    rejects: pd.DataFrame


def _caption(report: quality.QualityReport) -> str:
    """The week checked, its baseline, and the day freshness is judged on."""
    weeks = config.get("CX_QUALITY_BASELINE_WEEKS")
    week = f"the review week {report.week.label} against the {weeks} weeks before it" if report.week else "no week yet"
    day = report.as_of.isoformat() if report.as_of else "no data"
    clock = "the latest day with data" if report.clock == "data" else f"CX_QUALITY_AS_OF = {report.clock}"
    return (
        f"Freshness judged on {day} ({clock}); responses: {week}. The thresholds are the CX_QUALITY_* settings "
        "(README, Configuration; docs/metrics.md, Data quality)."
    )


def _volumes(volumes: pd.DataFrame) -> pd.DataFrame:
    """The volume table with each slice in words, the falls beyond the threshold first, then the largest falls."""
    named = volumes.assign(
        slice=[findings.where(findings.volume_pairs(row)) for _, row in volumes.iterrows()]
    ).sort_values(["flagged", "relative_change_pct"], ascending=[False, True], na_position="first")
    return named[list(VOLUME_SHOWN)].reset_index(drop=True)


def _duplicates_note(report: quality.QualityReport) -> str:
    minutes = config.get("CX_QUALITY_DUPLICATE_MINUTES")
    return (
        f"Duplicate-looking responses in the review week (same customer, survey and answers within {minutes} "
        f"minutes): {report.duplicates:,}."
    )


def build(conn: Connection, scope: AccessScope, week: Period | None) -> DataQualitySection:
    """The section for the review `week` (None: the latest complete week) under the access `scope`."""
    report = quality.build(conn, Filters(scope=scope), week)
    return DataQualitySection(
        caption=_caption(report),
        lines=tuple(f.line for f in report.findings),
        freshness=report.freshness,
        volumes=_volumes(report.volumes),
        answers=report.answers[list(ANSWERS_SHOWN)],
        duplicates_note=_duplicates_note(report),
        rejects=report.rejects,
    )
