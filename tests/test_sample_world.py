"""The synthetic sample world: contract-valid, deterministic, scalable, committed as generated, truths that hold."""

from __future__ import annotations

import argparse
import itertools
import json
import math
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxmetrics.commands import sample as sample_command
from cxmetrics.config import JOURNEY_ORDER, SAMPLE_DATA_DIR
from cxmetrics.ingest import schema
from cxmetrics.metrics import targets
from cxmetrics.metrics.registry import REGISTRY
from cxmetrics.periods import Period, parse_week
from cxmetrics.query import frames as query
from cxmetrics.sample.tables import WORLD_TABLES
from cxmetrics.sample.world import DEFAULT_RESPONSES, generate

SMALL = 20_000
EXPECTED_ARROW = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "SMALLINT": pa.int16(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
}
REFERENCES = [
    ("responses", "customer_id", "customers", "customer_id"),
    ("complaints", "customer_id", "customers", "customer_id"),
    ("contacts", "customer_id", "customers", "customer_id"),
    ("customer_revenue", "customer_id", "customers", "customer_id"),
    ("response_attributes", "response_id", "responses", "response_id"),
    ("follow_ups", "response_id", "responses", "response_id"),
]
PLANTED_ORDER = (
    "product_reliability",
    "support_quality",
    "ease_of_doing_business",
    "value_for_money",
    "billing_accuracy",
    "account_management",
)
COMPANY_QUARTERLY_TARGETS = (
    "nps", "relationship_nps", "transactional_nps", "csat", "ces", "fcr_rate", "follow_up_2bd", "enps",
    "gross_margin_pct", "logo_retention", "nrr", "churn_rate", "complaints_per_1000", "revenue",
)  # fmt: skip
MONTHLY_TARGETS = ("revenue", "complaints_per_1000")
Q3_2026 = Period("quarter", date(2026, 7, 1), date(2026, 9, 30))
NPS_SQL = "100.0 * (count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6)) / count(nps)"


@pytest.fixture(scope="session")
def small_world(small_world_dir) -> Path:
    """The suite's small world (generated once per session by the shared fixture)."""
    return small_world_dir


@pytest.fixture(scope="session")
def default_world(tmp_path_factory) -> Path:
    """The default world, regenerated with the default arguments."""
    out = tmp_path_factory.mktemp("default_world")
    generate(out)
    return out


@pytest.fixture(scope="session")
def default_db(default_world) -> duckdb.DuckDBPyConnection:
    """The default world loaded into a contract database."""
    return load(default_world)


def load(folder: Path) -> duckdb.DuckDBPyConnection:
    """Every table of a world inserted into a fresh contract schema (PKs and CHECKs enforced)."""
    conn = duckdb.connect()
    schema.create_schema(conn)
    for table in WORLD_TABLES:
        conn.execute(
            f"INSERT INTO {table.name} SELECT * FROM read_parquet('{(folder / table.name).as_posix()}.parquet')"  # noqa: S608
        )
    return conn


def fingerprints(folder: Path) -> dict[str, tuple]:
    """Row count and order-independent content hashes of every table file."""
    conn = duckdb.connect()
    result = {}
    for table in WORLD_TABLES:
        path = (folder / f"{table.name}.parquet").as_posix()
        result[table.name] = conn.execute(
            f"SELECT count(*), bit_xor(hash(t)), sum(hash(t) % 1000000007) FROM read_parquet('{path}') t"  # noqa: S608
        ).fetchone()
    return result


def wilson(successes: int, n: int) -> tuple[float, float]:
    """95% Wilson interval."""
    z, p = 1.96, successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_small_world_loads_into_the_contract_schema(small_world):
    conn = load(small_world)
    for table in WORLD_TABLES:
        rows = conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]  # noqa: S608
        assert rows == pq.read_metadata(small_world / f"{table.name}.parquet").num_rows
        assert rows > 0, table.name


