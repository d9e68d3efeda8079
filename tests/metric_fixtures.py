"""The suite's test data in one place: tiny databases with rows small enough to check on paper, the CSV folders the
loader tests read, the committed sample world as a database, the ROI model's three-group table, and finding a
figure's traces by name."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
from plotly.basedatatypes import BaseTraceType
from plotly.graph_objects import Figure

from cxmetrics import db
from cxmetrics.config import SAMPLE_DATA_DIR
from cxmetrics.ingest.schema import TABLES, TABLES_BY_NAME, create_schema
from cxmetrics.reports.cx_financials import roi

WEEK = date(2026, 11, 9)  # ISO week 2026-W46, Monday
WEEK_END = date(2026, 11, 15)


def new_db(path: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """An empty database with the whole schema."""
    conn = duckdb.connect(path)
    create_schema(conn)
    return conn


def insert(conn, table: str, rows: list[dict]) -> None:
    """Insert rows given as dicts (columns not given are NULL or their default)."""
    if not rows:
        return
    columns = list(rows[0])
    known = TABLES_BY_NAME[table].column_names
    assert set(columns) <= set(known), f"unknown columns {set(columns) - set(known)}"
    conn.register("new_rows", pd.DataFrame(rows, columns=columns))
    conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM new_rows")  # noqa: S608 (contract names only)
    conn.unregister("new_rows")


def customer(customer_id: str, region: str = "EMEA", segment: str = "SMB", **extra) -> dict:
    """A customer who signed up in 2020 and is active unless `churn_date` is given."""
    row = {
        "customer_id": customer_id,
        "name": customer_id.upper(),
        "region": region,
        "segment": segment,
        "industry": "Retail",
        "signup_date": date(2020, 1, 1),
        "churn_date": None,
    }
    return row | extra


def responses(prefix: str, when: datetime | date, customer_id: str | None = None, **scores) -> list[dict]:
    """One response per value in each score list, e.g. nps=[10, 9, 0] gives three NPS-only responses."""
    when = when if isinstance(when, datetime) else datetime.combine(when, datetime.min.time()) + timedelta(hours=12)
    rows = []
    for column, values in scores.items():
        rows += [
            {
                "response_id": f"{prefix}-{column}-{i}",
                "customer_id": customer_id,
                "responded_at": when,
                "survey": "relationship",
                "touchpoint": None,
                "channel": "email",
                "nps": value if column == "nps" else None,
                "csat": value if column == "csat" else None,
                "ces": value if column == "ces" else None,
                "comment": None,
            }
            for i, value in enumerate(values)
        ]
    return rows


def nps_scores(promoters: int, passives: int, detractors: int) -> list[int]:
    """NPS answers with the given counts of promoters (10), passives (8) and detractors (3)."""
    return [10] * promoters + [8] * passives + [3] * detractors


def close_week(conn, end: date = WEEK_END) -> None:
    """One anonymous response on `end`, so that the week ending there is the last complete one in the data."""
    insert(conn, "responses", responses("extent", end, csat=[3]))


def at(text: str) -> datetime:
    """A timestamp from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text)


def cx_world(conn) -> None:
    """Week 2026-W46, all on Sunday 2026-11-15.

    NPS: customer a answers 10, 10, 10, 9, 9 and b answers 8, 8, 8, 3, 3 -> P=5, D=2, n=10, NPS 30.
    CSAT: a 5, 4, 4, 2 and b 3, 5 -> 4 of 6 satisfied. CES: a 7, 6, 5 and b 2, 1 -> n 5, sum 21, squares 115.
    Comments: 3 of the 21 responses carry text, one more only blanks.
    """
    insert(conn, "customers", [customer("a", "EMEA"), customer("b", "APAC")])
    rows = responses("a", WEEK_END, "a", nps=[10, 10, 10, 9, 9], csat=[5, 4, 4, 2], ces=[7, 6, 5])
    rows += responses("b", WEEK_END, "b", nps=[8, 8, 8, 3, 3], csat=[3, 5], ces=[2, 1])
    for row, comment in zip(rows, ["great", "slow", "   ", "ok"], strict=False):
        row["comment"] = comment
    insert(conn, "responses", rows)


