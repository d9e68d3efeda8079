"""`python -m cxmetrics metrics`: list the metric registry, or print its reference (docs/metrics.md)."""

from __future__ import annotations

import argparse
import json

from cxmetrics import config
from cxmetrics.metrics import measures
from cxmetrics.metrics.registry import GROUPS, METRICS, Metric
from cxmetrics.quality import reference as quality_reference

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
  say which. The review of an ISO week (the dashboard's review week) looks back from the last day with data, for an
  earlier week from the Saturday after it (its last day as the latest complete week): its month and quarter are the
  latest closed by that day, its year to date runs to the week's end or to that month's end when later
  (`periods.review_period`). Data ending on Wednesday 31 December is reviewed as December, Q4 and the whole year on
  every page, the latest periods the command line reports (`query --grain ytd` prints that year to date); the month
  and quarter used to be the last closed by the week's end (November and Q3).
- **Filters**: region, segment and industry come from the customer (`customers`), or from the table's own region and
  segment columns (financials, employee engagement); the access scope (the regions a user may see) applies to every
  query. Touchpoint, channel and survey filters apply to survey-based metrics only; a filter a metric cannot apply is
  ignored and reported. Rows without a customer (anonymous responses, contacts of unknown customers) count
  company-wide but drop out under a region, segment or industry filter or a restricted access scope.
- **Minimum n**: below its minimum n a cell's value and interval are withheld (`suppressed`); its n is still
  reported. The setting `CX_MIN_N` is the default minimum ({min_n} unless configured). It is a property of what
  leaves a report, not of each page: every report's build (and the command line's `query`) goes through one
  mechanism (`cxmetrics/display/withheld.py`) that withholds, below the minimum, the value, its interval, its
  tests and verdicts and the counts that would rebuild it from the n (promoters and detractors, churned customers,
  a group's revenue), in frames, tiles, records and the sentences built from them; the n stays, in the tiles'
  words ("Too few (n = 7)"). Each frame a report returns declares which columns rest on which n, and a test walks
  every build under narrow filters for anything shown below its minimum. A group of customers (Loyalty's
  experience groups, CX & Financials' NPS groups, a complaint outcome) rests on its customers: every figure of a
  group under the minimum is withheld, its repeat-purchase pairs and revenue included. Correlations (People, the
  lead-lag panel) rest on their pairs and, like every figure outside the registry, take `CX_MIN_N`; driver
  analysis keeps its own minimum, max(30, 10 x drivers).
- **Intervals** are 95%: adjusted-Wald for NPS (Rocks 2016), Wilson for proportions (Wilson 1927), Student-t for
  means. Changes between periods or groups are tested with z = (NPS'1 - NPS'2) / (100 sqrt(Var1 + Var2)) for NPS,
  a pooled two-proportion z-test for proportions and Welch's t-test for means, significant at |z| >= 1.96
  (p < 0.05). Exact figures (revenue, medians, ...) carry no interval. A page figure that is a ratio of two sums
  over sampled customers (gross margin and revenue growth by NPS group) has the delta-method interval (Cochran 1977,
  6.3); a gap between two groups has Newcombe's interval for proportions (Newcombe 1998, method 10) and the normal
  interval with Welch's standard error for means. Each is an estimator of the registry
  (`cxmetrics/metrics/estimates.py`) that no report writes again.
- **Repeat respondents**: a customer who answers several times in a period (a quarter, a year to date, 13 weeks) does
  not give independent answers, so the survey scores (NPS, CSAT, CES, CES % easy, comment share) take the customer as
  the sampling unit (each anonymous response is a customer of its own). Their intervals and change tests keep the
  methods above and multiply the variance by the customer-cluster design effect (Kish, Survey Sampling, 1965): deff =
  [C/(C-1) sum_c (Y_c - R m_c)^2] / [n/(n-1) sum_i (y_i - R)^2], the linearised variance of the ratio R = sum y / n
  with the C customers as units (Cochran 1977, 6.3; the cluster-robust sandwich variance, Williams 2000, Biometrics
  56), Y_c and m_c a customer's total and number of answers, over that of n independent answers (y = +1 promoter, -1
  detractor, 0 passive for NPS; 1 or 0 for a share; the score for CES), each with its small-sample factor. It is never
  below 1, exactly 1 when no customer answers twice (the interval is then the unclustered one), and n when one
  customer gives every answer (an effective sample of one customer). NPS: adjusted-Wald variance x deff; shares: the
  Wilson interval of the effective sample (n / deff answers, Kish's effective sample size) and each variance of the
  two-proportion test x deff; CES: the Student-t interval and Welch's test with the standard error x sqrt(deff).
  Sample world, NPS: deff 1.05 in the week 2026-W46, 1.79 in 2026 Q3 and 3.53 in the 2026 year to date, whose interval
  is +/-1.23 points (it was +/-0.66). The operational shares (first-contact resolution, complaint recovery, detractor
  follow-up, repeat purchase) still count their contacts, complaints and months as independent (their design effects
  on the sample world are 0.98-1.09).
- **Changes of a cohort rate between two windows** (logo retention and churn over the trailing 12 months, month on
  month, quarter on quarter or a year apart) are not tested as if the two cohorts were independent: consecutive
  windows share most of their customers (about 99% month on month on the sample world). The test reads the counts of
  the customers in both cohorts and of their outcomes in each (concordant and discordant) and takes the variance for
  partially overlapping samples, Var = p1 q1 / n1 + p2 q2 / n2 - 2 n12 cov12 / (n1 n2), cov12 the covariance of the
  two outcomes over the n12 shared customers (Derrick, Dobson-McKittrick, Toher & White 2015); without shared
  customers it is the pooled test. Split by NPS group, a customer's group can differ between the windows, so the
  pooled test is used there. (Sample world, October against September 2026: standard error 0.70 -> 0.20 points.)
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
  touchpoint within each region, for relationship and transactional NPS, CSAT and CES. A move counts when its test
  is significant with the minimum n on both sides and it survives the Benjamini-Hochberg false-discovery control at
  5% over all the comparisons scanned (Benjamini & Hochberg 1995, Journal of the Royal Statistical Society B 57:1).
  Moves are ranked by the strength of their evidence, |z| (the order in which the control admits them). They used
  to be ranked by size x the slice's share of the responses, which let a large swing of a few answers (30 a week,
  back to normal after a one-week spike) lead a smaller move far better measured.
- **Journey map colours** (Journey & Drivers): a cell is red for a fall only when its test clears the evidence bar of
  what changed for the same review and filters: |z| >= 1.96 and a p-value at or under the largest one the
  Benjamini-Hochberg control keeps over every comparison what changed scans (a map row by segment, which the scan
  does not hold, is judged against the same bar). At week grain the map shows what changed's recent level (the 4
  weeks to the review week against the 13 before), at month, quarter and year to date its comparison since the last
  review, so a cell is never red for a fall that what changed calls noise, nor the other way round. It used to be red
  at an unadjusted |z| >= 1.96: on the sample world's 97 weekly maps by region (2025-W02 to 2026-W46), 87 cells were
  red for a fall, 23 now, each of them a fall what changed finds (all 97 weeks checked), none in a quiet week.
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
- **Which NPS**: the company's headline is relationship NPS (`relationship_nps`: the periodic survey about the
  company as a whole, the "top-down" NPS that is benchmarked and carries targets), and transactional NPS
  (`transactional_nps`, asked after a touchpoint) is read by touchpoint, the "bottom-up" feedback (Reichheld &
  Markey, The Ultimate Question 2.0, 2011). The Scorecard's tile, statement, chart and "what changed" and the CX &
  Financials series and segment bubbles show relationship NPS, labelled so; the statement has a transactional row;
  the Journey map is transactional NPS by touchpoint against its own targets; each NPS is compared only with
  itself and its own targets. `nps` (labelled "NPS (all surveys)") stays for the lead-lag panel, Voice and People.
  The headline used to mix them, 83% transactional answers on the sample world: 2026-W46 +39 (n = 955, target +37)
  is now relationship NPS +51 (n = 172, target +38), transactional +36 (n = 783, target +37); Oct 2026 +38 -> +41,
  2026 Q3 +38 -> +40, year to date +36 -> +38.
