"""The data-quality watch's reference for docs/metrics.md (`python -m cxmetrics metrics --markdown`): what each
check computes and its thresholds, the settings' defaults and help read from the registry."""

from __future__ import annotations

from cxmetrics import config
from cxmetrics.quality import findings, freshness
from cxmetrics.quality.thresholds import MIN_DUPLICATES, SHIFT_P_VALUE

INTRO = """## Data quality

The data-quality watch (`cxmetrics/quality/`) checks whether the data behind the dashboard is fresh and sound. Each
problem it finds is one line, shown as a warning on the Scorecard and on every page that rests on the table it is in
(`quality.PAGE_TABLES`), within the viewer's filters and access scope, and in full in the Data page's "Data quality"
section. What changed (Scorecard) does not narrate a move that a data problem explains: a move of a score whose
answers shifted abruptly (a changed scale or mapping) is left out and one bullet says so; a move of a slice that
names a collapsed slice (in its region, at its channel or touchpoint), or of a score with unanswered or duplicated
answers, is narrated with the problem as its caveat. At month, quarter and year-to-date grain the checks read the
last complete week of the period.

- **Freshness** (per table, the same for every viewer: a load brings every region's rows at once): the last day a
  table's data covers (its last date; for a monthly table the end of its last month) against the freshness day,
  `CX_QUALITY_AS_OF`. By default that is the latest day any watched table covers (the data's own clock): a table is
  judged against the freshest one, and the same database reads the same on any day, so the committed sample world
  and the tests are deterministic; a database loaded on a schedule sets `today`, so that a load that did not happen
  at all shows. Days behind = freshness day - last day covered; a table is *late* beyond its cadence's late days and
  *stale* beyond its stale days. Watched: {watched}.
- **Response volume** (the review week against the baseline, the weeks before it): per slice (all responses; each
  region, touchpoint and channel; each region's channels and touchpoints), the week's responses against the usual
  week, the median week of the baseline (a week without responses counts 0). All responses are flagged by their own
  fall; a slice by its fall beyond that of the other responses, (week / usual) / (others' week / others' usual) - 1,
  because a holiday week lowers every slice alike while a broken survey trigger lowers its own. A slice is judged
  only when its usual week has at least `CX_QUALITY_VOLUME_MIN` responses, and a slice inside one that fell (a
  region's channel when the channel fell everywhere) is not told again; at most {max_lines} slices are told.
- **Unanswered scores**: per survey and score (NPS, CSAT, CES), the share of the week's responses that left it
  empty against the baseline's share; judged when the week has at least `CX_MIN_N` responses.
- **Answer shifts** (a changed scale or answer mapping): per survey and score, the total variation distance between
  the week's and the baseline's distribution of answered values, 0.5 x sum |p_v - q_v| (the share of answers that
  would have to move to another value), and Pearson's chi-square test of homogeneity of the 2 x k table; flagged at
  a distance of at least `CX_QUALITY_SHIFT_DISTANCE` with p < {p_value} and at least `CX_MIN_N` answers on each
  side, and only when the values answered changed: at least 10% of the week's answers on values the baseline gave
  under 1% of its answers, or a value the baseline gave at least 5% left unused where 5 or more answers were due
  (a real change of opinion moves answers between the values in use; a new scale or mapping changes the values).
  The distance measures the size (a real move of NPS by 10 points moves some 5 to 10% of the answers; a 0-10
  scale read as 1-5 moves over half), the test rules out chance in a small week. Rows do not record the load that
  brought them, so the boundary is the review week's start: loads are weekly.
- **Duplicate-looking submissions**: responses of the week whose customer sent the same survey with the same NPS,
  CSAT and CES answers at most `CX_QUALITY_DUPLICATE_MINUTES` before (anonymous responses are not compared);
  flagged from {min_duplicates} of them and `CX_QUALITY_DUPLICATE_PCT` of the week's responses, in a week of at least
  `CX_MIN_N` responses.
- **Rejects per load**: per table of the latest loads, the rows read and rejected; the latest load of a table is
  flagged when its rejected share reaches `CX_QUALITY_REJECTS_PCT`. Rejected rows are not attributed to a region,
  so only a viewer who sees everything is told.

Calibration on the committed sample world, all 149 weeks from 2024-W02 to 2026-W46 on the defaults: no check fires
(a test holds it). The largest fall of a slice beyond the other responses was 62.5% (a slice of 24 usual responses,
2024-W20), all responses fell at most 58% (2024-W52, Christmas), the largest answer shift was 0.16 (2025-W52) and the
most duplicate-looking responses in a week 2. At a 50% threshold 13 slice-weeks would fire on their fall beyond the
other responses, and 115 on their own fall (holiday weeks lower every slice).

| setting | default | meaning |
|---|---|---|
"""


def markdown() -> str:
    """The Data quality section of docs/metrics.md."""
    watched = ", ".join(f"`{w.table}` ({'weekly' if w.cadence == 'week' else 'monthly'})" for w in freshness.WATCHED)
    text = INTRO.format(
        watched=watched,
        max_lines=findings.MAX_VOLUME_LINES,
        p_value=SHIFT_P_VALUE,
        min_duplicates=MIN_DUPLICATES,
    )
    rows = [s for s in config.SETTINGS if s.name.startswith("CX_QUALITY_")]
    return text + "".join(f"| `{s.name}` | {s.default} | {s.help} |\n" for s in rows)
