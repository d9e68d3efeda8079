"""The Voice of the Customer page's query set: `build` returns everything the page shows for a window except the
comments themselves, and `verbatims` one page of the comments a reader asked for (its own cached call, so paging and
searching do not recompute the themes)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.display import withheld
from cxmetrics.display.tiles import Tile, too_few
from cxmetrics.filters import Filters
from cxmetrics.metrics.measures import NPS_RANGES
from cxmetrics.metrics.registry import get_metric, minimum_n
from cxmetrics.periods import Period
from cxmetrics.query import catalog
from cxmetrics.reports.voice import analysis as voice
from cxmetrics.reports.voice import charts
from cxmetrics.stats.separation import Separation
from cxmetrics.text import evaluation, sentiment

WINDOW_LABELS: dict[str, str] = {str(w): f"{w} weeks" for w in voice.WINDOW_WEEKS}
DEFAULT_WINDOW = "13"
SENTIMENTS: tuple[str, ...] = sentiment.LABELS
NPS_GROUPS: tuple[str, ...] = voice.NPS_GROUPS
NPS_GROUP_LABELS: dict[str, str] = voice.NPS_GROUP_LABELS
ORDER_LABELS: dict[str, str] = {"newest": "Newest first", "revenue": "Highest revenue first"}
NO_COMMENTS = "No survey comments match the filters in this window: widen the window or clear a filter."
NO_MATCH = "No comments match these conditions in the window."
UNSCORED = (
    "Comments have not been scored for sentiment and themes in this database (it was loaded by an older version). "
    "Load the data again with `python -m cxmetrics load` to see themes, sentiment and verbatims; the listening posts "
    "below show volumes only."
)
OLD_TAXONOMY = (
    "The theme taxonomy file changed after the last load: themes shown are from the taxonomy the data was tagged "
    "with. Load the data again to re-tag comments with the new file."
)

DETRACTORS = NPS_RANGES["detractor"]
_NPS = get_metric("nps")
_POSTS_EXACT = ("Listening post", "Volume", "Per week", "Share of all voices %", "Change vs prior %", "Reach")
# What the theme figures rest on: sentiment on the mentions, NPS on the answers with and without the theme, shares
# of comments on the window's comments (the counts of mentions rebuild them).
THEME_RULES: tuple[withheld.Rule, ...] = (
    withheld.Rule("mentions", ("sentiment", "sentiment_low", "sentiment_high", "negative_pct")),
    withheld.Rule("nps_n_with", ("nps_with", "nps_gap_pts", "gap_significant"), metric="nps"),
    withheld.Rule("nps_n_without", ("nps_without", "nps_gap_pts", "gap_significant"), metric="nps"),
    withheld.Rule("all_comments", ("share_pct", "share_change_pts", "change_significant"), ("mentions",)),
    withheld.Rule(
        "prior_all_comments", ("prior_share_pct", "share_change_pts", "change_significant"), ("prior_mentions",)
    ),
)
ROW_RULES: tuple[withheld.Rule, ...] = (
    withheld.Rule("Mentions", ("Sentiment", "Negative %")),
    withheld.Rule("NPS n", ("NPS mentioning", "NPS gap"), metric="nps"),
    withheld.Rule("rest_n", ("NPS of the rest", "NPS gap"), metric="nps"),
    withheld.Rule("comments_n", ("Share of comments %", "Share change pts"), ("Mentions",)),
    withheld.Rule("prior_comments_n", ("Share change pts",)),
)
HIDDEN_COLUMNS: tuple[str, ...] = ("withheld", *charts.THEME_NS)
PARETO_RULE = withheld.Rule(
    "detractor_comments", ("pct_of_detractor_comments", "cumulative_pct"), ("detractor_mentions",)
)
POSTS_RULE = withheld.Rule("Sentiment n", ("Sentiment", "Negative %"))
TREND_RULE = withheld.Rule("sentiment_n", (), ("sentiment_sum", "negative"))


@dataclass(frozen=True)
class Themes:
    """The themes of the window's comments: headline tiles, the table, the detractor Pareto and the growing themes."""

    tiles: tuple[Tile, ...]
    table: pd.DataFrame
    rows: pd.DataFrame
    columns: tuple[str, ...]
    caption: str
    pareto: pd.DataFrame
    pareto_caption: str
    growth: tuple[str, ...]
    sentiment_note: str


