"""`python -m cxmetrics metrics`: list the metric registry, or print its reference (docs/metrics.md)."""

from __future__ import annotations

import argparse
import json

from cxmetrics import config
from cxmetrics.metrics import measures
from cxmetrics.metrics.registry import GROUPS, METRICS, Metric

INTRO = """# Metrics

Generated from the metric registry (`cxmetrics/metrics/registry.py`) by `python -m cxmetrics metrics --markdown`; a test
fails when this file is out of date. Pages, charts, the scorecard, the review pack and the command line all ask for
metrics by id.

How every metric is computed:
- **Ratios are ratios of sums** over the filtered rows: the company value is never the mean of regional values.
- **Periods**: ISO weeks (Monday to Sunday), calendar months and quarters; trends show complete periods only, and
  the latest period is the last complete one in the data (the last day with survey responses). Metrics on monthly
  tables (financials, customer revenue, employee engagement) and the trailing-12-month loyalty metrics use, at week
  grain, the latest calendar month that closed on or before the week's end; the frame's `basis_start`/`basis_end`
  say which.
- **Filters**: region, segment and industry come from the customer (`customers`), or from the table's own region and
  segment columns (financials, employee engagement); the access scope (the regions a user may see) applies to every
  query. Touchpoint, channel and survey filters apply to survey-based metrics only; a filter a metric cannot apply is
  ignored and reported. Rows without a customer (anonymous responses, contacts of unknown customers) count
  company-wide but drop out under a region, segment or industry filter or a restricted access scope.
- **Minimum n**: below its minimum n a cell's value and interval are withheld (`suppressed`); its n is still
  reported. The setting `CX_MIN_N` is the default minimum ({min_n} unless configured).
- **Intervals** are 95%: adjusted-Wald for NPS (Rocks 2016), Wilson for proportions (Wilson 1927), Student-t for
  means. Changes between periods or groups are tested with z = (NPS'1 - NPS'2) / (100 sqrt(Var1 + Var2)) for NPS,
  a pooled two-proportion z-test for proportions and Welch's t-test for means, significant at |z| >= 1.96
  (p < 0.05). Exact figures (revenue, medians, ...) carry no interval. A page figure that is a ratio of two sums
  over sampled customers (gross margin and revenue growth by NPS group) has the delta-method interval (Cochran 1977,
  6.3); a gap between two groups has Newcombe's interval for proportions (Newcombe 1998, method 10) and the normal
  interval with Welch's standard error for means. Each is an estimator of the registry
  (`cxmetrics/metrics/estimates.py`) that no report writes again.
- **Targets** come from the `targets` table: the most specific slice wins (region and segment, region, segment,
  company-wide), then a target set at the period's grain, then the latest starting on or before the period; totals
  (marked additive) only take a target set at the period's own grain. Status is `on_target` when the value meets
  the target; for metrics with an interval `off_target` only when the target lies outside the 95% interval on the
  wrong side (a miss inside the noise is `watch`); for exact metrics a miss within the tolerance is `watch`. No
  target is compared under a touchpoint, channel, survey or industry filter, which the targets table cannot
  express.
- **What changed** (Scorecard): the review period against the one before, and the recent level against the norm (the
  4 weeks to the review week against the 13 before, a month against the 3 before, a quarter against the 4 before;
  a year to date against the same period last year), company-wide, by region, segment and touchpoint and by
  touchpoint within each region, for NPS, CSAT and CES. A move counts when its test is significant with the minimum
  n on both sides and it survives the Benjamini-Hochberg false-discovery control at 5% over all the comparisons
  scanned (Benjamini & Hochberg 1995, Journal of the Royal Statistical Society B 57:1). Moves are ranked by the
  strength of their evidence, |z| (the order in which the control admits them). They used to be ranked by size x
  the slice's share of the responses, which let a large swing of a few answers (30 a week, back to normal after a
  one-week spike) lead a smaller move far better measured.
- **Priority matrix** (Journey & Drivers): the importance-performance matrix of Martilla & James (1977, Journal of
  Marketing 41:1), importance being a driver's share of R-squared (Johnson's relative weights) and performance its
  mean rating or top-2-box, is cut at the median importance and the median performance (data-centred crosshairs;
  a driver at a cut counts as high), and "fix first" names the most important driver at or above the median
  importance that performs below the median. It used to be cut at the means: the mean of the shares is always the
  equal share 1/k, so one dominant driver leaves the others too little to reach it (55% of 5 drivers leaves 45% for
  four, and the worst-rated driver with 19% was "low priority", with nothing to fix first). The median splits the
  drivers into halves that one driver, however dominant, moves by at most one rank; performance is cut at its median
  because a failing attribute pulls the mean down and lifts the others above it.

Definitions shared by every page, CSV and command, each written once (`cxmetrics/metrics/measures.py`,
`cxmetrics/periods.py`, `registry.minimum_n`); sources name their measures (promoters, detractors, respondents,
active customers, complaints recovered, contacts resolved first time, ...) and metrics select them:
- **NPS categories**: promoters {promoter}, passives {passive}, detractors {detractor}.
- **Customers active at a date**: signed up before the day and not churned before it (a customer churning on the
  day counts).
- **A customer's latest relationship answer** before a date: their latest relationship response with an NPS
  answer strictly before it; a tie on the time goes to the highest response id.
- **Trailing 12 closed months**: the 12 calendar months ending with the latest month closed by the day in question
  (`periods.trailing_months`). The registry's trailing metrics read the window's first day from the period bases,
  which that helper fills, rather than working it out again in SQL. The at-risk list on the Loyalty page covers the
  same window, every fact as of its last day: asked for a day inside a month that has not closed, it lists the
  customers as they stood at the end of the month before (it used to take the open month into its 12 months and
  revenue comparison; the page always asks for a month end, so its figures are unchanged).
- **The business-day deadline**: the end of the 2nd Monday-to-Friday day after the day a clock starts (+2 days
  Mon-Wed, +4 Thu-Fri, +3 Sat, +2 Sun). Detractor follow-up starts the clock at the response, follow-ups closed
  within 2 business days of opening at the follow-up's opening. The closed loop used to count from the opening to
  the same time of day, a weekend opening counting from Monday (Sat +4, Sun +3): a deadline is a day, and a
  weekend day is not a business day to count from, so one rule serves both (sample world: 68.1% -> 78.2% of
  follow-ups opened in time).
- **Minimum n**: the metric's own, else `CX_MIN_N`; figures outside the registry use `CX_MIN_N`.
- **Splits of a page's table** are registry metrics split by a dimension, with the registry's estimators: the
  complaint table's recovery rate and median days to resolve by `process` or `category` (dimensions of the complaint
  metrics only), churn, repeat purchase and NPS by a customer's experience group on the Loyalty page, FCR, CSAT and
  CES after a contact on the Journey page. The complaint table shows the median for every row beside its n and
  withholds recovery below that metric's minimum n; a tie in complaints is ordered by name.
- **Figures of a page's own grouping** take the registry's estimators over the sums of that grouping: on CX &
  Financials revenue and cost per customer (Student-t mean), churn (churn_rate's Wilson interval), gross margin and
  revenue growth (delta method) by NPS group, the value of a promoter (the difference of the revenue means) and NPS
  by region and segment; on Voice a theme's sentiment (Student-t mean), NPS with and without it and the gap's test
  (the nps estimator), its share of comments and the change test; the churn gaps of the Complaints page
  (lost minus recovered) and the Loyalty page (satisfied but at risk minus promoters, churn_rate's difference and
  test) and the Loyalty page's revenue per customer (the ratio of revenue to customers). The figures are unchanged.
"""


