"""People & CX: headcount-weighted eNPS and engagement by region and team against the same units' NPS, and their
correlation, on tiny hand-made tables; then the planted engagement link in the committed sample world."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from cxmetrics.filters import AccessScope, Filters
from cxmetrics.reports.people import analysis as people
from tests import metric_fixtures as fx

OCTOBER = date(2026, 10, 1)


@pytest.fixture
def people_db(monkeypatch):
    """October 2026 engagement (EMEA Support 10 people eNPS 20 engagement 70, EMEA Sales 30 people -20 / 60,
    APAC Support 20 people eNPS 50, no engagement index) and responses: EMEA customer at the support touchpoint
    P=3 D=1 n=4 (NPS 50), APAC customer at sales P=0 D=2 n=2 (NPS -100). Minimum n 3: the APAC NPS is withheld."""
    monkeypatch.setenv("CX_MIN_N", "3")
    conn = fx.new_db()
    fx.finance_world(conn)
    fx.insert(conn, "customers", [fx.customer("e1", "EMEA"), fx.customer("a1", "APAC")])
    support = fx.responses("e1", date(2026, 10, 20), "e1", nps=[10, 9, 10, 2])
    sales = fx.responses("a1", date(2026, 10, 21), "a1", nps=[0, 5])
    for row in support:
        row["touchpoint"] = "support"
    for row in sales:
        row["touchpoint"] = "sales"
    fx.insert(conn, "responses", support + sales)
    return conn


def _by_unit(frame) -> dict:
    return {r.unit: r for r in frame.itertuples()}


def test_engagement_by_region_is_weighted_by_headcount(people_db):
    rows = _by_unit(people.engagement(people_db, Filters(), "region"))
    assert (rows["EMEA"].headcount, rows["EMEA"].enps, rows["EMEA"].engagement_index) == (40, -10.0, 62.5)
    assert rows["APAC"].enps == 50.0 and np.isnan(rows["APAC"].engagement_index)


def test_engagement_by_team_adds_up_the_regions(people_db):
    rows = _by_unit(people.engagement(people_db, Filters(), "team"))
    assert (rows["Support"].headcount, rows["Support"].enps, rows["Support"].engagement_index) == (30, 40.0, 70.0)
    assert list(_by_unit(people.engagement(people_db, Filters(regions=("APAC",)), "team"))) == ["Support"]


def test_unit_months_pair_each_region_with_its_customer_nps(people_db):
    rows = _by_unit(people.unit_months(people_db, Filters(), "region"))
    assert rows["EMEA"].month == OCTOBER
    assert (rows["EMEA"].nps, rows["EMEA"].nps_n) == (50.0, 4)
    assert (rows["APAC"].nps_n, rows["APAC"].nps_suppressed) == (2, True)


def test_unit_months_pair_each_team_with_the_nps_of_its_touchpoint(people_db):
    rows = _by_unit(people.unit_months(people_db, Filters(), "team"))
    assert (rows["Support"].nps, rows["Support"].nps_n) == (50.0, 4)
    assert (rows["Sales"].nps_n, rows["Sales"].nps_suppressed) == (2, True)


def test_the_access_scope_limits_both_sides(people_db):
    frame = people.unit_months(people_db, Filters(scope=AccessScope(("EMEA",))), "team")
    rows = _by_unit(frame)
    assert rows["Support"].headcount == 10 and rows["Support"].nps == 50.0
    assert rows["Sales"].nps_n == 0 and np.isnan(rows["Sales"].nps)


def test_team_touchpoints():
    assert people.touchpoint_of("Field Service") == "field_service"
    assert people.touchpoint_of("Account Management") == "renewal"


def test_correlation_with_fisher_interval_by_hand():
    # x 1..5, y 2,4,5,4,5: sum dx dy = 6, sum dx^2 = 10, sum dy^2 = 6 -> r = 6 / sqrt(60) = 0.7746;
    # atanh(r) = 1.0317 +/- 1.96 / sqrt(2) -> tanh(-0.3542) = -0.3401 to tanh(2.4176) = 0.9842; t = 2.12, p = 0.12.
    link = people.correlation([1, 2, 3, 4, 5, np.nan], [2, 4, 5, 4, 5, 1])
    assert (round(link.r, 4), link.n, round(link.low, 4), round(link.high, 4)) == (0.7746, 5, -0.3401, 0.9842)
    assert not link.significant and link.too_short


def test_correlation_needs_four_pairs_and_variation():
    assert np.isnan(people.correlation([1, 2, 3], [1, 2, 3]).r)
    assert np.isnan(people.correlation([1, 1, 1, 1], [1, 2, 3, 4]).r)


def test_link_sentence_says_r_its_interval_n_and_significance():
    link = people.Correlation(0.6558, 144, 0.5514, 0.74, True)
    assert people.link_sentence(link, "engagement_index", "region") == (
        "Engagement index and customer NPS move together: strong correlation r = +0.66 (95% interval +0.55 to "
        "+0.74) over n = 144 region-months, significant."
    )
    short = people.link_sentence(people.Correlation(0.2, 6, -0.7, 0.9, False), "enps", "team")
    assert "weak correlation r = +0.20" in short and short.endswith("too short to trust.")


# --- the committed sample world -------------------------------------------------------------------------------------


def test_the_committed_world_recovers_the_planted_engagement_link(committed, truth):
    realised = truth["engagement_link"]["realised"]
    frame = people.unit_months(committed, Filters(), "region")
    link = people.pooled(frame, "engagement_index")
    assert (round(link.r, 4), link.n) == (realised["pooled_correlation"], realised["region_months"])
    assert link.significant and link.low > 0.3
    within = people.within_units(frame).set_index("unit")["r"].round(4).to_dict()
    assert within == realised["within_region_correlation"]


def test_the_committed_world_shows_the_planted_emea_dip(committed, truth):
    frame = people.unit_months(committed, Filters(regions=("EMEA",)), "region").set_index("month")
    dip = truth["engagement_link"]["planted_emea_dip"]
    deepest = min(dip, key=dip.get)
    worst = date.fromisoformat(f"{deepest}-01")
    before = date(2025, 10, 1)
    assert frame.loc[worst, "engagement_index"] < frame.loc[before, "engagement_index"] - 2
    assert frame.loc[worst, "nps"] < frame.loc[before, "nps"]
