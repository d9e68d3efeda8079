"""The deterministic synthetic sample world: a B2B services company with planted, recorded causal structure.

`generate(out_dir)` writes one zstd Parquet file per contract table plus `truth.json`, the planted parameters and
the realised figures a dashboard over the data should find. Customers are simulated in chunks, month by month and
vectorised over the customers of a chunk, so memory stays bounded at any size.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from cxmetrics.sample import calendar as cal
from cxmetrics.sample import context as sample_context
from cxmetrics.sample import customers as sample_customers
from cxmetrics.sample import params as sp
from cxmetrics.sample import social as sample_social
from cxmetrics.sample import targets as sample_targets
from cxmetrics.sample import truth as sample_truth
from cxmetrics.sample.customers import Population
from cxmetrics.sample.names import company_names, owner_names
from cxmetrics.sample.sim import NEVER, ChunkSimulation, Totals, categorical
from cxmetrics.sample.tables import ChunkTables, TableWriters, ids, labels

DEFAULT_RESPONSES = sp.DEFAULT_RESPONSES
TEAM_CUSTOMERS_PER_EMPLOYEE = np.array([35.0, 60.0, 150.0, 45.0, 120.0, 40.0])
TEAM_ENGAGEMENT_OFFSET = np.array([-2.0, 3.0, 0.0, -1.0, 1.0, 2.0])
_STREAM = {"customers": 1, "context": 2, "names": 3, "social": 4, "engagement": 5, "channels": 6, "tables": 7}
FINISHING_STEPS = 3


def stream(seed: int, name: str, index: int = 0) -> np.random.Generator:
    """An independent random generator for one named part of the world (and chunk index)."""
    return np.random.default_rng([seed, _STREAM[name], index])


def generate(out_dir: Path, responses: int = DEFAULT_RESPONSES, seed: int = 42, progress: bool = False) -> dict:
    """Write the sample world's tables and truth.json into out_dir and return the truth."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = sp.World()
    pop = sample_customers.build(stream(seed, "customers"), sp.customer_count(responses), world)
    ctx = sample_context.build(stream(seed, "context"), world)
    totals = Totals()
    churn_day = np.full(pop.size, -1, dtype=np.int64)
    n_chunks = math.ceil(pop.size / sp.CHUNK_CUSTOMERS)
    total_steps = n_chunks * cal.SIM_MONTHS + FINISHING_STEPS
    with tqdm(total=total_steps, desc="sample world", unit="step", disable=not progress) as bar:
        with TableWriters(out_dir) as writers:
            for chunk in range(n_chunks):
                low, high = chunk * sp.CHUNK_CUSTOMERS, min(pop.size, (chunk + 1) * sp.CHUNK_CUSTOMERS)
                sim = ChunkSimulation(ctx, pop.slice(low, high), stream(seed, "customers", chunk + 1), totals)
                sim.run(on_month=bar.update)
                tables = ChunkTables(sim, low, writers.rows, stream(seed, "tables", chunk))
                for name, columns in tables.all().items():
                    writers.write(name, columns)
                churn_day[low:high] = sim.churn_day
            writers.write("customers", customers_table(seed, pop, churn_day, totals))
            writers.write("financials", financials_table(pop, churn_day, totals, world))
            writers.write("employee_engagement", engagement_table(stream(seed, "engagement"), ctx, totals))
            scale = pop.size / sp.DEFAULT_CUSTOMERS
            writers.write("social_mentions", sample_social.mentions(stream(seed, "social"), ctx, scale))
            writers.write("events", events_table())
            bar.update()
        realised = sample_truth.realised(out_dir)
        bar.update()
        targets = sample_targets.targets(out_dir)
        with TableWriters(out_dir) as writers:
            writers.write("targets", targets)
        truth = sample_truth.truth(out_dir, seed, responses, pop.size, world, ctx, realised)
        (out_dir / "truth.json").write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n")
        bar.update()
    return truth


def customers_table(seed: int, pop: Population, churn_day: np.ndarray, totals: Totals) -> dict[str, pa.Array]:
    """The customers table: traits, signup and churn dates, acquisition channel, account owner (no random draw, so
    adding it left every other table as it was)."""
    churned = churn_day < NEVER
    names = company_names(stream(seed, "names"), pop.industry, pop.region, sp.INDUSTRIES, sp.REGIONS)
    return {
        "customer_id": ids("C", 1, pop.size),
        "name": pa.array(names, pa.string()),
        "region": labels(sp.REGIONS, pop.region),
        "segment": labels(sp.SEGMENTS, pop.segment),
        "industry": labels(sp.INDUSTRIES, pop.industry),
        "acquisition_channel": labels(sp.ACQUISITION_CHANNELS, acquisition_channels(seed, pop, totals)),
        "account_owner": owner_names(pop.region, pop.segment < 2, np.arange(pop.size), sp.REGIONS),
        "signup_date": pa.array(cal.WINDOW_START + pop.signup_day),
        "churn_date": pa.array(cal.WINDOW_START + np.where(churned, churn_day, 0), mask=~churned),
    }