@pytest.mark.parametrize("child,column,parent,key", REFERENCES)
def test_small_world_references_resolve(small_world, child, column, parent, key):
    conn = load(small_world)
    orphans = conn.execute(
        f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL "  # noqa: S608
        f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})"
    ).fetchone()[0]
    assert orphans == 0


def test_parquet_columns_and_types_match_the_contract(small_world):
    for table in WORLD_TABLES:
        path = small_world / f"{table.name}.parquet"
        expected = pa.schema([pa.field(c.name, EXPECTED_ARROW[c.type]) for c in table.columns])
        assert pq.read_schema(path).remove_metadata() == expected, table.name
        assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"


def test_small_world_content_rules(small_world):
    conn = load(small_world)
    first, last = conn.execute("SELECT min(responded_at)::DATE, max(responded_at)::DATE FROM responses").fetchone()
    assert str(first) >= "2023-11-01" and str(last) <= "2026-11-15"
    months = conn.execute("SELECT count(DISTINCT month), min(month), max(month) FROM customer_revenue").fetchone()
    assert (months[0], str(months[1]), str(months[2])) == (36, "2023-11-01", "2026-10-01")
    assert conn.execute("SELECT count(*) FROM financials").fetchone()[0] == 36 * 4 * 3
    assert conn.execute("SELECT count(*) FROM employee_engagement").fetchone()[0] == 36 * 4 * 6
    relationship = conn.execute(
        "SELECT count(*) FILTER (WHERE touchpoint IS NOT NULL OR ces IS NOT NULL OR nps IS NULL) FROM responses "
        "WHERE survey = 'relationship'"
    ).fetchone()[0]
    assert relationship == 0
    touchpoints = {
        r[0] for r in conn.execute("SELECT DISTINCT touchpoint FROM responses WHERE touchpoint IS NOT NULL").fetchall()
    }
    assert touchpoints == set(JOURNEY_ORDER)
    wide = conn.execute("SELECT grain, list(DISTINCT metric ORDER BY metric) FROM targets WHERE region = '' GROUP BY 1")
    assert dict(wide.fetchall()) == {"quarter": sorted(COMPANY_QUARTERLY_TARGETS), "month": sorted(MONTHLY_TARGETS)}
    regional = conn.execute(
        "SELECT grain, list(DISTINCT metric ORDER BY metric) FROM targets WHERE region <> '' GROUP BY 1"
    )
    assert dict(regional.fetchall()) == {
        "quarter": ["csat", "nps", "relationship_nps", "transactional_nps"],
        "month": ["revenue"],
    }
    open_follow_ups = conn.execute(
        "SELECT count(*) FILTER (WHERE (status = 'open') <> (closed_at IS NULL)) FROM follow_ups"
    ).fetchone()[0]
    assert open_follow_ups == 0
    open_complaints = conn.execute(
        "SELECT count(*) FILTER (WHERE (outcome = 'open') <> (resolved_at IS NULL)) FROM complaints"
    ).fetchone()[0]
    assert open_complaints == 0


def test_every_account_has_an_owner_from_its_region_account_managers_for_managed_accounts(small_world):
    from cxmetrics.sample.names import OWNERS

    conn = load(small_world)
    rows = conn.execute("SELECT region, segment, account_owner, count(*) FROM customers GROUP BY ALL").fetchall()
    assert rows and all(owner is not None for _, _, owner, _ in rows)
    for region, segment, owner, _ in rows:
        managers, cx_team = OWNERS[region]
        assert owner in (cx_team if segment == "SMB" else managers), (region, segment, owner)


def test_same_seed_same_world_other_seed_other_world(small_world, tmp_path):
    generate(tmp_path / "again", responses=SMALL, seed=42)
    generate(tmp_path / "other", responses=SMALL, seed=7)
    reference = fingerprints(small_world)
    assert fingerprints(tmp_path / "again") == reference
    assert (tmp_path / "again" / "truth.json").read_text() == (small_world / "truth.json").read_text()
    other = fingerprints(tmp_path / "other")
    changed = [t for t in reference if other[t] != reference[t] and t != "events"]
    assert len(changed) == len(reference) - 1


