"""The Voice of the Customer page's numbers computed the naive way: read the rows into pandas, score and tag the
comments in Python at query time (no load-time table), aggregate with groupbys.

The baseline the engine is measured against and an independent check of its numbers: it shares the sentiment
scorer (VADER), the taxonomy file and the period definitions with the engine, never its SQL or arithmetic. Tagging
uses Python's `re`, the engine DuckDB's RE2: equal numbers also check that both read the taxonomy alike. The
benchmark reads the columns in `COLUMNS` into pandas, timed as part of the naive time.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from cxmetrics import config, periods
from cxmetrics.text import sentiment, themes

# The tables and columns the naive computation reads.
COLUMNS: dict[str, str] = {
    "responses": "response_id, customer_id, responded_at, nps, comment",
    "customers": "customer_id, name",
    "social_mentions": "posted_at, text, reach",
    "contacts": "contacted_at",
    "complaints": "opened_at",
    "customer_revenue": "customer_id, month, revenue_usd",
}
WINDOW_WEEKS = 13
NONE = "__none__"


def _scored(texts: pd.Series, taxonomy: themes.Taxonomy) -> pd.DataFrame:
    """Sentiment and themes of each distinct text, scored now."""
    distinct = pd.Series(texts.dropna().unique())
    return pd.DataFrame(
        {
            "text": distinct,
            "sentiment": [sentiment.score(t) for t in distinct],
            "themes": [themes.tag(taxonomy, t) or (NONE,) for t in distinct],
        }
    ).set_index("text")


def _between(stamps: pd.Series, start: date, end: date) -> pd.Series:
    return (stamps >= pd.Timestamp(start)) & (stamps < pd.Timestamp(end + timedelta(days=1)))


def _theme_rows(comments: pd.DataFrame) -> pd.DataFrame:
    """Per theme: comments, sentiment sum, negatives, NPS answers, promoters, detractors."""
    exploded = comments.explode("themes")
    grouped = exploded.groupby("themes")
    return pd.DataFrame(
        {
            "comments": grouped.size(),
            "sentiment_sum": grouped["sentiment"].sum(),
            "negative": grouped["sentiment"].apply(lambda s: (s <= -0.05).sum()),
            "nps_n": grouped["nps"].count(),
            "promoters": grouped["nps"].apply(lambda s: (s >= 9).sum()),
            "detractors": grouped["nps"].apply(lambda s: (s <= 6).sum()),
        }
    )


def _nps(promoters: float, detractors: float, n: float) -> float:
    return 100 * (promoters - detractors) / n if n else float("nan")


def _themes(now: pd.DataFrame, before: pd.DataFrame, keys: list[str], min_n: int) -> dict[str, float]:
    numbers = {}
    rows, prior = _theme_rows(now), _theme_rows(before)
    total_p, total_d, total_n = (now["nps"] >= 9).sum(), (now["nps"] <= 6).sum(), now["nps"].count()
    for key in keys:
        r = rows.loc[key] if key in rows.index else pd.Series(0.0, index=rows.columns)
        mentions = float(r["comments"])
        prior_mentions = float(prior.loc[key, "comments"]) if key in prior.index else 0.0
        withheld = mentions < min_n
        numbers |= {
            f"theme|{key}|mentions": mentions,
            f"theme|{key}|share_pct": 100 * mentions / len(now) if len(now) else float("nan"),
            f"theme|{key}|sentiment": float("nan") if withheld else r["sentiment_sum"] / mentions,
            f"theme|{key}|negative_pct": float("nan") if withheld else 100 * r["negative"] / mentions,
            f"theme|{key}|nps_with": float("nan")
            if r["nps_n"] < min_n
            else _nps(r["promoters"], r["detractors"], r["nps_n"]),
            f"theme|{key}|nps_without": _nps(total_p - r["promoters"], total_d - r["detractors"], total_n - r["nps_n"]),
            f"theme|{key}|prior_share_pct": 100 * prior_mentions / len(before) if len(before) else float("nan"),
        }
        if r["detractors"] > 0:
            numbers[f"pareto|{key}|detractor_mentions"] = float(r["detractors"])
    return numbers


def _weekly(frame: pd.DataFrame, column: str, post: str) -> dict[str, float]:
    """Volume (and sentiment sums, negatives, reach where present) per ISO week of one listening post."""
    week = frame[column].dt.to_period("W-SUN").dt.start_time.dt.date
    grouped = frame.groupby(week)
    numbers = {f"posts|{post}|{w}|volume": float(v) for w, v in grouped.size().items()}
    if "sentiment" in frame:
        for w, s in grouped["sentiment"]:
            numbers[f"posts|{post}|{w}|sentiment_sum"] = float(s.sum())
            numbers[f"posts|{post}|{w}|negative"] = float((s <= -0.05).sum())
    if "reach" in frame:
        numbers |= {f"posts|{post}|{w}|reach": float(v) for w, v in grouped["reach"].sum().items()}
    return numbers


def _verbatims(t: dict[str, pd.DataFrame], now: pd.DataFrame, end: date) -> dict[str, float]:
    """The newest 25 comments of the window with their customer's revenue over the 12 closed months to `end`."""
    last = periods.closed_month(end).start
    first = pd.Timestamp(last) - pd.DateOffset(months=11)
    revenue = t["customer_revenue"]
    months = pd.to_datetime(revenue["month"])
    per_customer = (
        revenue[(months >= first) & (months <= pd.Timestamp(last))].groupby("customer_id")["revenue_usd"].sum()
    )
    page = now.sort_values(["responded_at", "response_id"], ascending=[False, True]).head(25)
    numbers = {"verbatims|||matched": float(len(now))}
    for rank, row in enumerate(page.itertuples()):
        numbers[f"verbatims|{rank}||nps"] = float(row.nps) if pd.notna(row.nps) else float("nan")
        numbers[f"verbatims|{rank}||sentiment"] = float(row.sentiment)
        numbers[f"verbatims|{rank}||revenue_12m_usd"] = float(per_customer.get(row.customer_id, np.nan))
    return numbers