_DEFAULT_MIN_N = next(s.default for s in config.SETTINGS if s.name == "CX_MIN_N")


def _min_n_text(metric: Metric) -> str:
    if metric.min_n is None:
        return f"CX_MIN_N (default {_DEFAULT_MIN_N}) {metric.n_label}"
    return "none" if metric.min_n == 0 else f"{metric.min_n} {metric.n_label}"


def _direction_text(metric: Metric) -> str:
    return "higher is better" if metric.direction == "higher" else "lower is better"


def _status_text(metric: Metric) -> str:
    if metric.sampled:
        return "off_target only when the target is outside the 95% interval"
    return f"watch within {metric.tolerance_pct:g}% of the target, off_target beyond"


def metric_markdown(metric: Metric) -> str:
    """The reference section of one metric."""
    lines = [
        f"### {metric.label} (`{metric.id}`)",
        "",
        metric.description,
        "",
        f"- Formula: {metric.formula}",
        f"- Unit: {metric.unit} (format `{metric.fmt}`), {_direction_text(metric)}",
        f"- n: {metric.n_label}; minimum n: {_min_n_text(metric)}",
        f"- Interval: {metric.interval}",
        f"- Target status: {_status_text(metric)}{' (additive: same-grain targets only)' if metric.additive else ''}",
        f"- Grains: {', '.join(metric.grains)}",
        f"- Dimensions: {', '.join(metric.dimensions)}",
        f"- Tables: {', '.join(metric.tables)}",
    ]
    return "\n".join(lines) + "\n"


def markdown() -> str:
    """The whole metric reference, as committed in docs/metrics.md."""
    parts = [INTRO.format(min_n=_DEFAULT_MIN_N, **measures.NPS_RANGES)]
    parts.append("| id | label | unit | good | minimum n | interval |\n|---|---|---|---|---|---|\n")
    parts[-1] += "".join(
        f"| `{m.id}` | {m.label} | {m.unit} | {m.direction} | {_min_n_text(m)} | {m.interval} |\n" for m in METRICS
    )
    for group in GROUPS:
        parts.append(f"## {group}\n")
        parts.extend(metric_markdown(m) for m in METRICS if m.group == group)
    return "\n".join(parts)


def _row(metric: Metric) -> dict:
    return {
        "id": metric.id,
        "group": metric.group,
        "label": metric.label,
        "unit": metric.unit,
        "direction": metric.direction,
        "min_n": metric.min_n,
        "interval": metric.interval,
        "tables": list(metric.tables),
        "dimensions": list(metric.dimensions),
        "description": metric.description,
        "formula": metric.formula,
    }


def run(args: argparse.Namespace) -> int:
    """Print the registry as a table, JSON, or the Markdown reference."""
    if args.markdown:
        print(markdown(), end="")
    elif args.format == "json":
        print(json.dumps([_row(m) for m in METRICS], indent=2))
    else:
        width = max(len(m.id) for m in METRICS)
        for metric in METRICS:
            print(f"{metric.id:<{width}}  {metric.group:<10}  {metric.unit:<22}  {metric.label}")
    return 0


def register(subparsers) -> None:
    """Add the `metrics` sub-command."""
    parser = subparsers.add_parser("metrics", help="List the metric registry.", description=run.__doc__)
    parser.add_argument("--markdown", action="store_true", help="Print the Markdown reference (docs/metrics.md).")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="Output format of the list.")
    parser.set_defaults(run=run)