@pytest.mark.parametrize("responses", [SMALL, 60_000])
def test_response_count_scales_with_the_request(tmp_path, responses):
    truth = generate(tmp_path, responses=responses, seed=3)
    assert truth["customers"] == round(6000 * responses / DEFAULT_RESPONSES)
    assert abs(truth["sizes"]["responses"] - responses) <= 0.1 * responses


def test_tiny_request_keeps_a_minimum_population(tmp_path):
    truth = generate(tmp_path, responses=500, seed=1)
    assert truth["customers"] == 100
    assert truth["sizes"]["customers"] == 100


def test_committed_sample_data_is_the_default_world(default_world):
    assert fingerprints(SAMPLE_DATA_DIR) == fingerprints(default_world)
    committed = json.loads((SAMPLE_DATA_DIR / "truth.json").read_text())
    assert committed == json.loads((default_world / "truth.json").read_text())
    size = sum(p.stat().st_size for p in SAMPLE_DATA_DIR.iterdir())
    assert size < 50 * 1024 * 1024


def test_default_world_size(default_db):
    customers, responses = default_db.execute(
        "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM responses)"
    ).fetchone()
    assert customers == 6000
    assert 200_000 <= responses <= 270_000


def test_default_world_scores_are_plausible(default_db):
    overall = default_db.execute(f"SELECT {NPS_SQL} FROM responses").fetchone()[0]  # noqa: S608
    assert 25 <= overall <= 35
    by_segment = dict(
        default_db.execute(
            f"SELECT segment, {NPS_SQL} FROM responses JOIN customers USING (customer_id) GROUP BY 1"  # noqa: S608
        ).fetchall()
    )
    assert by_segment["Enterprise"] > by_segment["Mid-Market"] > by_segment["SMB"]
    comment_share = default_db.execute("SELECT avg((comment IS NOT NULL)::INT) FROM responses").fetchone()[0]
    assert 0.28 <= comment_share <= 0.42


def _cohort_churn(conn, group_sql: str) -> dict[str, tuple[int, int]]:
    """(customers, churned by 2026-10-31) per group of the customers active on 2025-11-01."""
    rows = conn.execute(
        f"""WITH g AS ({group_sql})
        SELECT coalesce(g.grp, 'none'), count(*), count(*) FILTER (WHERE c.churn_date <= DATE '2026-10-31')
        FROM customers c LEFT JOIN g USING (customer_id)
        WHERE c.signup_date <= DATE '2025-11-01' AND (c.churn_date IS NULL OR c.churn_date > DATE '2025-11-01')
        GROUP BY 1"""  # noqa: S608
    ).fetchall()
    return {grp: (n, churned) for grp, n, churned in rows}


def test_detractors_churn_more_than_promoters(default_db, default_world):
    groups = _cohort_churn(
        default_db,
        """SELECT customer_id, CASE WHEN nps >= 9 THEN 'promoter' WHEN nps >= 7 THEN 'passive' ELSE 'detractor' END grp
        FROM (SELECT customer_id, arg_max(nps, responded_at) nps FROM responses
              WHERE survey = 'relationship' AND responded_at < TIMESTAMP '2025-11-01' GROUP BY 1)""",
    )
    promoter_high = wilson(groups["promoter"][1], groups["promoter"][0])[1]
    detractor_low = wilson(groups["detractor"][1], groups["detractor"][0])[0]
    assert detractor_low > promoter_high
    truth = json.loads((default_world / "truth.json").read_text())["churn_by_nps_group"]["realised"]
    assert truth["detractor"]["customers"] == groups["detractor"][0]
    assert truth["promoter"]["churned"] == groups["promoter"][1]


