"""Turning simulated arrays into Arrow tables of the data contract, and writing them as Parquet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cxmetrics.ingest.schema import TABLES, TABLES_BY_NAME, Table
from cxmetrics.metrics import measures
from cxmetrics.sample import calendar as cal
from cxmetrics.sample import params as sp
from cxmetrics.sample import text
from cxmetrics.sample.context import APAC, EMEA
from cxmetrics.sample.names import owner_names
from cxmetrics.sample.sim import (
    CATEGORIES,
    PROCESSES,
    RELATIONSHIP_CHANNELS,
    TOUCHPOINT_CHANNELS,
    ChunkSimulation,
    categorical,
    draw,
)

# The contract tables the sample world writes: every one but the action register, which a review records.
WORLD_TABLES: tuple[Table, ...] = tuple(t for t in TABLES if t.name != "actions")

ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "SMALLINT": pa.int16(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
}
ID_WIDTH = {"C": 6, "R": 8, "CMP": 7, "CT": 8, "SM": 6}
TOPIC_OF_TOUCHPOINT = np.array([text.TOPIC_INDEX[t] for t in sp.TOUCHPOINTS])
TOPIC_OF_ATTRIBUTE = np.array([text.TOPIC_INDEX[t] for t in text.ATTRIBUTE_TOPICS])


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a contract table: names, order and types exactly as in the contract."""
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in TABLES_BY_NAME[table].columns])


