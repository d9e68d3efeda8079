"""The journey map on a tiny world checked on paper, a cell's detail, and the sample world's planted events in red."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from cxmetrics import periods
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.periods import Period
from cxmetrics.query import moves
from cxmetrics.reports.journey import detail as journey_detail
from cxmetrics.reports.journey import map as journey
from tests import metric_fixtures as fx

W46 = periods.parse_week("2026-W46")
BEFORE = date(2026, 8, 3)  # in the 13 weeks before the 4 weeks to 2026-W46
NOW = date(2026, 11, 2)  # in the 4 weeks to 2026-W46


def _at(prefix: str, when: date, customer: str, touchpoint: str, promoters: int, passives: int, detractors: int):
    """Transactional answers at a touchpoint, each from its own customer like `customer` (so that they are
    independent: no customer-cluster design effect)."""
    rows = fx.responses(prefix, when, customer, nps=fx.nps_scores(promoters, passives, detractors))
    own = {"touchpoint": touchpoint, "survey": "transactional"}
    return [row | own | {"customer_id": f"{customer}-{row['response_id']}"} for row in rows]


def _respondents(rows: list[dict], like: dict[str, dict]) -> list[dict]:
    """A customer for each answer's own customer id, in the region and segment of the customer it is named after."""
    found = dict.fromkeys(row["customer_id"] for row in rows if row["customer_id"] not in like)
    return [like[cid.split("-")[0]] | {"customer_id": cid, "name": cid} for cid in found]


def _target(region: str, value: float) -> dict:
    return {"metric": "transactional_nps", "period_start": date(2026, 10, 1), "grain": "quarter", "region": region,
            "segment": "", "target": value}  # fmt: skip


@pytest.fixture
def tiny():
    """EMEA billing collapses (+75 -> -62.5), EMEA support steady at +50, APAC billing has 10 answers, APAC support
    steady at +10 against a target of 15; targets 35 company-wide, 30 EMEA, 15 APAC (2026 Q4)."""
    conn = fx.new_db()
    customers = {"e1": fx.customer("e1", "EMEA", "SMB"), "a1": fx.customer("a1", "APAC", "Enterprise")}
    rows = [
        *_at("eb0", BEFORE, "e1", "billing", 30, 10, 0),
        *_at("eb1", NOW, "e1", "billing", 5, 5, 30),
        *_at("es0", BEFORE, "e1", "support", 20, 20, 0),
        *_at("es1", NOW, "e1", "support", 20, 20, 0),
        *_at("ab1", NOW, "a1", "billing", 10, 0, 0),
        *_at("as0", BEFORE, "a1", "support", 14, 16, 10),
        *_at("as1", NOW, "a1", "support", 14, 16, 10),
        *fx.responses("rel", NOW, "e1", nps=[0, 0, 0]),  # relationship survey: no touchpoint, not on the map
    ]
    for i in range(4):
        rows[40 + i]["comment"] = "Invoice wrong again" if i < 3 else "  "
    fx.insert(conn, "customers", [*customers.values(), *_respondents(rows, customers)])
    fx.insert(conn, "responses", rows)
    fx.insert(conn, "targets", [_target("", 35), _target("EMEA", 30), _target("APAC", 15)])
    complaints = [
        {
            "complaint_id": f"k{i}",
            "customer_id": "e1",
            "opened_at": datetime(2026, 11, 3),
            "category": category,
            "process": process,
            "outcome": outcome,
        }  # fmt: skip
        for i, (category, process, outcome) in enumerate(
            [
                ("invoice error", "billing", "lost"),
                ("invoice error", "billing", "open"),
                ("double charge", "billing", "recovered"),
                ("slow response", "support", "lost"),
            ]  # fmt: skip
        )
    ]
    fx.insert(conn, "complaints", complaints)
    return conn


def _grid(cells, column: str) -> dict[tuple[str, str], object]:
    return {(r.row, r.touchpoint): getattr(r, column) for r in cells.itertuples(index=False)}


def test_the_map_period_at_each_grain() -> None:
    week = journey.map_period("week", W46, W46.end)
    assert (week.current.start, week.current.end) == (date(2026, 10, 19), date(2026, 11, 15))
    assert (week.compared.start, week.compared.end) == (date(2026, 7, 20), date(2026, 10, 18))
    assert (week.label, week.compared_label) == ("the 4 weeks to 2026-W46", "the 13 weeks before")
    month = journey.map_period("month", W46, W46.end)
    assert (month.current.label, month.compared.label) == ("Oct 2026", "Sep 2026")
    assert journey.map_period("quarter", W46, W46.end).current.label == "2026 Q3"
    ytd = journey.map_period("ytd", W46, W46.end)
    assert (ytd.current.start, ytd.compared.end) == (date(2026, 1, 1), date(2025, 11, 15))
    with pytest.raises(ValueError, match="unknown grain"):
        journey.map_period("day", W46, W46.end)