def test_recovered_complaints_churn_less_than_lost_ones(default_db):
    groups = _cohort_churn(
        default_db,
        """SELECT customer_id, arg_max(outcome, opened_at) grp FROM complaints
        WHERE opened_at >= TIMESTAMP '2024-11-01' AND opened_at < TIMESTAMP '2025-11-01' GROUP BY 1""",
    )
    recovered = groups["recovered"][1] / groups["recovered"][0]
    lost = groups["lost"][1] / groups["lost"][0]
    assert lost > 1.4 * recovered


def _nps_counts(conn, where: str, start: str, end: str) -> tuple[int, int, int]:
    """(promoters, detractors, n) of responses by customers matching `where` in [start, end)."""
    return conn.execute(
        f"""SELECT count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps <= 6), count(nps)
        FROM responses JOIN customers USING (customer_id) WHERE {where} AND responded_at >= ? AND responded_at < ?""",  # noqa: S608
        [start, end],
    ).fetchone()


def _adjusted_wald_z(a: tuple, b: tuple) -> float:
    """z of NPS(a) - NPS(b) with the adjusted-Wald variance."""

    def moments(p, d, n):
        n2 = n + 3
        pp, dd = (p + 0.75) / n2, (d + 0.75) / n2
        return pp - dd, (pp + dd - (pp - dd) ** 2) / n2

    (ma, va), (mb, vb) = moments(*a), moments(*b)
    return (ma - mb) / math.sqrt(va + vb)


def test_emea_relationship_nps_falls_in_the_migration_weeks(default_db):
    where = "region = 'EMEA' AND survey = 'relationship'"
    before = _nps_counts(default_db, where, "2026-01-05", "2026-03-02")
    worst = _nps_counts(default_db, where, "2026-03-09", "2026-04-13")
    drop = 100 * (before[0] - before[1]) / before[2] - 100 * (worst[0] - worst[1]) / worst[2]
    assert drop >= 10
    assert _adjusted_wald_z(worst, before) <= -1.96
    others = "region <> 'EMEA' AND survey = 'relationship'"
    other_before = _nps_counts(default_db, others, "2026-01-05", "2026-03-02")
    other_worst = _nps_counts(default_db, others, "2026-03-09", "2026-04-13")
    assert abs(_adjusted_wald_z(other_worst, other_before)) < 1.96


def test_emea_billing_complaints_and_csat_move_with_the_migration(default_db):
    counts = default_db.execute(
        """SELECT count(*) FILTER (WHERE opened_at >= '2026-01-05' AND opened_at < '2026-03-02') / 8.0,
                  count(*) FILTER (WHERE opened_at >= '2026-03-09' AND opened_at < '2026-04-13') / 5.0
        FROM complaints JOIN customers USING (customer_id) WHERE region = 'EMEA' AND process = 'billing'"""
    ).fetchone()
    assert counts[1] >= 2 * counts[0]
    csat = default_db.execute(
        """SELECT avg((csat >= 4)::INT) FILTER (WHERE responded_at < '2026-03-02'),
                  avg((csat >= 4)::INT) FILTER (WHERE responded_at >= '2026-03-09')
        FROM responses JOIN customers USING (customer_id)
        WHERE region = 'EMEA' AND touchpoint = 'billing'
            AND responded_at >= '2026-01-05' AND responded_at < '2026-04-13'"""
    ).fetchone()
    assert csat[1] < csat[0] - 0.25
    mentions = default_db.execute(
        """SELECT count(*) FROM responses JOIN customers USING (customer_id) WHERE region = 'EMEA'
        AND touchpoint = 'billing' AND responded_at >= '2026-03-09' AND responded_at < '2026-04-13'
        AND (comment ILIKE '%billing system%' OR comment ILIKE '%migration%')"""
    ).fetchone()[0]
    assert mentions > 20


def test_apac_field_service_dips_in_the_review_week(default_db):
    before, week = default_db.execute(
        """SELECT avg((csat >= 4)::INT) FILTER (WHERE responded_at < '2026-10-19'),
                  avg((csat >= 4)::INT) FILTER (WHERE responded_at >= '2026-11-09')
        FROM responses JOIN customers USING (customer_id)
        WHERE region = 'APAC' AND touchpoint = 'field_service' AND responded_at >= '2026-08-24'"""
    ).fetchone()
    assert week < before - 0.15


