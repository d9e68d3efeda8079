"""Voice of the customer: themes and sentiment of comments, detractor reasons, listening posts, verbatims.

Queries aggregate in DuckDB over the texts scored and tagged at load time (`cxmetrics.text.index`), through the
global filters and access scope (`aggregate.scoped`); the arithmetic on the small frames they return is in pure
functions below (`theme_table`, `detractor_pareto`, `growing_themes`, `posts_summary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics import measures
from cxmetrics.metrics.estimates import MeanEstimate, ProportionEstimate
from cxmetrics.metrics.registry import get_metric
from cxmetrics.metrics.sources import COMPLAINTS_OPENED, CONTACTS, RESPONSES, SOCIAL_MENTIONS, Source
from cxmetrics.periods import Period
from cxmetrics.query.aggregate import scoped
from cxmetrics.stats import intervals as stats
from cxmetrics.stats import separation
from cxmetrics.text import index as voice_index
from cxmetrics.text import sentiment, themes

ALL = "__all__"
NO_THEME = "__none__"
NO_THEME_LABEL = "(no theme matched)"
WINDOW_WEEKS = (4, 13, 52)
TREND_WEEKS = 52
PAGE_SIZE = 25
NPS_GROUPS = measures.NPS_GROUPS
NPS_GROUP_LABELS = {g: f"{g.capitalize()}s ({measures.NPS_RANGES[g]})" for g in NPS_GROUPS}
OPTIONAL_TABLES = ("social_mentions", "contacts", "complaints", "customer_revenue")
# Sums over comments (columns nps, sentiment): additive, so a theme's complement is the total minus the theme.
_MEASURES = (
    "count(*) AS comments, sum(sentiment) AS sentiment_sum, sum(sentiment * sentiment) AS sentiment_sq, "
    f"count(*) FILTER (WHERE sentiment <= {sentiment.NEGATIVE}) AS negative, count(nps) AS nps_n, "
    f"{measures.promoters('nps')} AS promoters, {measures.detractors('nps')} AS detractors"
)
_NPS_GROUP = measures.nps_group("r.nps")


# --- periods and status ------------------------------------------------------------------------------------------


def window(week: Period, weeks: int) -> Period:
    """The `weeks` ISO weeks ending with the review week."""
    return periods.rolling_weeks(week, weeks)


def prior_window(current: Period) -> Period:
    """The window of the same length just before `current`."""
    return Period(current.grain, current.start - timedelta(days=current.days), current.start - timedelta(days=1))


def trend_start(current: Period) -> date:
    """The first day of the listening-post trend: the window, or the 52 weeks ending with it if that is longer."""
    return min(current.start, current.end - timedelta(weeks=TREND_WEEKS) + timedelta(days=1))


def page_count(matched: int, page_size: int = PAGE_SIZE) -> int:
    """How many pages `matched` rows fill (at least one)."""
    return max(1, -(-matched // page_size))


@dataclass(frozen=True)
class Status:
    """What the page can show: scored texts, whether their taxonomy is the configured one, the optional tables."""

    built: bool
    taxonomy_current: bool
    loaded: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> tuple[str, ...]:
        """Optional tables the page uses that hold no rows."""
        return tuple(t for t in OPTIONAL_TABLES if t not in self.loaded)


def status(conn: Connection) -> Status:
    """Which of the page's inputs the database holds (read once per database version by the page)."""
    loaded = tuple(t for t in OPTIONAL_TABLES if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0])  # noqa: S608
    if not voice_index.is_built(conn):
        return Status(False, False, loaded)
    rows = conn.execute(f"SELECT theme, label FROM {voice_index.THEMES_TABLE} ORDER BY position").fetchall()  # noqa: S608
    current = voice_index.tagged_with(conn) == themes.load().fingerprint
    return Status(True, current, loaded, dict(rows))


def _time_range(expr: str, start, end, params: dict, prefix: str = "t") -> str:
    """`start <= expr < end + 1 day` with bound dates."""
    params[f"{prefix}0"], params[f"{prefix}1"] = start, end + timedelta(days=1)
    return f"{expr} >= ${prefix}0 AND {expr} < ${prefix}1"


