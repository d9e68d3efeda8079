"""Sign-in and roles end to end: a real OpenID Connect provider on localhost, the dashboard with `[auth]` and the
demo access list, and Chromium signing in as each demo identity. Each sees exactly their slice (the scorecard's
statement CSV equals the one the query layer builds for their scope); the not-listed identity and signed-out
visitors see nothing; URL edits do not widen a leader's slice."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page

from cxmetrics import periods
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.reports.scorecard import view as scorecard
from tests.access_fixtures import ADMIN, CX_TEAM, EMEA_LEADER, EXECUTIVE, STRANGER, Person
from tests.browser.tab import MAIN, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIDEBAR = '[data-testid="stSidebar"]'
NAV = '[data-testid="stSidebarNav"]'


@pytest.fixture
def tab(browser: Browser) -> Page:
    """A fresh browser tab with no cookies (nobody signed in)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    yield context.new_page()
    context.close()


def sign_in(page: Page, url: str, person: Person) -> None:
    """Sign in on the dashboard's sign-in page by choosing `person` at the identity provider."""
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").click()
    page.locator(f'button[name="sub"][value="{person.sub}"]').click()
    page.wait_for_url(f"{url}/**")
    wait_for_app(page)


def title(page: Page) -> str:
    return page.locator(f"{MAIN} h1").first.inner_text()


def download(page: Page, label: str) -> pd.DataFrame:
    """The CSV behind the download button labelled `label`, as a frame."""
    with page.expect_download() as found:
        page.locator('[data-testid="stDownloadButton"]').filter(has_text=label).locator("button").click()
    return pd.read_csv(io.BytesIO(Path(found.value.path()).read_bytes()))


def expected_statement(conn, scope: AccessScope, week: periods.Period) -> pd.DataFrame:
    """The scorecard statement's CSV as the query layer builds it for `scope` in the review week."""
    card = scorecard.build(conn, Filters(scope=scope), periods.review_period("week", week, week.end))
    return pd.read_csv(io.BytesIO(scorecard.statement_csv(card)))


def region_options(page: Page) -> list[str]:
    """The values the sidebar's region filter offers."""
    page.locator(SIDEBAR).get_by_role("combobox", name="Region").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return options


def shows_nothing(page: Page) -> None:
    """No navigation, no numbers, no tables, no charts."""
    for test_id in ("stSidebarNav", "stMetric", "stDataFrame", "stPlotlyChart", "stDownloadButton"):
        assert page.locator(f'[data-testid="{test_id}"]').count() == 0, test_id


@pytest.mark.parametrize(
    "person", [EXECUTIVE, EMEA_LEADER, CX_TEAM, ADMIN], ids=[p.role for p in (EXECUTIVE, EMEA_LEADER, CX_TEAM, ADMIN)]
)
def test_each_role_sees_exactly_its_slice_on_the_scorecard(
    tab: Page, hosted_app_url: str, small_world, small_world_week, person: Person
) -> None:
    sign_in(tab, hosted_app_url, person)
    assert title(tab) == "Scorecard"
    assert f"Signed in as {person.email} · {person.role}" in tab.locator(SIDEBAR).inner_text()
    screenshot(tab, f"access-{person.role}-scorecard")
    shown = download(tab, "Download the statement (CSV)")
    pd.testing.assert_frame_equal(shown, expected_statement(small_world, person.scope, small_world_week))
    if person.scope.unrestricted:
        assert shown.equals(expected_statement(small_world, AccessScope(), small_world_week))
    else:
        assert not shown.equals(expected_statement(small_world, AccessScope(), small_world_week))
        assert region_options(tab) == ["EMEA"]