def _shapley_r2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Shapley decomposition of the OLS R^2 over the columns of x."""
    p = x.shape[1]
    total = np.sum((y - y.mean()) ** 2)

    def r2(cols: tuple[int, ...]) -> float:
        if not cols:
            return 0.0
        design = np.column_stack([np.ones(len(y)), x[:, cols]])
        residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
        return 1 - np.sum(residual**2) / total

    values = {s: r2(s) for k in range(p + 1) for s in itertools.combinations(range(p), k)}
    shares = np.zeros(p)
    for j in range(p):
        for s, value in values.items():
            if j in s:
                continue
            with_j = tuple(sorted(s + (j,)))
            weight = math.factorial(len(s)) * math.factorial(p - len(s) - 1) / math.factorial(p)
            shares[j] += weight * (values[with_j] - value)
    return shares


def test_driver_analysis_recovers_the_planted_order(default_db):
    pivots = ", ".join(f"max(rating) FILTER (WHERE attribute = '{a}') AS {a}" for a in PLANTED_ORDER)
    data = default_db.execute(
        f"""SELECT r.nps, {pivots} FROM responses r JOIN response_attributes USING (response_id)
        GROUP BY r.response_id, r.nps"""  # noqa: S608
    ).fetchnumpy()
    x = np.column_stack([np.asarray(data[a], dtype=float) for a in PLANTED_ORDER])
    y = np.asarray(data["nps"], dtype=float)
    complete = ~np.isnan(x).any(axis=1)
    shares = _shapley_r2(x[complete], y[complete])
    planted_rank = np.arange(len(PLANTED_ORDER))
    found_rank = np.argsort(np.argsort(-shares))
    assert np.corrcoef(planted_rank, found_rank)[0, 1] >= 0.9
    assert found_rank[0] == 0


def test_regional_engagement_moves_with_regional_nps(default_db):
    rows = default_db.execute(
        f"""WITH e AS (SELECT month, region, sum(engagement_index * headcount) / sum(headcount) eng
                FROM employee_engagement GROUP BY 1, 2),
             n AS (SELECT date_trunc('month', responded_at)::DATE AS month, region, {NPS_SQL} AS nps
                FROM responses JOIN customers USING (customer_id) GROUP BY 1, 2)
        SELECT eng, nps FROM e JOIN n USING (month, region)"""  # noqa: S608
    ).fetchall()
    eng, nps = np.array(rows).T
    assert len(rows) == 144
    assert np.corrcoef(eng, nps)[0, 1] > 0.3


def test_money_is_plausible(default_db):
    mean_revenue = default_db.execute(
        "SELECT avg(r) FROM (SELECT sum(revenue_usd) r FROM financials GROUP BY month)"
    ).fetchone()[0]
    assert 35e6 <= mean_revenue <= 55e6
    unprofitable = default_db.execute(
        """SELECT avg((gm < 0)::INT) FROM (SELECT customer_id, sum(gross_margin_usd) gm FROM customer_revenue
        WHERE month >= DATE '2025-11-01' GROUP BY 1)"""
    ).fetchone()[0]
    assert 0.06 <= unprofitable <= 0.14
    same = default_db.execute(
        """SELECT max(abs(f.revenue_usd - c.r)) FROM financials f JOIN (
            SELECT month, region, segment, sum(revenue_usd) r FROM customer_revenue JOIN customers USING (customer_id)
            GROUP BY ALL) c USING (month, region, segment)"""
    ).fetchone()[0]
    assert same < 1.0


@pytest.mark.parametrize("world", ["small_world", "default_world"])
def test_every_target_names_a_registry_metric(request, world):
    folder = request.getfixturevalue(world)
    metrics = set(pq.read_table(folder / "targets.parquet", columns=["metric"]).column("metric").to_pylist())
    assert metrics and metrics <= set(REGISTRY), metrics - set(REGISTRY)


@pytest.mark.parametrize("metric_id", COMPANY_QUARTERLY_TARGETS)
def test_company_target_of_2026_q3_is_near_the_realised_value(default_db, metric_id):
    row = query.period_frame(default_db, metric_id, None, [Q3_2026]).iloc[0]
    assert row["target"] == pytest.approx(row["value"], rel=0.25), (row["value"], row["target"])


def test_nps_targets_of_the_last_four_quarters_are_not_all_met(default_db):
    frame = query.metric_frame(default_db, "nps", grain="quarter").tail(4)
    assert frame["target"].notna().all()
    assert set(frame["status"]) - {"on_target"}


def test_revenue_targets_add_up_over_regions_and_months(default_db):
    company_months_off = default_db.execute(
        """SELECT count(*) FROM (SELECT c.target, sum(r.target) AS regions FROM targets c
            LEFT JOIN targets r ON r.metric = 'revenue' AND r.grain = 'month' AND r.region <> ''
                AND r.period_start = c.period_start
            WHERE c.metric = 'revenue' AND c.grain = 'month' AND c.region = '' GROUP BY ALL)
        WHERE regions IS DISTINCT FROM target"""
    ).fetchone()[0]
    quarters_off = default_db.execute(
        """SELECT count(*) FROM (SELECT q.target, sum(m.target) AS months, count(m.target) AS n FROM targets q
            LEFT JOIN targets m ON m.metric = 'revenue' AND m.grain = 'month' AND m.region = ''
                AND date_trunc('quarter', m.period_start) = q.period_start
            WHERE q.metric = 'revenue' AND q.grain = 'quarter' GROUP BY ALL)
        WHERE months IS DISTINCT FROM target OR n <> 3"""
    ).fetchone()[0]
    assert (company_months_off, quarters_off) == (0, 0)


def test_churn_targets_are_the_complement_of_logo_retention(default_db):
    pairs, complements, churn_rows = default_db.execute(
        """SELECT count(r.target), count(*) FILTER (WHERE abs(c.target + r.target - 100) < 1e-9), count(*)
        FROM targets c LEFT JOIN targets r ON r.metric = 'logo_retention'
            AND (r.period_start, r.grain, r.region, r.segment) = (c.period_start, c.grain, c.region, c.segment)
        WHERE c.metric = 'churn_rate'"""
    ).fetchone()
    logo_rows = default_db.execute("SELECT count(*) FROM targets WHERE metric = 'logo_retention'").fetchone()[0]
    assert pairs == complements == churn_rows == logo_rows > 0


def test_review_week_scorecard_finds_monthly_and_quarterly_targets(default_db):
    card = (
        query.snapshots(default_db, ["gross_margin_pct", "relationship_nps"], period=parse_week("2026-W46"))
        .frame()
        .set_index("metric")
    )
    assert card["target"].notna().all() and card["status"].notna().all()
    # Financial rows of a week use the latest closed month; that month has a company revenue target of its own.
    margin = card.loc["gross_margin_pct"]
    closed_month = Period("month", margin["basis_start"], margin["basis_end"])
    assert closed_month.label == "Oct 2026"
    rows = targets.load_targets(default_db, ["revenue"])["revenue"]
    assert targets.find_target(rows, closed_month, additive=True) is not None


def test_sample_command_registers_and_runs(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    sample_command.register(parser.add_subparsers(dest="command"))
    defaults = parser.parse_args(["sample", "--out", str(tmp_path)])
    assert (defaults.responses, defaults.seed) == (DEFAULT_RESPONSES, 42)
    args = parser.parse_args(["sample", "--out", str(tmp_path / "w"), "--responses", "4000", "--seed", "5"])
    assert args.run(args) == 0
    truth = json.loads((tmp_path / "w" / "truth.json").read_text())
    assert (truth["seed"], truth["responses_requested"]) == (5, 4000)
    assert "responses from" in capsys.readouterr().out