def _scoped(source: Source, filters: Filters, params: dict) -> tuple[str, str]:
    """Joins and WHERE of the filters and access scope on `source`, their values bound into `params`."""
    joins, where, _ = scoped(source, filters, params)
    return joins, where


def ignored_filters(source: Source, filters: Filters) -> tuple[str, ...]:
    """Selected dimensions that do not apply to `source` (e.g. touchpoint for social posts)."""
    return tuple(d for d in sorted(filters.selections()) if d not in source.dims)


# --- themes ------------------------------------------------------------------------------------------------------


def theme_sums(conn: Connection, filters: Filters, current: Period, prior: Period) -> pd.DataFrame:
    """Per window (current, prior) and theme (ALL: every comment, NO_THEME: untagged): counts and sums of the
    responses with a comment: comments, sentiment sums, negative comments, NPS answers, promoters, detractors."""
    params: dict = {"current_start": current.start}
    joins, where = _scoped(RESPONSES, filters, params)
    period = "CASE WHEN r.responded_at >= $current_start THEN 'current' ELSE 'prior' END"
    sql = f"""
        WITH base AS (
            SELECT {period} AS period, r.nps, r.sentiment, r.themes
            FROM {voice_index.COMMENTS_TABLE} r {joins}
            WHERE {_time_range("r.responded_at", prior.start, current.end, params)} AND {where}),
        tagged AS (
            SELECT period, nps, sentiment,
                   unnest(CASE WHEN len(themes) = 0 THEN ['{NO_THEME}'] ELSE themes END) AS theme
            FROM base)
        SELECT period, theme, {_MEASURES} FROM tagged GROUP BY ALL
        UNION ALL
        SELECT period, '{ALL}' AS theme, {_MEASURES} FROM base GROUP BY ALL
    """  # noqa: S608 (registry identifiers and constants; user values bound)
    return conn.execute(sql, params).df()


def _counts(sums: pd.DataFrame, period: str, keys: Sequence[str]) -> pd.DataFrame:
    """One window's sums indexed by theme key, zeros for themes without rows."""
    rows = sums[sums["period"] == period].set_index("theme").drop(columns="period")
    columns = ["comments", "sentiment_sum", "sentiment_sq", "negative", "nps_n", "promoters", "detractors"]
    return rows.reindex(list(keys), fill_value=0)[columns].astype(float).fillna(0.0)


# The registry's estimators over the comment sums: the Student-t mean of sentiment, the nps estimator and its change
# test, and a share of comments (negative ones; those mentioning a theme) with the two-proportion test of its change.
_SENTIMENT = MeanEstimate("sentiment_sum", "sentiment_sq", "comments")
_NPS = get_metric("nps").estimate
_NEGATIVE = ProportionEstimate("negative", "comments")
_SHARE = ProportionEstimate("comments", "all_comments")


def _nps_sums(sums: pd.DataFrame | pd.Series) -> dict:
    """The nps metric's sums of comment sums: promoters, detractors and n (the comments with an NPS answer)."""
    return {"promoters": sums["promoters"], "detractors": sums["detractors"], "n": sums["nps_n"]}


def _share_sums(sums: pd.DataFrame, total: pd.Series) -> dict:
    """A theme's comments out of all the window's comments."""
    return {"comments": sums["comments"], "all_comments": total["comments"]}