def loyalty_world(conn) -> None:
    """Customers, relationship responses and revenue around October 2026 (trailing window 2025-11-01..2026-10-31).

    Cohort (active at 2025-11-01): c1, c2, c5, c6, c7, c8, c9 = 7; churned by 2026-10-31: c2, c5, c8 = 3.
    c3 churned before the window, c4 signed up inside it.
    """
    insert(
        conn,
        "customers",
        [
            customer("c1", "EMEA"),
            customer("c2", "EMEA", churn_date=date(2026, 3, 15)),
            customer("c3", "EMEA", churn_date=date(2025, 10, 31)),
            customer("c4", "APAC", signup_date=date(2025, 12, 1)),
            customer("c5", "APAC", churn_date=date(2026, 10, 31)),
            customer("c6", "APAC", churn_date=date(2026, 11, 1)),
            customer("c7", "APAC", signup_date=date(2025, 10, 31)),
            customer("c8", "EMEA", churn_date=date(2025, 11, 1)),
            customer("c9", "EMEA"),
        ],
    )
    rows = []
    for cid, moment, score, survey in [
        ("c1", "2025-06-01 10:00", 10, "relationship"),  # promoter
        ("c2", "2025-10-15 10:00", 2, "relationship"),  # detractor
        ("c2", "2025-12-01 10:00", 10, "relationship"),  # after the window start: ignored
        ("c5", "2024-01-01 10:00", 5, "relationship"),  # detractor
        ("c6", "2025-09-01 10:00", 8, "relationship"),  # passive
        ("c8", "2025-10-31 23:00", 9, "relationship"),  # promoter, just before the start
        ("c9", "2025-10-01 10:00", 0, "transactional"),  # not a relationship response: no group
    ]:
        row = responses(f"{cid}-{moment[:10]}", at(moment), cid, nps=[score])[0]
        row["survey"] = survey
        rows.append(row)
    insert(conn, "responses", rows)
    insert(
        conn,
        "customer_revenue",
        [
            _revenue("c1", "2024-10", 0, 0),  # revenue history starts two years back: retention is measurable
            _revenue("c1", "2025-10", 100, 50),
            _revenue("c2", "2025-10", 200, 80),
            _revenue("c3", "2025-10", 100, 30),
            _revenue("c5", "2025-10", 0, 0),
            _revenue("c1", "2026-09", 80, 40),
            _revenue("c3", "2026-09", 10, 5),
            _revenue("c6", "2026-09", 40, 15),
            _revenue("c1", "2026-10", 150, 60, cost=30),
            _revenue("c3", "2026-10", 50, 20, cost=20),
            _revenue("c4", "2026-10", 500, 200),
            _revenue("c6", "2026-10", 0, -10, cost=5),  # active, bought nothing
        ],
    )
    close_week(conn)


def _revenue(customer_id: str, month: str, revenue: float, margin: float, cost: float | None = None) -> dict:
    return {
        "customer_id": customer_id,
        "month": date.fromisoformat(f"{month}-01"),
        "revenue_usd": revenue,
        "gross_margin_usd": margin,
        "cost_to_serve_usd": cost,
    }


def finance_world(conn) -> None:
    """Financials for September and October 2026 and employee engagement for October 2026."""
    rows = [
        ("2026-10-01", "EMEA", "SMB", 1000, 400),
        ("2026-10-01", "APAC", "SMB", 3000, None),
        ("2026-10-01", "EMEA", "Enterprise", 1000, 100),
        ("2026-09-01", "EMEA", "SMB", 500, 200),
    ]
    insert(
        conn,
        "financials",
        [
            {"month": date.fromisoformat(m), "region": r, "segment": s, "revenue_usd": rev, "gross_margin_usd": gm}
            for m, r, s, rev, gm in rows
        ],
    )
    teams = [("EMEA", "Support", 10, 20, 70), ("EMEA", "Sales", 30, -20, 60), ("APAC", "Support", 20, 50, None)]
    insert(
        conn,
        "employee_engagement",
        [
            {"month": date(2026, 10, 1), "region": r, "team": t, "headcount": h, "enps": e, "engagement_index": g}
            for r, t, h, e, g in teams
        ],
    )
    close_week(conn)