def naive_voice(t: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The same numbers as `bench_voice.voice_numbers`, computed with pandas from `COLUMNS` in memory."""
    taxonomy = themes.load()
    min_n = int(config.get("CX_MIN_N"))
    responses = t["responses"]
    week = periods.last_complete("week", responses["responded_at"].max().date())
    start = week.end - timedelta(weeks=WINDOW_WEEKS) + timedelta(days=1)
    prior_start = start - timedelta(weeks=WINDOW_WEEKS)
    commented = responses[responses["comment"].fillna("").str.strip() != ""]
    social = t["social_mentions"]
    scored = _scored(pd.concat([commented["comment"], social["text"]]), taxonomy)
    comments = commented.assign(
        sentiment=commented["comment"].map(scored["sentiment"]), themes=commented["comment"].map(scored["themes"])
    )
    now = comments[_between(comments["responded_at"], start, week.end)]
    before = comments[_between(comments["responded_at"], prior_start, start - timedelta(days=1))]
    numbers = _themes(now, before, [*taxonomy.labels(), NONE], min_n)
    trend_start = min(prior_start, week.end - timedelta(weeks=52) + timedelta(days=1))
    posts = {
        "Survey comments": (comments, "responded_at"),
        "Contact reasons": (t["contacts"], "contacted_at"),
        "Complaints": (t["complaints"], "opened_at"),
        "Social mentions": (social.assign(sentiment=social["text"].map(scored["sentiment"])), "posted_at"),
    }
    for post, (frame, column) in posts.items():
        shown = frame[_between(frame[column], trend_start, week.end)]
        if post == "Survey comments":
            shown = shown[["responded_at", "sentiment"]]
        numbers |= _weekly(shown, column, post)
    return numbers | _verbatims(t, now, week.end)
