"""Social-media mentions of the sample company: a steady stream that follows regional experience, plus spikes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from cxmetrics.sample import calendar as cal
from cxmetrics.sample import params as sp
from cxmetrics.sample import text
from cxmetrics.sample.context import APAC, EMEA, Context
from cxmetrics.sample.sim import draw
from cxmetrics.sample.tables import ids

MENTIONS_PER_WEEK = 14.0
REGION_KNOWN_SHARE = 0.75
PLATFORM_SHARES = np.array([0.30, 0.25, 0.15, 0.15, 0.15])
PLATFORM_MEDIAN_REACH = np.array([1500.0, 900.0, 400.0, 250.0, 200.0])
VIRAL_SHARE = 0.01


def _daily_rate(scale: float) -> np.ndarray:
    """Expected ordinary mentions per day (people post on weekends too, a little less)."""
    weekday = (cal.day_dates().astype(np.int64) + 3) % 7
    return MENTIONS_PER_WEEK / 7 * scale * np.where(weekday < 5, 1.1, 0.75)


def _regular(rng: np.random.Generator, ctx: Context, scale: float) -> dict[str, np.ndarray]:
    """Ordinary mentions whose tone follows the region's experience level."""
    days = np.repeat(np.arange(cal.N_DAYS), rng.poisson(_daily_rate(scale)))
    n = len(days)
    region = draw(rng, np.asarray(sp.REGION_SHARES), n)
    month = np.searchsorted(cal.MONTH_STARTS, days, side="right") - 1
    level = ctx.engagement_latent[region, month] + ctx.world.experience.trend_per_month * month
    level += np.asarray(ctx.world.experience.region_effect)[region]
    weights = np.stack([0.45 * np.exp(3 * level), np.full(n, 0.33), 0.22 * np.exp(-4 * level)], axis=1)
    cumulative = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    sentiment = (rng.random(n)[:, None] >= cumulative).sum(axis=1).clip(0, 2)
    topic_names = np.array([text.TOPIC_INDEX[t] for t in text.SOCIAL_TOPICS])
    topic = topic_names[draw(rng, np.asarray(text.SOCIAL_TOPIC_SHARES), n)]
    return {"day": days, "region": region, "sentiment": sentiment, "topic": topic}


def _spike(rng: np.random.Generator, intensity: np.ndarray, per_week: float, region: int, topic: str) -> dict:
    """Extra mostly negative mentions on one topic while an event is live."""
    days = np.repeat(np.arange(cal.N_DAYS), rng.poisson(per_week / 7 * intensity))
    n = len(days)
    return {
        "day": days,
        "region": np.full(n, region),
        "sentiment": draw(rng, np.array([0.03, 0.22, 0.75]), n),
        "topic": np.full(n, text.TOPIC_INDEX[topic]),
    }


def mentions(rng: np.random.Generator, ctx: Context, scale: float) -> dict[str, pa.Array]:
    """The social_mentions table, sorted by time."""
    price_news = np.where(np.arange(cal.N_DAYS) < int(cal.day_index(np.datetime64(sp.PRICE_INCREASE.start))) + 45, 1, 0)
    parts = [
        _regular(rng, ctx, scale),
        _spike(
            rng,
            ctx.migration,
            sp.MIGRATION.effects["social_negative_extra_per_week"] * scale,
            EMEA,
            "billing_migration",
        ),
        _spike(
            rng,
            ctx.field_partner,
            sp.FIELD_PARTNER.effects["social_negative_extra_per_week"] * scale,
            APAC,
            "field_partner",
        ),
        _spike(rng, ctx.price * price_news, 4.0 * scale, -1, "value"),
    ]
    m = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    times = cal.sample_times(rng, m["day"])
    order = np.argsort(times, kind="stable")
    m = {k: v[order] for k, v in m.items()}
    n = len(order)
    platform = draw(rng, PLATFORM_SHARES, n)
    reach = np.exp(np.log(PLATFORM_MEDIAN_REACH[platform]) + rng.normal(0, 1.2, n))
    reach *= np.where(rng.random(n) < VIRAL_SHARE, rng.uniform(30, 300, n), 1.0)
    unknown = (m["region"] < 0) | (rng.random(n) > REGION_KNOWN_SHARE)
    return {
        "mention_id": ids("SM", 1, n),
        "posted_at": pa.array(times[order]),
        "platform": pa.array(np.array(sp.SOCIAL_PLATFORMS, dtype=object)[platform], pa.string()),
        "region": pa.array(np.array(sp.REGIONS, dtype=object)[np.maximum(m["region"], 0)], pa.string(), mask=unknown),
        "text": text.social_texts(rng, m["topic"], m["sentiment"]),
        "reach": pa.array(np.minimum(np.rint(reach), 2**31 - 1).astype(np.int32)),
    }