@dataclass(frozen=True)
class VoiceView:
    """Everything the Voice of the Customer page shows for a review week, filters and window, but the verbatims."""

    current: Period
    prior: Period
    subtitle: str
    missing_note: str | None
    unscored_warning: str | None
    taxonomy_note: str | None
    built: bool
    no_comments_note: str | None
    themes: Themes | None
    posts: pd.DataFrame
    trend: pd.DataFrame
    trend_start: date
    posts_caption: str
    theme_labels: dict[str, str]
    touchpoints: tuple[str, ...]
    regions: tuple[str, ...]
    orders: tuple[str, ...]


def windows(week: Period, weeks: int) -> tuple[Period, Period]:
    """The `weeks` weeks ending with the review week, and as many weeks before them."""
    current = voice.window(week, weeks)
    return current, voice.prior_window(current)


def _subtitle(weeks: int, current: Period, prior: Period, filters: Filters) -> str:
    """The window, what it is compared with, and whose comments (the filters and the viewer's scope)."""
    return (
        f"{weeks} weeks from {current.start:%d %b} to {current.end:%d %b %Y}, compared with the {weeks} weeks before "
        f"({prior.start:%d %b} to {prior.end:%d %b %Y}), for {filters.describe()}. Themes come from the editable "
        "taxonomy; sentiment runs from -1 (negative) to +1 (positive)."
    )


def _missing_note(status: voice.Status) -> str | None:
    if not status.missing:
        return None
    return (
        "Not loaded: " + ", ".join(f"`{t}`" for t in status.missing) + ". Load them to see contact reasons, "
        "complaints and social mentions beside survey comments, and each customer's revenue."
    )


def _tiles(overall: dict, pareto: pd.DataFrame, growing: pd.DataFrame, min_n: int) -> tuple[Tile, ...]:
    """Survey comments, negative share, the top detractor theme and the fastest-growing theme (each with its n)."""
    comments = Tile(
        "comments",
        "Survey comments",
        f"{overall['comments']:,}",
        f"Responses with a comment in the window; NPS of those who commented: {_commenters_nps(overall)}.",
        n=overall["comments"],
        min_n=0,
    )
    few = overall["comments"] < min_n
    mean = "" if few else f" Mean sentiment {overall['sentiment']:+.2f}."
    negative = Tile(
        "negative_comments",
        "Negative comments",
        too_few(overall["comments"]) if few else f"{overall['negative_pct']:.0f}%",
        f"Share of comments with sentiment at or below {sentiment.NEGATIVE} (VADER with the domain lexicon).{mean}",
        n=overall["comments"],
        min_n=min_n,
    )
    top = _top_detractor_tile(overall, pareto, min_n)
    return comments, negative, top, _growing_tile(growing, overall["comments"], min_n)


def _commenters_nps(overall: dict) -> str:
    """'+39 (n = 109)', or the n alone below the NPS minimum."""
    if overall["nps_n"] < minimum_n(_NPS):
        return f"withheld, {too_few(overall['nps_n']).lower()}"
    return f"{_NPS.format(overall['nps'])} (n = {overall['nps_n']:,})"


def _top_detractor_tile(overall: dict, pareto: pd.DataFrame, min_n: int) -> Tile:
    top = pareto[pareto["theme"] != voice.NO_THEME]
    label = "Top detractor theme"
    help_text = f"The theme most mentioned in comments of detractors (NPS {DETRACTORS})."
    counted = {"kind": "text", "n": overall["detractor_comments"], "min_n": min_n}
    if top.empty:
        return Tile("top_detractor_theme", label, "No detractor comments", help_text, **counted)
    if overall["detractor_comments"] < min_n:
        return Tile("top_detractor_theme", label, too_few(overall["detractor_comments"]), help_text, **counted)
    note = f"In {top['pct_of_detractor_comments'].iloc[0]:.0f}% of {overall['detractor_comments']:,} detractor comments"
    return Tile("top_detractor_theme", label, f"**{top['label'].iloc[0]}**", help_text, note=note, **counted)


def _growing_tile(growing: pd.DataFrame, comments: int, min_n: int) -> Tile:
    label = "Fastest-growing theme"
    help_text = "Largest rise in the share of comments mentioning it since the prior window."
    counted = {"kind": "text", "n": comments, "min_n": min_n}
    if comments < min_n:
        return Tile("fastest_growing_theme", label, too_few(comments), help_text, **counted)
    if growing.empty:
        return Tile("fastest_growing_theme", label, "No theme grew", help_text, **counted)
    row = growing.iloc[0]
    verdict = "significant" if row["change_significant"] else "not significant"
    note = f"{row['share_change_pts']:+.1f} pts to {row['share_pct']:.1f}% of comments, {verdict}"
    return Tile("fastest_growing_theme", label, f"**{row['label']}**", help_text, note=note, **counted)