def operations_world(conn) -> None:
    """Complaints, contacts and detractor follow-ups in weeks 2026-W45 and 2026-W46."""
    insert(
        conn,
        "customers",
        [
            customer("c1", "EMEA"),
            customer("c2", "EMEA"),
            customer("c3", "APAC"),
            customer("c4", "APAC"),
            customer("c5", "APAC", churn_date=date(2026, 1, 1)),
            customer("c6", "APAC", signup_date=date(2026, 11, 20)),
            customer("c7", "EMEA", churn_date=date(2026, 11, 10)),
        ],
    )
    complaints = [
        ("k1", "c1", "2026-11-01 00:00", "2026-11-10 12:00", "recovered"),  # 9.5 days
        ("k2", "c1", "2026-11-09 00:00", "2026-11-11 00:00", "lost"),  # 2 days
        ("k3", "c3", "2026-11-12 00:00", "2026-11-13 06:00", "recovered"),  # 1.25 days
        ("k4", "c1", "2026-11-14 00:00", None, "open"),
    ]
    insert(
        conn,
        "complaints",
        [
            {
                "complaint_id": k,
                "customer_id": c,
                "opened_at": at(o),
                "resolved_at": r and at(r),
                "category": "billing",
                "outcome": out,
            }
            for k, c, o, r, out in complaints
        ],
    )
    contacts = [("t1", "c1", True, 10.0), ("t2", "c3", False, 20.0), ("t3", "c1", True, None), ("t4", None, None, 6.0)]
    insert(
        conn,
        "contacts",
        [
            {
                "contact_id": t,
                "customer_id": c,
                "contacted_at": at("2026-11-10 10:00"),
                "resolved_first_contact": f,
                "cost_usd": cost,
            }
            for t, c, f, cost in contacts
        ],
    )
    _follow_up_world(conn)


def _follow_up_world(conn) -> None:
    """Detractors of 2026-W45 with follow-ups: d1 and d3 closed by the deadline, d2 late, d4 still open."""
    detractors = [
        ("d1", "c1", "2026-11-02 09:00", 3, "2026-11-02 23:00", "2026-11-04 23:00"),  # Mon, due Wed: in time
        ("d2", "c2", "2026-11-05 09:00", 0, "2026-11-05 12:00", "2026-11-10 09:00"),  # Thu, due Mon: late
        ("d3", "c3", "2026-11-07 09:00", 6, "2026-11-08 18:00", "2026-11-10 18:00"),  # Sat, due Tue: in time
        ("d4", "c4", "2026-11-08 09:00", 5, "2026-11-08 12:00", None),  # Sun, due Tue: open
        ("d5", None, "2026-11-02 09:00", 1, None, None),  # anonymous: not counted
        ("p1", "c1", "2026-11-02 09:00", 9, "2026-11-02 12:00", "2026-11-03 00:00"),  # promoter: not counted
        ("d6", "c2", "2026-11-15 09:00", 2, None, None),  # Sun 15th, due Tue 17th: after the data, not due
    ]
    rows, follow_ups = [], []
    for rid, cid, moment, score, opened, closed in detractors:
        row = responses(rid, at(moment), cid, nps=[score])[0]
        rows.append(row)
        if opened:
            follow_ups.append(
                {
                    "response_id": row["response_id"],
                    "owner": "cx team",
                    "status": "closed" if closed else "open",
                    "opened_at": at(opened),
                    "closed_at": closed and at(closed),
                }
            )
    insert(conn, "responses", rows)
    insert(conn, "follow_ups", follow_ups)


def trend_world(conn) -> None:
    """NPS over weeks 2026-W44..W46, a partial W47 and the same week a year earlier.

    W46: EMEA P=40 passives 5 D=5 (NPS 70), APAC P=5 passives 25 D=10 (NPS -12.5), anonymous P=5 D=5 (NPS 0);
    company P=50 D=20 n=100 (NPS 30). W45: EMEA P=20 passives 20 D=10, APAC P=10 passives 20 D=20; company
    P=30 D=30 n=100 (NPS 0). W44: one EMEA promoter. W47: one response on its Monday (incomplete week).
    2025-W46: ten APAC promoters.
    """
    insert(conn, "customers", [customer("e1", "EMEA", "SMB"), customer("a1", "APAC", "Enterprise")])
    rows = responses("w46e", WEEK_END, "e1", nps=nps_scores(40, 5, 5))
    rows += responses("w46a", WEEK, "a1", nps=nps_scores(5, 25, 10))
    rows += responses("w46x", WEEK, None, nps=nps_scores(5, 0, 5))
    rows += responses("w45e", date(2026, 11, 2), "e1", nps=nps_scores(20, 20, 10))
    rows += responses("w45a", date(2026, 11, 8), "a1", nps=nps_scores(10, 20, 20))
    rows += responses("w44e", date(2026, 10, 28), "e1", nps=nps_scores(1, 0, 0))
    rows += responses("w47e", date(2026, 11, 16), "e1", nps=nps_scores(1, 0, 0))
    rows += responses("ly", date(2025, 11, 12), "a1", nps=nps_scores(10, 0, 0))
    insert(conn, "responses", rows)