def ids(prefix: str, first: int, n: int) -> pa.Array:
    """Identifiers prefix + zero-padded running number, starting at `first`."""
    numbers = pc.cast(pa.array(np.arange(first, first + n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, ID_WIDTH[prefix], "0"), "")


def labels(values: tuple[str, ...], index: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Strings values[index], null where `null` is true."""
    return pa.array(list(values), pa.string()).take(pa.array(np.asarray(index, dtype=np.int64), mask=null))


def nullable(values: np.ndarray, null: np.ndarray, type_: pa.DataType) -> pa.Array:
    """An Arrow array with nulls where `null` is true."""
    return pa.array(values, type=type_, mask=null)


class TableWriters:
    """One zstd Parquet writer per table, opened on first write; counts rows written."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}

    def write(self, name: str, columns: dict[str, pa.Array]) -> None:
        """Append rows (columns in any order) to a table's file."""
        schema = arrow_schema(name)
        table = pa.table([columns[f.name] for f in schema], schema=schema)
        if name not in self.writers:
            self.writers[name] = pq.ParquetWriter(self.out_dir / f"{name}.parquet", schema, compression="zstd")
            self.rows[name] = 0
        self.writers[name].write_table(table, row_group_size=1_000_000)
        self.rows[name] += table.num_rows

    def close(self) -> None:
        """Close every writer."""
        for writer in self.writers.values():
            writer.close()

    def __enter__(self) -> TableWriters:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ChunkTables:
    """Tables of one simulated chunk, with identifiers continuing those of earlier chunks."""

    def __init__(self, sim: ChunkSimulation, first_customer: int, rows: dict[str, int], rng: np.random.Generator):
        self.sim, self.ctx, self.rng = sim, sim.ctx, rng
        self.first_customer = first_customer
        self.rows = rows

    def customer_ids(self, local: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
        """Customer ids of chunk-local customer indexes."""
        numbers = self.first_customer + np.asarray(local, dtype=np.int64) + 1
        strings = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), ID_WIDTH["C"], "0")
        joined = pc.binary_join_element_wise("C", strings, "")
        return joined if null is None else pc.if_else(pa.array(null), pa.nulls(len(joined), pa.string()), joined)

    def all(self) -> dict[str, dict[str, pa.Array]]:
        """Every per-chunk table."""
        responses, attributes, follow_ups = self.responses()
        return {
            "responses": responses,
            "response_attributes": attributes,
            "follow_ups": follow_ups,
            "complaints": self.complaints(),
            "contacts": self.contacts(),
            "customer_revenue": self.revenue(),
        }

    def responses(self) -> tuple[dict, dict, dict]:
        """Responses sorted by time, their attribute ratings and the follow-ups of detractors."""
        r = self.sim.responses.joined()
        rng = self.rng
        times = cal.sample_times(rng, r["day"])
        order = np.argsort(times, kind="stable")
        r = {k: v[order] for k, v in r.items()}
        times = times[order]
        n = len(times)
        response_id = ids("R", self.rows.get("responses", 0) + 1, n)
        relationship = r["survey"] == 0
        tp = r["touchpoint"].astype(np.int64)
        channel = np.where(
            relationship,
            draw(rng, RELATIONSHIP_CHANNELS, n),
            categorical(rng, TOUCHPOINT_CHANNELS[np.maximum(tp, 0)]),
        )
        best, worst = self.topics(r, relationship)
        sentiment = self.sentiment(r, relationship)
        responses = {
            "response_id": response_id,
            "customer_id": self.customer_ids(r["customer"], r["anonymous"]),
            "responded_at": pa.array(times),
            "survey": labels(("relationship", "transactional"), r["survey"]),
            "touchpoint": labels(sp.TOUCHPOINTS, np.maximum(tp, 0), tp < 0),
            "channel": labels(sp.SURVEY_CHANNELS, channel),
            "nps": nullable(r["nps"], r["nps"] < 0, pa.int16()),
            "csat": nullable(r["csat"], r["csat"] < 0, pa.int16()),
            "ces": nullable(r["ces"], r["ces"] < 0, pa.int16()),
            "comment": self.comment_column(best, worst, sentiment, relationship),
        }
        return responses, self.attributes(response_id, r, relationship), self.follow_ups(response_id, r, times, worst)

    def topics(self, r: dict, relationship: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Comment topics per response: the strongest and the weakest thing, with event-specific topics."""
        best = np.where(
            relationship, TOPIC_OF_ATTRIBUTE[r["best"]], TOPIC_OF_TOUCHPOINT[np.maximum(r["touchpoint"], 0)]
        )
        worst = np.where(relationship, TOPIC_OF_ATTRIBUTE[r["worst"]], best)
        region = self.sim.pop.region[r["customer"]]
        migration = np.where(region == EMEA, np.minimum(1.0, 1.5 * self.ctx.migration[r["day"]]), 0.0)
        partner = np.where(region == APAC, self.ctx.field_partner[r["day"]], 0.0)
        swaps = (
            (text.TOPIC_INDEX["billing"], text.TOPIC_INDEX["billing_migration"], migration),
            (text.TOPIC_INDEX["field_service"], text.TOPIC_INDEX["field_partner"], partner),
        )
        for before, after, intensity in swaps:
            hit = self.rng.random(len(best)) < intensity
            best = np.where((best == before) & hit, after, best)
            worst = np.where((worst == before) & hit, after, worst)
        return best, worst

    @staticmethod
    def sentiment(r: dict, relationship: np.ndarray) -> np.ndarray:
        """Praise, mixed or complaint from the scores given."""
        parts = [(r["nps"], 10.0, 0), (r["csat"], 4.0, 1), (r["ces"], 6.0, 1)]
        total = sum(np.where(v >= 0, (v - low) / span, 0.0) for v, span, low in parts)
        count = sum((v >= 0).astype(float) for v, _, _ in parts)
        score = total / np.maximum(count, 1)
        transactional = np.where(score >= 0.75, text.PRAISE, np.where(score < 0.5, text.COMPLAINT, text.MIXED))
        nps = r["nps"]
        by_nps = np.where(
            nps >= measures.PROMOTER_MIN,
            text.PRAISE,
            np.where(nps <= measures.DETRACTOR_MAX, text.COMPLAINT, text.MIXED),
        )
        return np.where(relationship, by_nps, transactional)

    def comment_column(self, best, worst, sentiment, relationship) -> pa.Array:
        """Comments on about a third of responses, more often from unhappy customers."""
        rng = self.rng
        n = len(best)
        share = np.asarray(self.sim.world.surveys.comment_share_by_sentiment)[sentiment]
        rows = np.flatnonzero(rng.random(n) < share)
        s = sentiment[rows]
        topic = np.where(s == text.COMPLAINT, worst[rows], best[rows])
        second = np.where(s == text.PRAISE, best[rows], worst[rows])
        second = np.where((s == text.MIXED) & ~relationship[rows], topic, second)
        written = text.comments(rng, topic, s, second)
        position = np.full(n, -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        return written.take(pa.array(position, mask=position < 0))

    def attributes(self, response_id: pa.Array, r: dict, relationship: np.ndarray) -> dict:
        """Attribute ratings of relationship responses, one row per answered attribute."""
        rows = np.flatnonzero(relationship)
        ratings = r["ratings"][rows]
        row, attribute = np.nonzero(ratings > 0)
        return {
            "response_id": response_id.take(pa.array(rows[row])),
            "attribute": labels(sp.ATTRIBUTES, attribute),
            "rating": pa.array(ratings[row, attribute].astype(np.int16)),
        }

    def follow_ups(self, response_id: pa.Array, r: dict, times: np.ndarray, worst: np.ndarray) -> dict:
        """Closed-loop follow-ups of most detractor responses from known customers."""
        rng, pop, world = self.rng, self.sim.pop, self.sim.world
        candidate = (r["nps"] >= 0) & (r["nps"] <= measures.DETRACTOR_MAX) & ~r["anonymous"]
        rows = np.flatnonzero(candidate & (rng.random(len(times)) < world.surveys.follow_up_share))
        n = len(rows)
        customers = r["customer"][rows]
        region = pop.region[customers]
        opened = times[rows] + (rng.exponential(5 * 3600, n).astype(np.int64) * 1_000_000).astype("timedelta64[us]")
        migration = np.where(region == EMEA, self.ctx.migration[r["day"][rows]], 0.0)
        delay = 1 + sp.MIGRATION.effects["follow_up_delay_multiple"] * migration
        ops = world.operations
        business_days = np.exp(
            np.log(ops.follow_up_median_business_days * delay) + rng.normal(0, ops.follow_up_sd_log, n)
        )
        closed = cal.add_business_days(opened, business_days)
        is_open = closed >= cal.END.astype("datetime64[us]")
        owners = owner_names(region, pop.segment[customers] < 2, rng.integers(0, 1000, n), sp.REGIONS)
        return {
            "response_id": response_id.take(pa.array(rows)),
            "owner": owners,
            "status": labels(("closed", "open"), is_open.astype(np.int64)),
            "opened_at": pa.array(opened),
            "closed_at": nullable(closed, is_open, pa.timestamp("us")),
            "action": text.actions(rng, worst[rows], ~is_open),
        }

    def complaints(self) -> dict:
        """Complaints sorted by opening time."""
        c = self.sim.complaints.joined()
        order = np.argsort(c["opened"], kind="stable")
        c = {k: v[order] for k, v in c.items()}
        flat = [name for group in CATEGORIES for name in group]
        offsets = np.cumsum([0] + [len(g) for g in CATEGORIES[:-1]])
        return {
            "complaint_id": ids("CMP", self.rows.get("complaints", 0) + 1, len(order)),
            "customer_id": self.customer_ids(c["customer"]),
            "opened_at": pa.array(c["opened"]),
            "resolved_at": nullable(c["resolved"], c["open"], pa.timestamp("us")),
            "category": labels(tuple(flat), offsets[c["process"]] + c["category"]),
            "process": labels(PROCESSES, c["process"]),
            "channel": labels(sp.COMPLAINT_CHANNELS, c["channel"]),
            "severity": labels(sp.SEVERITIES, c["severity"]),
            "outcome": labels(("recovered", "lost", "open"), c["outcome"]),
        }

    def contacts(self) -> dict:
        """Contacts sorted by time."""
        c = self.sim.contacts.joined()
        order = np.argsort(c["contacted"], kind="stable")
        c = {k: v[order] for k, v in c.items()}
        return {
            "contact_id": ids("CT", self.rows.get("contacts", 0) + 1, len(order)),
            "customer_id": self.customer_ids(c["customer"], c["unknown"]),
            "contacted_at": pa.array(c["contacted"]),
            "channel": labels(sp.CONTACT_CHANNELS, c["channel"]),
            "reason": labels(sp.CONTACT_REASONS, c["reason"]),
            "resolved_first_contact": pa.array(c["fcr"]),
            "handle_minutes": pa.array(c["minutes"]),
            "cost_usd": pa.array(c["cost"]),
        }

    def revenue(self) -> dict:
        """Customer revenue by customer and month."""
        v = self.sim.revenue.joined()
        order = np.lexsort((v["month"], v["customer"]))
        v = {k: a[order] for k, a in v.items()}
        return {
            "customer_id": self.customer_ids(v["customer"]),
            "month": pa.array(cal.MONTH_DATES[v["month"]]),
            "revenue_usd": pa.array(v["revenue"]),
            "gross_margin_usd": pa.array(v["margin"]),
            "cost_to_serve_usd": pa.array(v["cost"]),
        }