- **Customers active at a date**: signed up before the day and not churned before it (a customer churning on the
  day counts).
- **A customer's latest relationship answer** before a date: their latest relationship response with an NPS
  answer strictly before it; a tie on the time goes to the highest response id.
- **Customers at risk** (revenue at risk and the largest at-risk accounts on CX & Financials, the customers its ROI
  model moves, the at-risk list on the Loyalty page): the customers active at the end of the trailing 12 closed
  months (active on the day after the last, so a customer who left on or before it is not at risk), each in the NPS
  group of their latest relationship answer in those 12 months: an answer at most 12 months old; an older one counts
  as no response. Revenue is theirs over the same 12 months. These used to take every customer active at the
  window's start, grouped by an answer from before it, churned or not (sample world, Oct 2026: 404 listed
  detractors, 65 of them gone, 63 by the month's end -> 383 detractors, all active at its end; detractor revenue at
  risk $18.3M -> $14.4M); the Loyalty list already took only active customers but any answer however old (438 -> 383
  detractors; 4,499 customers listed either way).
- **The value of a promoter and the CX ROI model compare like with like**: within segment. Revenue per customer
  differs about 30-fold between segments and promoters are more often in the larger ones, so a difference pooled
  over segments measures segment mix as much as NPS. Region is not a stratum: within a segment revenue per customer
  varies little by region (sample world: Enterprise $689k-$797k, Mid-Market and SMB within 6%), the premium within
  region x segment, every cell kept whatever its size, is $20.1k against $22.5k within segment (standard errors
  $4.7k and $4.0k), and half of the region x segment cells have fewer detractors than the minimum n. The premium is
  the difference of the mean 12-month revenue of the promoters and detractors active at the window's start in each
  segment (Welch standard error), weighted by the segments' shares of the detractors active at its end (the
  customers a move would change): sum of w x d, standard error sqrt(sum of w^2 x se^2), the weights taken as known
  (direct standardisation; Cochran, Sampling Techniques, 1977, 5.3), normal 95% interval. A segment with fewer
  promoters or detractors than the minimum n is withheld and named, and the headline covers the others. The ROI
  model (Temkin's five steps) runs within each segment: the customers at risk of each group are moved to the group
  above of their own segment and behave like it (churn, revenue and margin measured on the segment's cohort), and
  the segments' effects add up; a group measured on fewer customers than the minimum n withholds its behaviour, and
  its segment is not modelled (and named) until a value is typed in. The pooled figures are shown only as context,
  labelled as such (sample world, Oct 2026: a promoter worth $70,738 more than a detractor pooled -> $22,519 within
  segment, 95% interval $14,646 to $30,393; the default scenario worth $31.0M of revenue over 3 years -> $13.4M,
  range $3.0M to $24.0M; $28.7M pooled on the same customers).
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
- **Revenue retention** (`nrr`, `grr`): the latest closed month against the same month a year before, for the
  customers active when that earlier month began (the cohort of recurring-revenue companies' net retention). It used
  to compare 12 months of revenue with the 12 months before over every customer with revenue in those earlier
  months, so customers who signed up during them, ramping up from zero, counted as expansion (sample world, October
  2026: NRR 106.6% -> 95.4%, GRR 88.8% -> 84.5%; the sample targets, set from the first year by the engine, moved
  with it).
- **Customer lifetime value** discounts future margin at `CX_CLV_DISCOUNT_RATE` (default 12% a year, the rate of
  Gupta, Lehmann & Stuart, "Valuing Customers", Journal of Marketing Research, 2004); the Loyalty page says which
  rate it uses. It used to be undiscounted (sample world, October 2026: $535,521 -> $274,419).
- **Earned Growth Rate** (CX & Financials; Reichheld, Darnell & Burns, "Net Promoter 3.0", Harvard Business Review,
  2021, and Winning on Purpose, 2021) = net revenue retention + earned new-customer revenue as a share of the revenue
  base of NRR - 100%: the revenue in the month of the customers acquired by referral (`acquisition_channel` =
  'referral') who joined since the start of NRR's base month, over the cohort's revenue in that base month, so both
  parts compare the same month a year apart. Below zero, last year's customers and the customers they referred bring
  in less than last year's base. It used to add a year of the new customers' revenue to the 106.6% of an NRR that
  counted customers signing up during its base year as expansion (sample world, October 2026: +8.3% -> -0.9%;
  NRR 95.4% + referral revenue 3.7% of the base - 100%).
- **Minimum n**: the metric's own, else `CX_MIN_N`; figures outside the registry use `CX_MIN_N`.
- **Splits of a page's table** are registry metrics split by a dimension, with the registry's estimators: the
  complaint table's recovery rate and median days to resolve by `process` or `category` (dimensions of the complaint
  metrics only), churn, repeat purchase and NPS by a customer's experience group on the Loyalty page, FCR, CSAT and
  CES after a contact on the Journey page. The complaint table shows each row's n (complaints resolved; recovered
  or lost) and withholds the median and recovery below their metrics' minimum n (the median used to be shown at
  any n); a tie in complaints is ordered by name.