@pytest.mark.parametrize(
    ("target_status", "suppressed", "falling", "expected"),
    [
        ("on_target", False, False, "on_target"),
        ("on_target", False, True, "off_target"),
        ("watch", False, False, "watch"),
        ("off_target", False, False, "off_target"),
        (None, False, False, "no_target"),
        (None, False, True, "off_target"),
        ("off_target", True, True, "suppressed"),
    ],
)
def test_cell_status(target_status, suppressed, falling, expected) -> None:
    assert journey.cell_status(target_status, suppressed, falling) == expected


def test_the_map_on_paper(tiny) -> None:
    cells = journey.journey_map(tiny, "transactional_nps", Filters(), journey.map_period("week", W46, W46.end))
    assert list(dict.fromkeys(cells["row"])) == ["All", "APAC", "EMEA"]
    assert list(dict.fromkeys(cells["touchpoint"])) == ["support", "billing"]  # journey order
    values = _grid(cells, "value")
    assert values[("EMEA", "billing")] == pytest.approx(-62.5)  # (5 - 30) / 40
    assert values[("EMEA", "support")] == pytest.approx(50.0)
    assert values[("APAC", "support")] == pytest.approx(10.0)  # (14 - 10) / 40
    assert np.isnan(values[("APAC", "billing")])  # 10 answers < 30
    assert values[("All", "billing")] == pytest.approx(-30.0)  # (15 - 30) / 50
    assert values[("All", "support")] == pytest.approx(30.0)  # (34 - 10) / 80
    assert _grid(cells, "n")[("APAC", "billing")] == 10
    assert _grid(cells, "target")[("EMEA", "billing")] == 30 and _grid(cells, "target")[("All", "support")] == 35
    assert _grid(cells, "status") == {
        ("All", "support"): "watch",
        ("All", "billing"): "off_target",
        ("APAC", "support"): "watch",
        ("APAC", "billing"): "suppressed",
        ("EMEA", "support"): "on_target",
        ("EMEA", "billing"): "off_target",
    }
    falling = _grid(cells, "falling")
    assert falling[("EMEA", "billing")] and not falling[("EMEA", "support")] and not falling[("APAC", "support")]
    assert _grid(cells, "delta")[("EMEA", "billing")] == pytest.approx(-137.5)
    assert _grid(cells, "reason")[("EMEA", "billing")] == "significantly below target and falling significantly"
    assert _grid(cells, "reason")[("APAC", "billing")] == "too few responses (under 30): score withheld"


def test_the_summary_names_the_red_cells_and_the_detail_opens_on_the_biggest_fall(tiny) -> None:
    cells = journey.journey_map(tiny, "transactional_nps", Filters(), journey.map_period("week", W46, W46.end))
    assert journey.red_summary(cells, "transactional_nps") == (
        "2 red cells: billing in EMEA (-62, -138 vs before: significantly below target and falling significantly); "
        "billing overall (-30, -105 vs before: significantly below target and falling significantly)."
    )
    assert journey.default_cell(cells) == ("EMEA", "billing")
    calm = cells.assign(status="on_target")
    assert journey.red_summary(calm, "transactional_nps").startswith("No cell is red")
    assert journey.default_cell(calm) == ("All", "support")


def test_filters_and_access_scope_apply_to_every_cell(tiny) -> None:
    chosen = journey.map_period("week", W46, W46.end)
    emea_only = journey.journey_map(tiny, "transactional_nps", Filters(scope=AccessScope(("EMEA",))), chosen)
    assert set(emea_only["row"]) == {"EMEA"}  # one region: no separate 'All' row
    assert _grid(emea_only, "value")[("EMEA", "billing")] == pytest.approx(-62.5)
    billing = journey.journey_map(tiny, "transactional_nps", Filters(touchpoints=("billing",)), chosen)
    assert set(billing["touchpoint"]) == {"billing"}
    by_segment = journey.journey_map(tiny, "transactional_nps", Filters(), chosen, "segment")
    assert list(dict.fromkeys(by_segment["row"])) == ["All", "Enterprise", "SMB"]
    assert _grid(by_segment, "value")[("SMB", "billing")] == pytest.approx(-62.5)
    nobody = journey.journey_map(tiny, "transactional_nps", Filters(scope=AccessScope(("LATAM",))), chosen)
    assert nobody.empty


