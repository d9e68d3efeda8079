"""Minimum-n suppression is a property of every report's output: under narrow filters no build, no figure of a page
and no command-line row lets out a score, rate, interval, verdict or rebuilding count whose n is under its minimum
(the n itself stays), and the walk that checks it catches a figure left in on purpose."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from cxmetrics import periods
from cxmetrics.display import withheld
from cxmetrics.display.tiles import Tile
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import METRICS
from cxmetrics.query.frames import review_period
from cxmetrics.reports.complaints import view as complaints
from cxmetrics.reports.cx_financials import value
from cxmetrics.reports.cx_financials import view as financials
from cxmetrics.reports.journey import view as journey
from cxmetrics.reports.loyalty import view as loyalty
from cxmetrics.reports.people import view as people
from cxmetrics.reports.scorecard import view as scorecard
from cxmetrics.reports.voice import view as voice
from tests import leaks
from tests.apptest import assert_no_exception, run_page
from tests.test_cli_query import run as run_cli

PAGES = (
    "app_pages/review/scorecard.py",
    "app_pages/review/cx_financials.py",
    "app_pages/customers/journey.py",
    "app_pages/customers/loyalty.py",
    "app_pages/operations/voice.py",
    "app_pages/operations/complaints.py",
    "app_pages/operations/people.py",
)


@dataclass(frozen=True)
class Narrow:
    """A narrow selection: the sidebar's filters (as a URL query too) and the period grain of the reports."""

    filters: Filters
    query: dict
    grain: str


CASES = {
    "LATAM Enterprise, month": Narrow(
        Filters(regions=("LATAM",), segments=("Enterprise",)), {"region": "LATAM", "segment": "Enterprise"}, "month"
    ),
    "one touchpoint in one region, week": Narrow(
        Filters(regions=("APAC",), touchpoints=("billing",)), {"region": "APAC", "touchpoint": "billing"}, "week"
    ),
    "one segment, quarter": Narrow(Filters(segments=("SMB",)), {"segment": "SMB"}, "quarter"),
}


def builds(conn, narrow: Narrow, week: periods.Period) -> dict:
    """Every report's build outputs for the selection, as each page asks for them (its extra builds included)."""
    f, grain = narrow.filters, narrow.grain
    found = {
        "scorecard": scorecard.build(conn, f, review_period(conn, grain, week)),
        "complaints": complaints.build(conn, f, review_period(conn, grain, week)),
        "people": people.build(conn, f, week),
        "people by team": people.build(conn, f, week, "team", "enps"),
        "voice": voice.build(conn, f, week, 4),
        "voice verbatims": voice.verbatims(conn, f, week, 4, voice.Question()),
    }
    money = financials.build(conn, f, review_period(conn, "month", week))
    found |= {"cx_financials": money, "cx_financials monthly": financials.monthly(conn, f, "region")}
    if money.cohort is not None:
        found["cx_financials risk"] = financials.risk(money, value.RiskAssumptions(), "segment")
    journey_grain = "week" if grain == "week" else grain
    path = journey.build(conn, f, week, journey_grain, "transactional_nps", "region")
    found["journey"] = path
    if path.cell_picks is not None:
        found["journey cell"] = journey.cell(conn, f, path.cell_picks, (None, None))
    if path.driver_choices is not None:
        found["journey drivers"] = journey.drivers(conn, f, path.driver_choices, None)
    kept = loyalty.build(conn, f, week.end, "quarter" if grain == "quarter" else "month", "segment")
    found |= {"loyalty": kept, "loyalty at risk": loyalty.at_risk_list(kept, 0, (), ())}
    return found


def cli_frames(db_path: Path, narrow: Narrow) -> dict[str, pd.DataFrame]:
    """The command line's CSV of every metric under the selection, read back as the metric's frame."""
    options = [f"--{name}={value}" for name, value in narrow.query.items()]
    found = {}
    for metric in METRICS:
        grain = narrow.grain if narrow.grain in metric.grains else metric.grains[0]
        asked = ("--db", str(db_path), "--grain", grain, "--compare", "prior", "--format", "csv", *options)
        code, out, _ = run_cli("query", metric.id, *asked)
        assert code == 0
        frame = pd.read_csv(io.StringIO(out))
        frame.attrs["metric"] = metric.id
        found[f"query {metric.id}"] = frame
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_no_report_lets_out_a_figure_under_its_minimum_n(small_world, small_world_db, small_world_week, case):
    narrow = CASES[case]
    outputs = builds(small_world, narrow, small_world_week) | cli_frames(small_world_db, narrow)
    found = [leak for name, output in outputs.items() for leak in leaks.walk(output, name)]
    assert not found, "\n".join(found[:40])
    assert leaks.count_withheld(outputs) > 50  # the walk had figures under their minimum to check
    # The frames a build returns but no page shows: the cohort's sums the ROI model reads, and the sums of the
    # customers active at the end that revenue at risk and the ROI model read.
    assert [p for name, output in outputs.items() for p in leaks.not_shown(output, name)] == [
        "cx_financials.cohort.sums",
        "cx_financials.cohort.current",
    ]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_figure_or_text_shows_a_score_under_its_minimum_n(monkeypatch, small_world_db, page):
    narrow = CASES["LATAM Enterprise, month"]
    app = run_page(monkeypatch, small_world_db, page, **narrow.query)
    assert_no_exception(app)
    charts = app.get("plotly_chart")
    found = [f"chart {i}: {leak}" for i, c in enumerate(charts) for leak in leaks.figure_leaks(c.proto.spec)]
    texts = [e.value for kind in ("markdown", "caption", "info", "warning") for e in app.get(kind)]
    texts += [f"{m.label}: {m.value}. {m.proto.help}" for m in app.metric]
    found += [leak for text in texts for leak in leaks.text_leaks(text)]
    assert charts and not found, "\n".join(found[:40])