YEAR_END = date(2025, 12, 31)  # a Wednesday, in ISO week 2026-W01: the last complete week is 2025-W52


def year_end_world(conn) -> None:
    """Data that ends on Wednesday 31 December 2025, mid-week: the review of the last complete week (2025-W52,
    22-28 December) is of December, 2025 Q4 and the whole of 2025.

    Two customers answer in September, November and December 2025 and in December 2024; both are billed every month
    of 2024 and 2025, and the financials cover November and December 2025.
    """
    insert(conn, "customers", [customer("y1", "EMEA"), customer("y2", "APAC")])
    days = [date(2024, 12, 18), date(2025, 9, 15), date(2025, 11, 20), date(2025, 12, 10), date(2025, 12, 23), YEAR_END]
    rows = []
    for day in days:
        rows += responses(f"y1-{day}", day, "y1", nps=nps_scores(2, 1, 1))
        rows += responses(f"y2-{day}", day, "y2", nps=nps_scores(1, 1, 1))
    insert(conn, "responses", rows)
    months = [f"{year}-{month:02d}" for year in (2024, 2025) for month in range(1, 13)]
    insert(conn, "customer_revenue", [_revenue(c, m, 100, 40) for c in ("y1", "y2") for m in months])
    insert(
        conn,
        "financials",
        [
            {
                "month": date(2025, m, 1),
                "region": r,
                "segment": "SMB",
                "revenue_usd": 1000.0 * m,
                "gross_margin_usd": 400.0,
            }
            for m in (11, 12)
            for r in ("EMEA", "APAC")
        ],
    )


# --- CSV folders for the loader --------------------------------------------------------------------------------------

CUSTOMERS = """\
customer_id,name,region,segment,industry,acquisition_channel,signup_date,churn_date
C1,Acme Freight,EMEA,SMB,Logistics,referral,2024-01-05,
C2,Borealis Health,APAC,Enterprise,Healthcare,direct_sales,2024-02-01,2025-06-30
"""

RESPONSES_HEADER = "response_id,customer_id,responded_at,survey,touchpoint,channel,nps,csat,ces,comment\n"
GOOD_RESPONSES = RESPONSES_HEADER + (
    "R1,C1,2026-01-05 10:00:00,relationship,,email,9,5,,Great partner\n"
    "R2,C2,2026-01-06,transactional,billing,web,3,2,2,Invoice was wrong\n"
    "R3,,2026-01-07,transactional,support,phone,,4,6,\n"
)


def write_folder(folder: Path, **tables: str) -> Path:
    """Write CSV texts named after their tables into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(textwrap.dedent(text))
    return folder


def counts(target: Path) -> dict[str, int]:
    """Row counts of the contract's core tables."""
    conn = db.connect_read_only(target)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("customers", "responses")}  # noqa: S608
    finally:
        conn.close()


# --- the committed sample world (sample_data/) ------------------------------------------------------------------------

TRUTH_FILE = SAMPLE_DATA_DIR / "truth.json"


def load_committed_world(path: Path) -> Path:
    """Each table straight from its Parquet file into a fresh database at `path`."""
    conn = new_db(str(path))
    for table in TABLES:
        source = SAMPLE_DATA_DIR / f"{table.name}.parquet"
        if source.exists():
            conn.execute(f"INSERT INTO {table.name} BY NAME SELECT * FROM read_parquet(?)", [str(source)])  # noqa: S608
    conn.close()
    return path


# --- the ROI model's input ----------------------------------------------------------------------------------------

ROI_SCENARIO = roi.Scenario(detractors_to_passives_pct=25, passives_to_promoters_pct=20, years=2)


def roi_groups() -> pd.DataFrame:
    """100 promoters, 50 passives, 40 detractors with churn, revenue and margin and their interval ends."""
    return pd.DataFrame(
        {
            "customers": [100.0, 50.0, 40.0],
            "churn_pct": [10.0, 20.0, 30.0],
            "churn_pct_low": [8.0, 15.0, 25.0],
            "churn_pct_high": [12.0, 25.0, 35.0],
            "revenue_per_customer_usd": [1000.0, 700.0, 400.0],
            "revenue_per_customer_usd_low": [900.0, 600.0, 300.0],
            "revenue_per_customer_usd_high": [1100.0, 800.0, 500.0],
            "gross_margin_pct": [50.0, 40.0, 25.0],
            "gross_margin_pct_low": [45.0, 35.0, 20.0],
            "gross_margin_pct_high": [55.0, 45.0, 30.0],
        },
        index=pd.Index(["promoter", "passive", "detractor"], name="nps_group"),
    )