def theme_table(sums: pd.DataFrame, labels: dict[str, str], min_n: int) -> pd.DataFrame:
    """Per theme: mentions, share of comments, sentiment with its interval, NPS of the comments mentioning it
    against those that do not (with the significance of the gap), and the change of its share since the prior window,
    with the window's comments (all_comments, prior_all_comments: the shares' n). Sentiment and NPS are withheld
    (NaN, `withheld` True) below `min_n` mentions."""
    keys = [*labels, NO_THEME]
    now, before = _counts(sums, "current", keys), _counts(sums, "prior", keys)
    total, total_before = _counts(sums, "current", [ALL]).iloc[0], _counts(sums, "prior", [ALL]).iloc[0]
    mean, low, high = _SENTIMENT.estimate(now)
    rest = now.rsub(total, axis=1)
    gap = _NPS.test(_nps_sums(now), _nps_sums(rest))
    growth = _SHARE.test(_share_sums(now, total), _share_sums(before, total_before))
    withheld = (now["comments"] < min_n).to_numpy()
    table = pd.DataFrame(
        {
            "theme": keys,
            "label": [labels.get(k, NO_THEME_LABEL) for k in keys],
            "mentions": now["comments"].astype(int).to_numpy(),
            "share_pct": _SHARE.estimate(_share_sums(now, total))[0],
            "sentiment": mean,
            "sentiment_low": low,
            "sentiment_high": high,
            "negative_pct": _NEGATIVE.estimate(now)[0],
            "nps_with": _NPS.estimate(_nps_sums(now))[0],
            "nps_n_with": now["nps_n"].astype(int).to_numpy(),
            "nps_without": _NPS.estimate(_nps_sums(rest))[0],
            "nps_n_without": rest["nps_n"].astype(int).to_numpy(),
            "gap_significant": np.asarray(gap.significant, dtype=bool),
            "prior_mentions": before["comments"].astype(int).to_numpy(),
            "prior_share_pct": _SHARE.estimate(_share_sums(before, total_before))[0],
            "change_significant": np.asarray(growth.significant, dtype=bool),
            "withheld": withheld,
            "all_comments": np.full(len(keys), int(total["comments"])),
            "prior_all_comments": np.full(len(keys), int(total_before["comments"])),
        }
    )
    too_few_nps = (table["nps_n_with"] < min_n).to_numpy()
    for column in ("sentiment", "sentiment_low", "sentiment_high", "negative_pct"):
        table.loc[withheld, column] = np.nan
    table.loc[too_few_nps, ["nps_with"]] = np.nan
    table["nps_gap_pts"] = table["nps_with"] - table["nps_without"]
    table.loc[too_few_nps, "gap_significant"] = False
    table["share_change_pts"] = table["share_pct"] - table["prior_share_pct"]
    return table


def totals(sums: pd.DataFrame) -> dict[str, float]:
    """Every comment of the current window: count, mean sentiment, negative share, NPS and its n."""
    row = _counts(sums, "current", [ALL]).iloc[0]
    return {
        "comments": int(row["comments"]),
        "sentiment": float(_SENTIMENT.estimate(row)[0]),
        "negative_pct": float(_NEGATIVE.estimate(row)[0]),
        "nps": float(_NPS.estimate(_nps_sums(row))[0]),
        "nps_n": int(row["nps_n"]),
        "detractor_comments": int(row["detractors"]),
    }


def sentiment_counts(conn: Connection, filters: Filters, current: Period) -> pd.DataFrame:
    """Per distinct sentiment score of the window's comments: how many promoters' and detractors' comments have it."""
    params: dict = {}
    joins, where = _scoped(RESPONSES, filters, params)
    sql = f"""
        SELECT r.sentiment, {measures.promoters("r.nps")} AS promoters, {measures.detractors("r.nps")} AS detractors
        FROM {voice_index.COMMENTS_TABLE} r {joins}
        WHERE {_time_range("r.responded_at", current.start, current.end, params)} AND {where} AND r.nps IS NOT NULL
        GROUP BY r.sentiment
    """  # noqa: S608 (registry identifiers and constants; user values bound)
    return conn.execute(sql, params).df()


def sentiment_separation(counts: pd.DataFrame) -> separation.Separation:
    """How well sentiment separates promoters' comments from detractors': the AUC of Mann-Whitney's U."""
    return separation.auc_of_counts(counts["sentiment"], counts["promoters"], counts["detractors"])