# --- the walk catches what is left in on purpose -----------------------------------------------------------------


@dataclass(frozen=True)
class LeakyView:
    """A build output with one leak of each kind the walk looks for."""

    frame: pd.DataFrame
    tile: Tile
    sentence: str


def _churn(customers: int, churned: int) -> pd.DataFrame:
    return pd.DataFrame({"group": ["lost"], "customers": [customers], "churned": [churned], "churn_pct": [100 / 3]})


CHURN_RULE = withheld.Rule("customers", ("churn_pct",), ("churned",), "churn_rate")


def _leaky() -> LeakyView:
    frame = _churn(3, 1)
    frame.attrs["withheld"] = withheld.Declaration((CHURN_RULE,), ("group",))  # declared, but not withheld
    tile = Tile(
        "follow_up_closed_2bd", "Follow-ups closed in time", "0.0%", "95% interval 0.0% to 65.8%.", n=2, min_n=30
    )
    return LeakyView(frame, tile, "Customers whose latest complaint was lost churned 33.3% (1 of 3).")


def test_the_walk_catches_a_value_a_count_a_tile_and_a_sentence_left_in_under_the_minimum():
    found = leaks.walk(_leaky())
    assert any(".frame[0].churn_pct" in f for f in found) and any(".frame[0].churned" in f for f in found)
    assert any(".tile.value" in f for f in found) and any(".tile.help" in f for f in found)
    assert any("33.3% (1 of 3)" in f for f in found)


def test_the_walk_catches_frames_columns_records_and_tiles_without_a_declaration():
    frame = withheld.declare(_churn(40, 4).assign(mystery=1.5), CHURN_RULE, exact=("group",))
    found = leaks.walk({"undeclared": _churn(40, 4), "new column": frame, "tile": Tile("x", "X", "1", "")})
    assert any("undeclared']: a frame with no minimum-n declaration" in f for f in found)
    assert any("column 'mystery' is neither exact nor withheld" in f for f in found)
    assert any("declares no minimum n" in f for f in found)


def test_the_walk_catches_a_hover_that_shows_a_score_beside_a_small_n():
    figure = go.Figure(
        go.Bar(
            x=[33.3, None],
            y=["Latest complaint lost (n = 3)", "Latest complaint recovered (n = 11)"],
            orientation="h",
            hovertemplate="%{y}: %{x:.1f}% churned<extra></extra>",
        )
    )
    found = leaks.figure_leaks(figure.to_json())
    assert found == ["trace 0 (None) point (0,): 'Latest complaint lost (n = 3): 33.3% churned'"]


def test_enforce_withholds_every_leak_it_is_declared_for():
    view = withheld.enforce(_leaky())
    assert view.frame[["churn_pct", "churned"]].isna().all().all() and view.frame["customers"].tolist() == [3]
    assert (view.tile.value, view.tile.help) == ("Too few (n = 2)", "")
    assert leaks.walk(view) == ["view.sentence: 'Customers whose latest complaint was lost churned 33.3% (1 of 3).'"]


def test_the_walk_fails_on_every_report_once_suppression_is_switched_off(small_world, small_world_week, monkeypatch):
    def declared_only(frame: pd.DataFrame, declaration: withheld.Declaration) -> pd.DataFrame:
        frame = frame.copy()
        frame.attrs["withheld"] = declaration
        return frame

    monkeypatch.setattr(withheld, "withhold", declared_only)
    monkeypatch.setattr(withheld, "record", lambda found: found)
    outputs = builds(small_world, CASES["LATAM Enterprise, month"], small_world_week)
    caught = {name for name, output in outputs.items() if leaks.walk(output, name)}
    # The scorecard's cells are withheld upstream, in the query layer's snapshot (it shows no sums).
    assert caught >= {"complaints", "cx_financials", "journey", "loyalty", "voice", "people"}


def test_the_command_line_csv_of_a_suppressed_cell_has_neither_the_score_nor_its_counts(small_world_db):
    code, out, _ = run_cli("query", "nps", "--db", str(small_world_db), "--region", "LATAM", "--segment", "Enterprise",
                           "--format", "json")  # fmt: skip
    rows = [r for r in json.loads(out) if r["suppressed"] and r["n"] > 0]
    assert code == 0 and rows
    assert {(r["value"], r["low"], r["promoters"], r["detractors"]) for r in rows} == {(None, None, None, None)}


def test_a_tile_under_its_minimum_keeps_no_verdict_and_no_last_point() -> None:
    found = Tile(
        "csat", "CSAT", "80.0%", "**CSAT** for 2026-W46. n = 7.", delta="+1.0 pts", status="off_target",
        status_text="Off target · target 84.5%", trend=(78.0, 79.5, 80.0), n=7, min_n=30,
    )  # fmt: skip
    shown = withheld.tile(found)
    assert (shown.value, shown.delta, shown.status, shown.status_text) == (
        "Too few (n = 7)",
        None,
        "suppressed",
        "Too few",
    )
    assert shown.trend[:2] == (78.0, 79.5) and shown.trend[2] != shown.trend[2]  # NaN: the withheld week
    assert leaks.walk(shown) == [] and leaks.walk(found) != []