def _growth_lines(growing: pd.DataFrame, comments: int, min_n: int) -> tuple[str, ...]:
    """A bullet per growing theme, or one sentence saying that none grew or that there are too few comments."""
    if comments < min_n:
        return (f"Too few comments to compare themes with the prior window (n = {comments:,}; at least {min_n}).",)
    if growing.empty:
        return ("No theme's share of comments grew since the prior window.",)
    return tuple(f"- {voice.growth_sentence(row)}" for _, row in growing.iterrows())


def _pareto_caption(overall: dict, min_n: int) -> str:
    """How to read the detractors' Pareto, or why it is not shown."""
    detractors = overall["detractor_comments"]
    if detractors < min_n:
        return f"Too few comments of detractors (n = {detractors:,}; at least {min_n}) to rank their themes."
    return (
        f"Themes in the {detractors:,} comments of detractors (NPS {DETRACTORS}): bars count the comments mentioning "
        "each theme (label: share of detractor comments); the line adds up the share of all their theme mentions "
        "(top axis)."
    )


def _window_check(check: Separation, min_n: int) -> str:
    """How well sentiment separates the window's promoters' comments from detractors', or why it is not checked."""
    counts = f"{check.n_high:,} promoters' and {check.n_low:,} detractors' comments"
    if min(check.n_high, check.n_low) < min_n:
        return f"Too few comments to check sentiment against the scores in this window ({counts}; minimum {min_n})."
    return (
        f"In this window a promoter's comment scores above a detractor's in {100 * check.auc:.0f}% of pairs (AUC "
        f"{check.auc:.2f}, 95% {check.low:.2f} to {check.high:.2f}; {counts}; 0.5 would be chance)."
    )


def sentiment_note(check: Separation, min_n: int) -> str:
    """How far to trust sentiment: its AUC between promoters' and detractors' comments in the window and on the
    held-out part of the test corpus, against plain VADER's."""
    held_out = evaluation.corpus_separation("held_out")
    vader = evaluation.corpus_separation("held_out", "vader")
    return (
        "Sentiment is VADER with a domain lexicon for business feedback (plain complaints, negation, phrases such as "
        f"'had to chase' or 'on hold'). {_window_check(check, min_n)} On {held_out.n_high + held_out.n_low} "
        f"hand-written test comments in another style, held out from tuning: AUC {held_out.auc:.2f} "
        f"(plain VADER {vader.auc:.2f})."
    )


def themes(sums: pd.DataFrame, labels: dict[str, str], min_n: int, check: Separation) -> Themes | None:
    """The themes section from the window's theme sums and sentiment check; None when no comment matches."""
    overall = voice.totals(sums)
    if overall["comments"] == 0:
        return None
    table = withheld.declare(voice.theme_table(sums, labels, min_n), *THEME_RULES, exact=("theme", "label", "withheld"))
    pareto = withheld.declare(voice.detractor_pareto(sums, labels), PARETO_RULE, exact=("theme", "label"))
    growing = voice.growing_themes(table)
    rows = withheld.declare(charts.theme_view(table, min_n), *ROW_RULES, exact=("Theme", "withheld"))
    return Themes(
        tiles=_tiles(overall, pareto, growing, min_n),
        table=table,
        rows=rows,
        columns=tuple(c for c in rows.columns if c not in HIDDEN_COLUMNS),
        caption=f"A comment can mention several themes. Grey rows: fewer than {min_n} mentions or NPS answers, so the "
        "score is withheld (–) and the count stays. NPS compares the comments mentioning a theme with the other "
        "comments of the window.",
        pareto=pareto,
        pareto_caption=_pareto_caption(overall, min_n),
        growth=_growth_lines(growing, overall["comments"], min_n),
        sentiment_note=sentiment_note(check, min_n),
    )


def _posts_caption(filters: Filters, loaded: tuple[str, ...]) -> str:
    notes = voice.posts_filter_notes(filters, loaded)
    return "Contact reasons and complaints are categories, not free text: their volume is shown, not a sentiment. " + (
        " ".join(notes)
    )


def _options(conn: Connection, filters: Filters, dimension: str, chosen: tuple[str, ...]) -> tuple[str, ...]:
    """What a verbatim control offers: the values chosen in the sidebar, else every value the access scope leaves."""
    return tuple(chosen or catalog.dimension_values(conn, dimension, filters.scope))