def test_a_cells_detail_counts_comments_and_complaints_of_its_process(tiny) -> None:
    chosen = journey.map_period("week", W46, W46.end)
    detail = journey_detail.cell_detail(tiny, "transactional_nps", Filters(), "region", "EMEA", "billing", chosen)
    assert (detail.responses, detail.comments) == (40, 3)  # a blank comment is no comment
    complaints = detail.complaints.set_index("category")
    assert complaints["complaints"].to_dict() == {"invoice error": 2, "double charge": 1}
    assert complaints.loc["invoice error", ["lost", "still_open"]].tolist() == [1, 1]
    trend = detail.trend.set_index("period_label")
    assert trend.loc["Aug 2026", "value"] == pytest.approx(75.0) and trend.loc["Aug 2026", "n"] == 40
    apac = journey_detail.cell_detail(tiny, "transactional_nps", Filters(), "region", "APAC", "billing", chosen)
    assert apac.complaints.empty and apac.comments == 0


# --- the sample world's planted events ----------------------------------------------------------------------------


def test_the_emea_billing_migration_is_red_in_march_2026(committed) -> None:
    chosen = journey.map_period("month", periods.parse_week("2026-W14"), date(2026, 11, 15))
    assert chosen.current == Period("month", date(2026, 3, 1), date(2026, 3, 31))
    cells = journey.journey_map(committed, "transactional_nps", Filters(), chosen)
    billing = cells[cells["touchpoint"] == "billing"].set_index("row")
    assert billing.loc["EMEA", "status"] == "off_target" and billing.loc["EMEA", "falling"]
    assert billing.loc["EMEA", "value"] < 0 < billing.loc["EMEA", "compared_value"]
    assert not billing.drop(index=["EMEA", "All"])["falling"].any()  # only EMEA's billing fell


def test_the_apac_field_service_partner_change_is_red_in_the_4_weeks_to_w46(committed) -> None:
    cells = journey.journey_map(committed, "transactional_nps", Filters(), journey.map_period("week", W46, W46.end))
    cell = cells[(cells["row"] == "APAC") & (cells["touchpoint"] == "field_service")].iloc[0]
    assert cell["status"] == "off_target" and cell["falling"]
    assert cell["n"] == 51 and cell["value"] == pytest.approx(-25.4902, abs=1e-3)  # truth.json: events E004
    assert journey.default_cell(cells) == ("APAC", "field_service")


def _found_falls(conn, week: Period, grain: str) -> set[tuple[str | None, str]]:
    """(region or None, touchpoint) of every significant fall of transactional NPS that what changed's scan finds in
    the comparison the journey map shows (at week grain the 4 weeks against the 13 before, else since the last one)."""
    review = periods.review_period(grain, week, week.end)
    found = moves.compare(moves.scan_cells(conn, Filters(), review), moves.windows(review))
    lens = "recent" if grain == "week" else "prior"
    falls = set()
    for i in moves.significant(found).tolist():
        where = dict(moves.slice_pairs(found["slice"][i]))
        chosen = found["metric"][i] == "transactional_nps" and found["lens"][i] == lens and found["delta"][i] < 0
        if chosen and "touchpoint" in where and set(where) <= {"region", "touchpoint"}:
            falls.add((where.get("region"), where["touchpoint"]))
    return falls


@pytest.mark.parametrize(
    ("week", "grain"), [("2025-W20", "week"), ("2025-W30", "week"), ("2026-W11", "week"), ("2026-W46", "week"),
                        ("2026-W14", "month"), ("2025-W30", "month")],
)  # fmt: skip
def test_a_cell_falls_exactly_when_what_changed_finds_that_fall(committed, week, grain) -> None:
    # The map's red for a fall and what changed's narrated moves pass the same false-discovery control, so the two
    # never contradict each other: a quiet week has no falling cell, an event week the falls what changed names.
    chosen = journey.map_period(grain, periods.parse_week(week), periods.parse_week(week).end)
    cells = journey.journey_map(committed, "transactional_nps", Filters(), chosen)
    falling = {
        (None if row.row == journey.ALL_ROW else row.row, row.touchpoint)
        for row in cells.itertuples(index=False)
        if row.falling
    }
    assert falling == _found_falls(committed, periods.parse_week(week), grain)


def test_a_nominal_fall_in_a_quiet_week_is_not_red(committed) -> None:
    # 2025-W30: one cell falls with |z| >= 1.96 on its own test, but among the week's hundred-odd comparisons it does
    # not survive the false-discovery control, and what changed says nothing moved: the map does not paint it red.
    week = periods.parse_week("2025-W30")
    cells = journey.journey_map(committed, "transactional_nps", Filters(), journey.map_period("week", week, week.end))
    nominal = cells[(np.abs(cells["z"]) >= 1.96) & (cells["delta"] < 0)]
    assert len(nominal) == 1 and not nominal["falling"].any()
    assert _found_falls(committed, week, "week") == set()
