"""Leaders are told about data problems under what they look at: the Scorecard's line with a planted broken survey
trigger and none without, within the viewer's scope; the Data page's Data quality section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.access_fixtures import EMEA_LEADER, auth_secrets, write_access_list
from tests.apptest import assert_no_exception, run_page
from tests.quality_fixtures import BROKEN_TRIGGER, planted_sample_world

DATA_PAGE = "app_pages/data_section/tables.py"
BROKEN = re.compile(
    r"North America email survey volume fell (8\d|9\d)% this week \(\d responses, usually 30\): check the survey "
    r"trigger\."
)


@pytest.fixture(scope="module")
def broken_trigger_db(small_world_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sample world whose North America email survey trigger broke in its last week."""
    return planted_sample_world(small_world_dir, tmp_path_factory.mktemp("broken_trigger"), BROKEN_TRIGGER)


def _warnings(app) -> list[str]:
    return [w.value for w in app.warning]


def test_the_scorecard_of_a_quiet_world_shows_no_data_warning(monkeypatch, small_world_db: Path):
    app = run_page(monkeypatch, small_world_db)
    assert_no_exception(app)
    assert app.title[0].value == "Scorecard"
    assert _warnings(app) == []


def test_the_scorecard_says_in_one_line_that_a_survey_trigger_broke(monkeypatch, broken_trigger_db: Path):
    app = run_page(monkeypatch, broken_trigger_db)
    assert_no_exception(app)
    (line,) = _warnings(app)
    assert BROKEN.fullmatch(line), line
    journey = run_page(monkeypatch, broken_trigger_db, "app_pages/customers/journey.py")
    assert line in _warnings(journey)
    people = run_page(monkeypatch, broken_trigger_db, "app_pages/operations/people.py")
    assert line in _warnings(people), "People & CX sets eNPS against NPS: it rests on responses too"


def test_a_leader_of_another_region_is_not_told_about_it(monkeypatch, broken_trigger_db: Path, tmp_path: Path):
    secrets = auth_secrets(
        "http://localhost:8501/oauth2callback", "http://localhost:9/.well-known/openid-configuration"
    )
    monkeypatch.setenv("CX_ACCESS_LIST", str(write_access_list(tmp_path)))
    emea = run_page(monkeypatch, broken_trigger_db, secrets={"auth": secrets}, user=EMEA_LEADER.user_info())
    assert_no_exception(emea)
    assert emea.title[0].value == "Scorecard" and _warnings(emea) == []


def test_the_data_page_has_the_data_quality_section_with_the_full_tables(monkeypatch, broken_trigger_db: Path):
    app = run_page(monkeypatch, broken_trigger_db, DATA_PAGE)
    assert_no_exception(app)
    assert "Data quality" in [h.value for h in app.subheader]
    (line,) = _warnings(app)
    assert BROKEN.fullmatch(line)
    freshness = next(d.value for d in app.dataframe if "days_behind" in d.value.columns)
    assert set(freshness["status"]) == {"fresh"} and len(freshness) == 8
    volumes = next(d.value for d in app.dataframe if "relative_change_pct" in d.value.columns)
    assert volumes.iloc[0]["slice"] == "North America email" and bool(volumes.iloc[0]["flagged"])