- **Figures of a page's own grouping** take the registry's estimators over the sums of that grouping: on CX &
  Financials revenue and cost per customer (Student-t mean), churn (churn_rate's Wilson interval), gross margin and
  revenue growth (delta method) by NPS group, the value of a promoter (the differences of the revenue means) and NPS
  by region and segment; on Voice a theme's sentiment (Student-t mean), NPS with and without it and the gap's test
  (the nps estimator), its share of comments and the change test; the churn gaps of the Complaints page
  (lost minus recovered) and the Loyalty page (satisfied but at risk minus promoters, churn_rate's difference and
  test) and the Loyalty page's revenue per customer (the ratio of revenue to customers). The figures are unchanged.
- **Lead-lag power** (CX & Financials): a lag that does not beat noise is no evidence of no link, so the sentence
  gives the smallest correlation the test detects with 80% power at its family-wise 5% level: tanh(atanh(c) +
  z(0.80) / sqrt(n' - 3)), with c the permutation threshold and n' = (cells - 1)(months - 1) + 1 the independent
  pairs left once the cell and month means are removed (Fisher's z; Cohen, Statistical Power Analysis, 1988, ch. 3).
  On the sample world churn in the month shows no link, and the test could only have seen |r| = 0.27 or stronger
  (28 months, 12 cells; the strongest lag has r = -0.07). It used to say "No lag links NPS changes to churn".
"""


SENTIMENT = """## Text

### Sentiment of a comment

Every distinct survey comment and social post is scored once, at load (`cxmetrics/text/index.py`), with VADER's
compound score (Hutto & Gilbert 2014): -1 very negative .. +1 very positive; negative at or below -0.05, positive at
or above +0.05 (VADER's thresholds). VADER's lexicon was rated on social-media text, so the scorer adds a domain
lexicon for business feedback (`cxmetrics/text/sentiment_lexicon.toml`; offline, no model): words and phrases VADER
has no valence for ("outage", "chased", "escalated", "still", "on hold", "had to", "took three weeks", "on
schedule"); names VADER reads as feelings set to 0 ("support" +1.7, "credit" +1.6, "promised" +1.5); "nobody" and
"no one" as negation cues; negation that reaches to the end of the clause (punctuation, "and", "but") instead of
VADER's three words (Das & Chen 2001); and a problem word up to three words after a word that resolves it ("fixed a
small error") scored 0. Stored scores are redone when the scorer (VADER's version and the lexicon file) changes.

- Separation: how well the score tells two groups apart is the AUC = U / (n1 x n2) of the Mann-Whitney U statistic
  (Mann & Whitney 1947; Bamber 1975; `scipy.stats.mannwhitneyu`): the chance that a comment of the group expected to
  be more positive scores higher, ties counting one half; 0.5 is chance, 1 perfect. 95% interval by Hanley & McNeil
  (1982), treating comments as independent. The Voice page gives it for the window's promoters' against detractors'
  comments (withheld when either has fewer than `CX_MIN_N`) and for the held-out test corpus.
- Test corpus (`cxmetrics/text/sentiment_corpus.csv`): 273 hand-written B2B comments in another style than the
  sample world's (plain-worded complaints, negation, domain phrases, mixed comments, plain and negated praise), each
  labelled with the polarity its writer meant. A seeded draw within each kind and polarity held out 110 of them
  (40%) before the lexicon was written; the lexicon was tuned on the other 163 only.

| AUC | plain VADER | VADER + domain lexicon |
|---|---|---|
| Sample world: promoters' against detractors' comments (17,567 and 7,112) | 0.800 | 0.865 |
| Test corpus, tuning part (69 positive, 94 negative) | 0.685 | 0.925 |
| Test corpus, held-out part (46 positive, 64 negative) | 0.685 | 0.876 |

On the sample world's 77,571 comments the mean sentiment moves from +0.40 to +0.38 and the share scored negative
from 10.7% to 16.8%: its generator writes mostly praise, so the mean stays positive, while the mean of detractors'
comments moves from +0.12 to -0.04 (promoters' from +0.54 to +0.59).
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
    parts.append(SENTIMENT)
    parts.append(quality_reference.markdown())
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