def detractor_pareto(sums: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Themes of detractors' comments in the current window, most mentioned first (untagged last), with the
    detractor comments (the n), the share of them mentioning each and the cumulative share of all detractor theme
    mentions."""
    keys = [*labels, NO_THEME]
    now = _counts(sums, "current", keys)
    detractor_comments = _counts(sums, "current", [ALL]).iloc[0]["detractors"]
    frame = pd.DataFrame({"theme": keys, "label": [labels.get(k, NO_THEME_LABEL) for k in keys]})
    frame["detractor_mentions"] = now["detractors"].astype(int).to_numpy()
    frame = frame[frame["detractor_mentions"] > 0]
    tagged = frame[frame["theme"] != NO_THEME].sort_values(["detractor_mentions", "label"], ascending=[False, True])
    frame = pd.concat([tagged, frame[frame["theme"] == NO_THEME]], ignore_index=True)
    frame["detractor_comments"] = int(detractor_comments)
    frame["pct_of_detractor_comments"] = 100 * stats.ratio(frame["detractor_mentions"], detractor_comments)
    frame["cumulative_pct"] = 100 * stats.ratio(frame["detractor_mentions"].cumsum(), frame["detractor_mentions"].sum())
    return frame


def growing_themes(table: pd.DataFrame, limit: int = 5) -> pd.DataFrame:
    """The themes whose share of comments grew most since the prior window (untagged comments left out)."""
    rising = table[(table["theme"] != NO_THEME) & (table["share_change_pts"] > 0)]
    return rising.sort_values(["share_change_pts", "label"], ascending=[False, True]).head(limit)


def growth_sentence(row: pd.Series) -> str:
    """'Billing & invoices: 12.0% of comments (240 of 2,000), up 3.1 points from 8.9% (significant).'"""
    verdict = "significant" if row["change_significant"] else "not significant"
    return (
        f"{row['label']}: {row['share_pct']:.1f}% of comments ({int(row['mentions']):,} of "
        f"{int(row['all_comments']):,}), up "
        f"{row['share_change_pts']:.1f} points from {row['prior_share_pct']:.1f}% ({verdict})."
    )


# --- listening posts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """A listening post: its table, the source that filters it, its time column, and its text column (if any)."""

    name: str
    table: str
    source: Source
    time: str
    text: str | None = None


LISTENING_POSTS = (
    Post("Survey comments", "responses", RESPONSES, "r.responded_at", "r.comment"),
    Post("Contact reasons", "contacts", CONTACTS, "t.contacted_at"),
    Post("Complaints", "complaints", COMPLAINTS_OPENED, "k.opened_at"),
    Post("Social mentions", "social_mentions", SOCIAL_MENTIONS, "m.posted_at", "m.text"),
)
POSTS = tuple(p.name for p in LISTENING_POSTS)


def _post_relation(post: Post, scored: bool) -> tuple[str, str | None]:
    """The relation a post is read from and its sentiment column (None without scored text)."""
    if post.text and scored and post.table == "responses":
        return f"{voice_index.COMMENTS_TABLE} r", "r.sentiment"
    if post.text and scored:
        return f"{post.source.from_sql} JOIN {voice_index.TEXTS_TABLE} v ON v.text = {post.text}", "v.sentiment"
    return post.source.from_sql, None


def _post_sql(post: Post, filters: Filters, start, end, params: dict, scored: bool = True) -> str:
    """One listening post's weekly volume, and sentiment when it has scored text (social posts: their reach too)."""
    joins, where = _scoped(post.source, filters, params)
    relation, score = _post_relation(post, scored)
    if post.text and not scored:
        where = f"{where} AND trim({post.text}) <> ''"
    sums = (
        f"sum({score}) AS sentiment_sum, count({score}) AS sentiment_n, "
        f"count(*) FILTER (WHERE {score} <= {sentiment.NEGATIVE}) AS negative"
        if score
        else "NULL AS sentiment_sum, 0 AS sentiment_n, NULL AS negative"
    )
    reach = "sum(m.reach)" if post.table == "social_mentions" else "NULL"
    period = _time_range(post.time, start, end, params, f"{post.table}_t")
    return (
        f"SELECT '{post.name}' AS post, CAST(date_trunc('week', {post.time}) AS DATE) AS week_start, "  # noqa: S608
        f"count(*) AS volume, {sums}, {reach} AS reach FROM {relation} {joins} "
        f"WHERE {period} AND {where} GROUP BY ALL"
    )


def posts_trend(
    conn: Connection, filters: Filters, start, end, loaded: Sequence[str], scored: bool = True
) -> pd.DataFrame:
    """Weekly volume per listening post (and sentiment of the ones with text, when `scored`) from `start` to `end`,
    in one query; posts whose table is not loaded are left out."""
    params: dict = {}
    wanted = [p for p in LISTENING_POSTS if p.table == "responses" or p.table in loaded]
    parts = [_post_sql(p, filters, start, end, params, scored) for p in wanted]
    frame = conn.execute(" UNION ALL ".join(parts), params).df()
    frame["week_start"] = pd.to_datetime(frame["week_start"])
    return frame.sort_values(["post", "week_start"], ignore_index=True)


def posts_filter_notes(filters: Filters, loaded: Sequence[str]) -> list[str]:
    """Sentences saying which selected filters a loaded listening post cannot apply."""
    notes = []
    for post in LISTENING_POSTS:
        ignored = ignored_filters(post.source, filters)
        if ignored and (post.table in loaded or post.table == "responses"):
            notes.append(f"{post.name} are not filtered by {', '.join(ignored)}.")
    if not filters.scope.unrestricted and "social_mentions" in loaded:
        notes.append(_social_scope_note(filters))
    return notes


def _social_scope_note(filters: Filters) -> str:
    """What a restricted access scope leaves of the social mentions, which carry only a region."""
    if set(filters.scope.restrictions()) == {"region"}:
        return "Social mentions of unknown region are not shown under a regional access scope."
    return "Social mentions are not shown under an access scope by segment or touchpoint: they carry only a region."


def posts_summary(trend: pd.DataFrame, current: Period, prior: Period) -> pd.DataFrame:
    """Per listening post in the current window: volume, share of all voices, volume per week, mean sentiment and
    negative share (posts with text) with the texts scored (their n), and the change of volume against the prior
    window."""
    rows = []
    weeks = current.days / 7
    for post in POSTS:
        own = trend[trend["post"] == post]
        if own.empty and post != "Survey comments":
            continue
        now = own[own["week_start"].dt.date >= current.start]
        before = own[(own["week_start"].dt.date >= prior.start) & (own["week_start"].dt.date < current.start)]
        volume, scored = float(now["volume"].sum()), float(now["sentiment_n"].sum())
        sums = {"sentiment_sum": now["sentiment_sum"].sum(), "negative": now["negative"].sum(), "comments": scored}
        rows.append(
            {
                "post": post,
                "volume": int(volume),
                "per_week": volume / weeks,
                "sentiment": float(_SENTIMENT.value(sums)) if scored else np.nan,
                "negative_pct": float(_NEGATIVE.estimate(sums)[0]) if scored else np.nan,
                "scored": int(scored),
                "prior_volume": int(before["volume"].sum()),
                "reach": float(now["reach"].sum()) if post == "Social mentions" else np.nan,
            }
        )
    frame = pd.DataFrame(rows)
    frame["share_pct"] = 100 * stats.ratio(frame["volume"], frame["volume"].sum())
    frame["change_pct"] = 100 * (stats.ratio(frame["volume"], frame["prior_volume"]) - 1)
    return frame


# --- verbatims ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerbatimQuery:
    """What the reader asked for: a search text, themes, sentiment labels, NPS groups, sort order and page."""

    search: str = ""
    themes: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    nps_groups: tuple[str, ...] = ()
    by_revenue: bool = False
    page: int = 1
    page_size: int = PAGE_SIZE


def _verbatim_conditions(ask: VerbatimQuery, params: dict) -> list[str]:
    """The reader's own conditions, every value bound."""
    conditions = []
    if ask.search.strip():
        params["search"] = ask.search.strip().lower()
        conditions.append("contains(lower(r.comment), $search)")
    if ask.themes:
        params["themes"] = list(ask.themes)
        conditions.append("list_has_any(r.themes, $themes::VARCHAR[])")
    if ask.sentiments:
        params["sentiments"] = list(ask.sentiments)
        conditions.append(f"list_contains($sentiments::VARCHAR[], {sentiment.label_sql('r.sentiment')})")
    if ask.nps_groups:
        params["nps_groups"] = list(ask.nps_groups)
        conditions.append(f"list_contains($nps_groups::VARCHAR[], {_NPS_GROUP})")
    return conditions


def revenue_months(end: date) -> tuple[date, date]:
    """The first and the last month start of the 12 closed months up to `end`."""
    months = periods.trailing_months(end)
    return months.start, months.end.replace(day=1)


def verbatims(conn: Connection, filters: Filters, current: Period, ask: VerbatimQuery) -> tuple[pd.DataFrame, int]:
    """One page of the comments matching the filters and the reader's conditions, newest (or highest-revenue
    customer) first, with the customer's revenue over the 12 closed months to the window's end; and how many match."""
    params: dict = {}
    joins, where = _scoped(RESPONSES, filters, params)
    conditions = [_time_range("r.responded_at", current.start, current.end, params), where]
    where = " AND ".join(conditions + _verbatim_conditions(ask, params))
    count = f"SELECT count(*) FROM {voice_index.COMMENTS_TABLE} r {joins} WHERE {where}"  # noqa: S608
    matched = int(conn.execute(count, params).fetchone()[0])
    customer = RESPONSES.joins["c"]
    plain_joins, joins = joins, joins if customer in joins else f"{joins} {customer}"
    first, last = revenue_months(current.end)
    paging = {"limit": ask.page_size, "offset": (max(ask.page, 1) - 1) * ask.page_size}
    columns = "r.responded_at, c.name AS customer, c.region, r.touchpoint, r.nps, r.sentiment, r.themes, r.comment"
    if ask.by_revenue:
        page = f"""
            SELECT {columns}, rev.revenue_12m_usd FROM {voice_index.COMMENTS_TABLE} r {joins}
            LEFT JOIN (SELECT customer_id, sum(revenue_usd) AS revenue_12m_usd FROM customer_revenue
                       WHERE month >= $rev0 AND month <= $rev1 GROUP BY ALL) rev ON rev.customer_id = r.customer_id
            WHERE {where}
            ORDER BY rev.revenue_12m_usd DESC NULLS LAST, r.responded_at DESC, r.response_id LIMIT $limit OFFSET $offset
        """  # noqa: S608 (registry identifiers and constants; user values bound)
        return conn.execute(page, params | paging | {"rev0": first, "rev1": last}).df(), matched
    newest = (
        f"SELECT r.* FROM {voice_index.COMMENTS_TABLE} r {plain_joins} WHERE {where} "  # noqa: S608
        "ORDER BY r.responded_at DESC, r.response_id LIMIT $limit OFFSET $offset"
    )
    page = f"""
        SELECT {columns}, r.customer_id FROM ({newest}) r {customer}
        ORDER BY r.responded_at DESC, r.response_id
    """  # noqa: S608 (registry identifiers and constants; user values bound)
    frame = conn.execute(page, params | paging).df()
    revenue = _revenue(conn, frame["customer_id"].dropna().unique().tolist(), first, last)
    frame["revenue_12m_usd"] = frame["customer_id"].map(revenue).astype(float)
    return frame.drop(columns="customer_id"), matched


def _revenue(conn: Connection, customer_ids: list[str], first: date, last: date) -> dict[str, float]:
    """Revenue of each listed customer over the months from `first` to `last`."""
    rows = conn.execute(
        "SELECT customer_id, sum(revenue_usd) FROM customer_revenue WHERE customer_id IN (SELECT unnest($ids)) "
        "AND month >= $first AND month <= $last GROUP BY ALL",
        {"ids": customer_ids or [""], "first": first, "last": last},
    ).fetchall()
    return dict(rows)


def verbatim_view(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The verbatims as the page shows them: date, customer, revenue, score, sentiment label, themes, comment."""
    return pd.DataFrame(
        {
            "date": pd.to_datetime(frame["responded_at"]).dt.date,
            "customer": frame["customer"].fillna("(anonymous)"),
            "revenue_12m_usd": frame["revenue_12m_usd"].round(0),
            "nps": frame["nps"],
            "sentiment": [sentiment.label(s) for s in frame["sentiment"]],
            "comment": frame["comment"],
            "themes": [", ".join(labels.get(t, t) for t in tags) for tags in frame["themes"]],
            "touchpoint": frame["touchpoint"],
            "region": frame["region"],
        }
    )