@withheld.enforced
def build(conn: Connection, filters: Filters, week: Period, window_weeks: int = int(DEFAULT_WINDOW)) -> VoiceView:
    """The page's query set for the `window_weeks` weeks ending with the review week, against the weeks before."""
    current, prior = windows(week, window_weeks)
    status = voice.status(conn)
    min_n = minimum_n()
    sums = voice.theme_sums(conn, filters, current, prior) if status.built else None
    section = None
    if sums is not None:
        check = voice.sentiment_separation(voice.sentiment_counts(conn, filters, current))
        section = themes(sums, status.labels, min_n, check)
    start = voice.trend_start(current)
    trend = voice.posts_trend(conn, filters, min(prior.start, start), current.end, status.loaded, status.built)
    has_revenue = "customer_revenue" in status.loaded
    return VoiceView(
        current=current,
        prior=prior,
        subtitle=_subtitle(window_weeks, current, prior, filters),
        missing_note=_missing_note(status),
        unscored_warning=None if status.built else UNSCORED,
        taxonomy_note=OLD_TAXONOMY if status.built and not status.taxonomy_current else None,
        built=status.built,
        no_comments_note=NO_COMMENTS if sums is not None and section is None else None,
        themes=section,
        posts=withheld.declare(
            charts.posts_view(voice.posts_summary(trend, current, prior)), POSTS_RULE, exact=_POSTS_EXACT
        ),
        trend=withheld.declare(trend, TREND_RULE, exact=("post", "week_start", "volume", "reach")),
        trend_start=start,
        posts_caption=_posts_caption(filters, status.loaded),
        theme_labels=status.labels,
        touchpoints=_options(conn, filters, "touchpoint", filters.touchpoints),
        regions=_options(conn, filters, "region", filters.regions),
        orders=tuple(ORDER_LABELS) if has_revenue else ("newest",),
    )


# --- verbatims ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """What a reader asks of the verbatims: search text, themes, sentiment labels, NPS groups, touchpoints and
    regions (empty: the sidebar's), and the order ('newest' or 'revenue')."""

    search: str = ""
    themes: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    nps_groups: tuple[str, ...] = ()
    touchpoints: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    order: str = "newest"


@dataclass(frozen=True)
class Verbatims:
    """One page of the comments matching a question: the rows as shown (and as queried), how many match, the page
    shown (clamped to the pages there are), the number of pages and what the caption under them says."""

    rows: pd.DataFrame
    found: pd.DataFrame
    matched: int
    page: int
    pages: int
    caption: str
    empty_note: str | None


def page_key(filters: Filters, week: Period, window_weeks: int, question: Question) -> str:
    """The key of the page-number control for a question: another question is another control, so it starts at 1."""
    digest = hashlib.sha256(repr((filters, week, window_weeks, question)).encode()).hexdigest()[:16]
    return f"voice_page_{digest}"


def _ask(question: Question, page: int) -> voice.VerbatimQuery:
    return voice.VerbatimQuery(
        search=question.search,
        themes=question.themes,
        sentiments=question.sentiments,
        nps_groups=question.nps_groups,
        by_revenue=question.order == "revenue",
        page=page,
    )


def _asked_filters(filters: Filters, question: Question) -> Filters:
    """The sidebar's filters with the question's touchpoints and regions in place of theirs when it names some."""
    return replace(
        filters,
        touchpoints=question.touchpoints or filters.touchpoints,
        regions=question.regions or filters.regions,
    )


def _caption(page: int, shown: int, matched: int, has_revenue: bool) -> str:
    first = (page - 1) * voice.PAGE_SIZE + 1
    missing = "" if has_revenue else ". Load `customer_revenue` to see each customer's revenue."
    return f"Comments {first:,} to {first + shown - 1:,} of {matched:,}" + missing


@withheld.enforced
def verbatims(
    conn: Connection, filters: Filters, week: Period, window_weeks: int, question: Question, page: int = 1
) -> Verbatims:
    """Page `page` of the comments of the window that match the question (past the last page: the last page)."""
    current, _ = windows(week, window_weeks)
    status = voice.status(conn)
    asked = _asked_filters(filters, question)
    page = max(int(page), 1)
    found, matched = voice.verbatims(conn, asked, current, _ask(question, page))
    if found.empty and matched:
        page = voice.page_count(matched)
        found, matched = voice.verbatims(conn, asked, current, _ask(question, page))
    rows = withheld.exact(voice.verbatim_view(found, status.labels))
    return Verbatims(
        rows=rows,
        found=withheld.exact(found),
        matched=matched,
        page=page,
        pages=voice.page_count(matched),
        caption=_caption(page, len(rows), matched, "customer_revenue" in status.loaded),
        empty_note=None if matched else NO_MATCH,
    )
