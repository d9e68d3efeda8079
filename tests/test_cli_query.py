"""`python -m cxmetrics query` and `metrics`: the dashboard's numbers on the command line."""

import argparse
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from datetime import date

import pandas as pd
import pytest

from cxmetrics import cli, db
from cxmetrics.commands import metrics as metrics_command
from cxmetrics.commands import query as query_command
from cxmetrics.filters import Filters
from cxmetrics.query import frames as query
from tests import metric_fixtures as fx
from tests.access_fixtures import write_access_list


def run(*argv: str) -> tuple[int, str, str]:
    """Run the query and metrics sub-commands; returns exit code, stdout and stderr."""
    parser = argparse.ArgumentParser(prog="python -m cxmetrics")
    sub = parser.add_subparsers(dest="command", required=True)
    query_command.register(sub)
    metrics_command.register(sub)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        args = parser.parse_args(list(argv))
        code = args.run(args)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_MIN_N", "10")
    path = tmp_path / "cx.duckdb"
    conn = fx.new_db(str(path))
    fx.trend_world(conn)
    fx.finance_world(conn)
    conn.close()
    return str(path)


def test_commands_are_registered():
    assert {"cxmetrics.commands.query", "cxmetrics.commands.metrics"} <= set(cli.COMMAND_MODULES)


def test_table_shows_value_interval_and_n(db_path):
    code, out, _ = run("query", "nps", "--db", db_path, "--from", "2026-11-02")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["period_label", "value", "low", "high", "n", "suppressed", "target", "status"]
    # W46: P=50, D=20, n=100 -> +30, adjusted-Wald 14.05..44.20 (see test_stats) for independent answers; but two
    # customers give 90 of them (10 anonymous): design effect 12.39 (see test_query), -23.9..82.2. W45: two
    # customers, design effect 6.6: -38..+38.
    assert lines[2].split() == ["2026-W46", "+30", "-24", "+82", "100", "False", "-", "-"]
    assert lines[1].split()[:5] == ["2026-W45", "+0", "-38", "+38", "100"]


def test_csv_is_exactly_the_dashboard_frame(db_path):
    code, out, _ = run("query", "nps", "--db", db_path, "--by", "region", "--format", "csv", "--compare", "prior")
    assert code == 0
    printed = pd.read_csv(io.StringIO(out))
    conn = db.connect_read_only(db_path)
    frame = query.metric_frame(conn, "nps", Filters(), "week", "region", "prior")
    assert list(printed.columns) == list(frame.columns)
    assert printed["value"].tolist() == pytest.approx(frame["value"].tolist(), nan_ok=True)
    assert printed["n"].tolist() == frame["n"].tolist()


def test_json_with_region_filter_and_last_periods(db_path):
    code, out, _ = run("query", "nps", "--db", db_path, "--region", "EMEA", "--last", "2", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["period_label"] for r in rows] == ["2026-W45", "2026-W46"]
    assert [r["n"] for r in rows] == [50, 50]
    assert rows[1]["value"] == pytest.approx(70.0)


def test_monthly_metric_at_week_grain_names_its_month(db_path):
    code, out, _ = run("query", "revenue", "--db", db_path, "--grain", "week", "--last", "1")
    assert code == 0
    header, row = out.splitlines()
    assert header.split()[:3] == ["period_label", "basis_start", "value"]
    assert row.split()[:3] == ["2026-W46", "2026-10-01", "$5,000"]


def test_ignored_filter_is_reported(db_path):
    code, _, err = run("query", "revenue", "--db", db_path, "--grain", "month", "--touchpoint", "billing")
    assert code == 0
    assert "the touchpoint filter does not apply to revenue" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("query", "nope"), "unknown metric 'nope'; valid metrics: nps, csat"),
        (("query", "revenue", "--by", "touchpoint"), "cannot be split by 'touchpoint'; valid: region, segment"),
    ],
)
def test_errors_name_the_valid_choices(db_path, argv, message):
    code, out, err = run(*argv, "--db", db_path)
    assert code == 2 and out == ""
    assert message in err


def test_unknown_dimension_is_refused_by_the_parser(db_path):
    with pytest.raises(SystemExit) as exit_info:
        run("query", "nps", "--db", db_path, "--by", "colour")
    assert exit_info.value.code == 2


def test_missing_database_is_a_clear_error(tmp_path):
    code, _, err = run("query", "nps", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "does not exist" in err


def test_metrics_lists_the_registry():
    code, out, _ = run("metrics")
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["nps", "CX", "points"]
    code, out, _ = run("metrics", "--format", "json")
    assert {"id": "csat", "unit": "percent"}.items() <= json.loads(out)[1].items()


def test_metrics_markdown_is_the_committed_reference():
    code, out, _ = run("metrics", "--markdown")
    assert code == 0 and out == metrics_command.markdown()


def test_dates_parse_strictly(db_path):
    with pytest.raises(SystemExit):
        run("query", "nps", "--db", db_path, "--from", "02/11/2026")
    code, out, _ = run("query", "nps", "--db", db_path, "--from", "2026-11-09", "--to", str(date(2026, 11, 15)))
    assert code == 0 and len(out.splitlines()) == 2


@pytest.fixture
def access_list(tmp_path, monkeypatch):
    path = write_access_list(tmp_path)
    monkeypatch.setenv("CX_ACCESS_LIST", str(path))
    return path


@pytest.mark.parametrize(
    ("argv", "nps_w46"),
    [
        (("--user", "exec@example.com"), 30.0),
        (("--user", "EMEA.Lead@example.com"), 70.0),
        (("--user", "emea.lead@example.com", "--region", "APAC"), None),
        (("--user", "someone@example.com", "--group", "apac-leads"), -12.5),
    ],
    ids=["executive: the company", "EMEA leader: EMEA", "a filter outside the scope: nothing", "group: APAC"],
)
def test_user_applies_the_access_list(db_path, access_list, argv, nps_w46):
    # trend_world W46: company +30 (anonymous responses included), EMEA +70, APAC -12.5.
    code, out, _ = run("query", "nps", "--db", db_path, "--last", "1", "--format", "json", *argv)
    assert code == 0
    assert [r["value"] for r in json.loads(out)] == ([pytest.approx(nps_w46)] if nps_w46 is not None else [])


def test_a_user_not_on_the_access_list_gets_no_numbers(db_path, access_list):
    code, out, err = run("query", "nps", "--db", db_path, "--user", "stranger@example.com")
    assert (code, out) == (3, "")
    assert "stranger@example.com is not on the access list: no access" in err


def test_user_without_an_access_list_is_refused(db_path, monkeypatch):
    monkeypatch.delenv("CX_ACCESS_LIST", raising=False)
    code, out, err = run("query", "nps", "--db", db_path, "--user", "exec@example.com")
    assert (code, out) == (3, "")
    assert "no access list" in err