@pytest.mark.parametrize("person", [EXECUTIVE, EMEA_LEADER], ids=["executive", "leader"])
def test_the_at_risk_list_download_holds_only_the_viewers_regions(
    tab: Page, hosted_app_url: str, person: Person
) -> None:
    sign_in(tab, hosted_app_url, person)
    tab.goto(f"{hosted_app_url}/loyalty")
    wait_for_app(tab)
    assert title(tab).startswith("Loyalty & Retention")
    regions = set(download(tab, "Download the at-risk list (CSV)")["region"])
    assert regions == ({"EMEA"} if person is EMEA_LEADER else {"EMEA", "APAC", "North America", "LATAM"} & regions)
    assert len(regions) == 1 if person is EMEA_LEADER else len(regions) > 1


def test_url_edits_do_not_widen_a_leaders_slice(tab: Page, hosted_app_url: str, small_world, small_world_week) -> None:
    sign_in(tab, hosted_app_url, EMEA_LEADER)
    emea = expected_statement(small_world, EMEA_LEADER.scope, small_world_week)
    edits = ["region=APAC", "region=APAC&region=EMEA", "region=%27%20OR%20%271%27%3D%271", "scope=all&role=admin"]
    for edit in edits:
        tab.goto(f"{hosted_app_url}/?{edit}")
        wait_for_app(tab)
        assert title(tab) == "Scorecard", edit
        pd.testing.assert_frame_equal(download(tab, "Download the statement (CSV)"), emea, obj=edit)
    tab.goto(f"{hosted_app_url}/data")
    wait_for_app(tab)
    assert title(tab) == "Scorecard", "a leader has no Data page, even by its URL"
    assert "Data" not in tab.locator(NAV).inner_text().split("\n")


def test_the_cx_team_manages_data_without_seeing_the_database_path(
    tab: Page, hosted_app_url: str, small_world_db: Path
) -> None:
    sign_in(tab, hosted_app_url, CX_TEAM)
    tab.goto(f"{hosted_app_url}/data")
    wait_for_app(tab)
    assert title(tab) == "Data"
    text = tab.locator(MAIN).inner_text()
    assert "the configured database" in text and str(small_world_db) not in text


def test_an_admin_sees_the_path_and_can_view_as_the_emea_leader(
    tab: Page, hosted_app_url: str, small_world, small_world_week, small_world_db: Path
) -> None:
    sign_in(tab, hosted_app_url, ADMIN)
    tab.goto(f"{hosted_app_url}/data")
    wait_for_app(tab)
    assert str(small_world_db) in tab.locator(MAIN).inner_text()
    tab.goto(hosted_app_url)
    wait_for_app(tab)
    tab.locator(SIDEBAR).get_by_role("combobox", name="View as").click()
    tab.get_by_role("option", name=EMEA_LEADER.email, exact=False).click()
    wait_for_app(tab)
    assert "Viewing as emea.lead@example.com" in tab.locator(SIDEBAR).inner_text()
    pd.testing.assert_frame_equal(
        download(tab, "Download the statement (CSV)"),
        expected_statement(small_world, EMEA_LEADER.scope, small_world_week),
    )
    screenshot(tab, "access-admin-viewing-as-leader-scorecard")


def test_an_identity_not_on_the_list_sees_no_access_and_nothing_else(tab: Page, hosted_app_url: str) -> None:
    sign_in(tab, hosted_app_url, STRANGER)
    assert title(tab) == "No access"
    shows_nothing(tab)
    screenshot(tab, "access-not-listed")
    tab.goto(f"{hosted_app_url}/loyalty?region=EMEA")
    wait_for_app(tab)
    assert title(tab) == "No access"
    shows_nothing(tab)


@pytest.mark.parametrize("path", ["", "loyalty", "data", "complaints?region=EMEA"])
def test_a_signed_out_visitor_sees_only_the_sign_in_page(tab: Page, hosted_app_url: str, path: str) -> None:
    tab.goto(f"{hosted_app_url}/{path}")
    wait_for_app(tab)
    assert title(tab) == "Executive CX dashboard"
    assert tab.get_by_role("button", name="Sign in").count() == 1
    assert tab.get_by_role("dialog").count() == 0
    shows_nothing(tab)
    if not path:
        screenshot(tab, "access-signed-out")