def mix_sums() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cohort and current sums of two segments where promoters spend 10 more than detractors in each, but most
    promoters are Enterprise (x10 the revenue) and most detractors SMB; Mid has a single detractor.

    Enterprise promoters 1000, 1010, 1020 (mean 1010, variance 100), detractors 990, 1010 (mean 1000, variance 200);
    SMB promoters 100, 120 (mean 110, variance 200), detractors 90, 100, 110 (mean 100, variance 100). Detractors
    active at the end: Enterprise 1, SMB 3, Mid 4.
    """
    rows = [
        ("Enterprise", "promoter", 3, 3030, 3_060_500),
        ("Enterprise", "detractor", 2, 2000, 2_000_200),
        ("SMB", "promoter", 2, 220, 24_400),
        ("SMB", "detractor", 3, 300, 30_200),
        ("Mid", "promoter", 5, 2500, 1_250_000),
        ("Mid", "detractor", 1, 100, 10_000),
    ]
    cohort = pd.DataFrame(rows, columns=["segment", "nps_group", "customers", "revenue_usd", "revenue_sq"])
    cohort = cohort.assign(region="EMEA").astype({"customers": float, "revenue_usd": float, "revenue_sq": float})
    current = pd.DataFrame(
        {
            "region": "EMEA",
            "segment": ["Enterprise", "SMB", "Mid", "SMB"],
            "nps_group": ["detractor", "detractor", "detractor", "promoter"],
            "customers": [1.0, 3.0, 4.0, 7.0],
            "revenue_usd": [900.0, 250.0, 360.0, 700.0],
        }
    )
    return cohort, current


# --- figures --------------------------------------------------------------------------------------------------------


def traces(figure: Figure, name: str | None = None, **properties) -> list[BaseTraceType]:
    """Every trace of `figure` with this legend name and the given properties (e.g. type="bar", mode="lines", or the
    subplot's row=2), in drawing order."""
    grid = {key: properties.pop(key) for key in ("row", "col") if key in properties}
    selector = properties | ({"name": name} if name is not None else {})
    return list(figure.select_traces(selector=selector, **grid))


def trace(figure: Figure, name: str | None = None, **properties) -> BaseTraceType:
    """The one trace of `figure` with this legend name and the given properties; fails when none or several match."""
    found = traces(figure, name, **properties)
    assert len(found) == 1, f"{len(found)} traces match {name!r} {properties}; names: {[t.name for t in figure.data]}"
    return found[0]


# --- the action register ---------------------------------------------------------------------------------------------

ACTION_REVIEW_WEEK = "2026-W42"  # 12-18 Oct 2026: its 4 weeks (21 Sep - 18 Oct) are an action's baseline


def _billing_answers(prefix: str, region: str, day: date, scores: list[int]) -> tuple[list[dict], list[dict]]:
    """Transactional billing answers, each from a customer of its own (so no customer clusters them)."""
    when = datetime.combine(day, datetime.min.time()) + timedelta(hours=10)
    ids = [f"{prefix}{i}" for i in range(len(scores))]
    people = [customer(cid, region) for cid in ids]
    answers = [
        {"response_id": f"R-{cid}", "customer_id": cid, "responded_at": when, "survey": "transactional",
         "touchpoint": "billing", "channel": "email", "nps": score}
        for cid, score in zip(ids, scores, strict=True)
    ]  # fmt: skip
    return people, answers


def action_world(path: Path) -> Path:
    """A database whose transactional NPS at billing in EMEA moves from -25 to +30 (hand-computed in test_actions):
    the baseline weeks (21 Sep - 18 Oct 2026) have 10 promoters, 10 passives and 20 detractors; the 4 weeks after
    them (19 Oct - 15 Nov, the last complete week 2026-W46) 20 promoters, 12 passives and 8 detractors. APAC has 30
    billing answers in each window, all passives (NPS 0)."""
    conn = new_db(str(path))
    parts = [
        _billing_answers("EB", "EMEA", date(2026, 10, 1), [10] * 10 + [7] * 10 + [3] * 20),
        _billing_answers("EN", "EMEA", date(2026, 11, 15), [10] * 20 + [7] * 12 + [3] * 8),
        _billing_answers("AB", "APAC", date(2026, 10, 1), [7] * 30),
        _billing_answers("AN", "APAC", date(2026, 11, 15), [7] * 30),
    ]
    insert(conn, "customers", [row for people, _ in parts for row in people])
    insert(conn, "responses", [row for _, answers in parts for row in answers])
    conn.close()
    return path