def recent_promoter_share(totals: Totals) -> np.ndarray:
    """Company promoter share of relationship responses over the three months before each month."""
    share = np.zeros(cal.SIM_MONTHS)
    for m in range(cal.SIM_MONTHS):
        low, high = max(0, m - 3), max(1, m)
        share[m] = totals.promoters[low:high].sum() / max(1.0, totals.relationship[low:high].sum())
    return share


def referral_share(totals: Totals, acquisition: sp.Acquisition) -> np.ndarray:
    """Planted referral share of new customers per month: rises with the recent promoter share."""
    lift = acquisition.referral_per_promoter_point * (
        recent_promoter_share(totals) - acquisition.referral_reference_share
    )
    return np.clip(acquisition.referral_base + lift, 0.02, 0.6)


def acquisition_channels(seed: int, pop: Population, totals: Totals) -> np.ndarray:
    """Acquisition channel per customer; referrals follow the company's recent promoter share."""
    acquisition = sp.World().acquisition
    month = np.searchsorted(cal.MONTH_STARTS, pop.signup_day, side="right") - 1
    referral = np.where(
        month >= 0, referral_share(totals, acquisition)[np.maximum(month, 0)], acquisition.referral_base
    )
    shares = np.asarray(acquisition.channel_mix)[pop.segment] * (1 - referral)[:, None]
    shares[:, 0] = referral
    return categorical(stream(seed, "channels"), shares)


def _month_counts(day: np.ndarray, pop: Population) -> np.ndarray:
    """Customers per closed month x region x segment whose `day` falls in that month."""
    month = np.searchsorted(cal.MONTH_STARTS, day, side="right") - 1
    keep = (day >= 0) & (month < cal.CLOSED_MONTHS)
    cell = month[keep] * 12 + pop.region[keep].astype(np.int64) * 3 + pop.segment[keep]
    return np.bincount(cell, minlength=cal.CLOSED_MONTHS * 12).reshape(cal.CLOSED_MONTHS, 4, 3)


def financials_table(pop: Population, churn_day: np.ndarray, totals: Totals, world: sp.World) -> dict[str, pa.Array]:
    """Company financials by month x region x segment, aggregated from every customer."""
    month, region, segment = np.meshgrid(np.arange(cal.CLOSED_MONTHS), np.arange(4), np.arange(3), indexing="ij")
    operating = totals.cost_to_serve + world.money.overhead_rate * totals.revenue
    new = _month_counts(pop.signup_day, pop)
    churned = _month_counts(np.where(churn_day < NEVER, churn_day, -1), pop)
    return {
        "month": pa.array(cal.MONTH_DATES[month.ravel()]),
        "region": labels(sp.REGIONS, region.ravel()),
        "segment": labels(sp.SEGMENTS, segment.ravel()),
        "revenue_usd": pa.array(np.round(totals.revenue.ravel(), 2)),
        "gross_margin_usd": pa.array(np.round(totals.margin.ravel(), 2)),
        "operating_cost_usd": pa.array(np.round(operating.ravel(), 2)),
        "new_customers": pa.array(new.ravel().astype(np.int32)),
        "churned_customers": pa.array(churned.ravel().astype(np.int32)),
    }


def engagement_table(rng: np.random.Generator, ctx: sample_context.Context, totals: Totals) -> dict[str, pa.Array]:
    """Employee engagement by month x region x team, following each region's planted engagement series."""
    eng = ctx.world.engagement
    month, region, team = np.meshgrid(
        np.arange(cal.CLOSED_MONTHS), np.arange(4), np.arange(len(sp.TEAMS)), indexing="ij"
    )
    month, region, team = month.ravel(), region.ravel(), team.ravel()
    n = len(month)
    staff = totals.active[month, region] / TEAM_CUSTOMERS_PER_EMPLOYEE[team] * np.exp(rng.normal(0, 0.05, n))
    index = ctx.engagement[region, month] + TEAM_ENGAGEMENT_OFFSET[team] + rng.normal(0, 1.5, n)
    index = np.clip(index, 0, 100)
    enps = eng.enps_at_70 + eng.enps_per_point * (index - 70) + rng.normal(0, 5, n)
    return {
        "month": pa.array(cal.MONTH_DATES[month]),
        "region": labels(sp.REGIONS, region),
        "team": labels(sp.TEAMS, team),
        "headcount": pa.array(np.maximum(2, np.rint(staff)).astype(np.int32)),
        "enps": pa.array(np.round(np.clip(enps, -100, 100), 1)),
        "engagement_index": pa.array(np.round(index, 1)),
    }


def events_table() -> dict[str, pa.Array]:
    """Annotated events: the planted ones plus the end of the billing fixes."""
    rows = [(e.event_id, e.start, e.title, e.region, e.description) for e in sp.EVENTS]
    rows.append(sp.MIGRATION_FIXED)
    rows.sort()
    return {
        "event_id": pa.array([r[0] for r in rows], pa.string()),
        "event_date": pa.array(np.array([r[1] for r in rows], dtype="datetime64[D]")),
        "title": pa.array([r[2] for r in rows], pa.string()),
        "region": pa.array([r[3] for r in rows], pa.string()),
        "description": pa.array([r[4] for r in rows], pa.string()),
    }
