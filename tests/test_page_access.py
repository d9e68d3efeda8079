"""Sign-in and roles under AppTest: local mode, signed out, not on the access list, and each role signed in."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics.navigation import PAGES
from tests.access_fixtures import (
    ADMIN,
    APAC_GROUP,
    CX_TEAM,
    EMEA_LEADER,
    EXECUTIVE,
    STRANGER,
    Person,
    write_access_list,
)
from tests.apptest import assert_no_exception, run_page

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-of-enough-length-0123456789",
    "client_id": "cx-dashboard",
    "client_secret": "test-client-secret",
    "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
}
DATA_PAGE = next(p.script for p in PAGES if p.manages_data)
LOYALTY = "app_pages/customers/loyalty.py"


@pytest.fixture
def access_list(tmp_path: Path, monkeypatch) -> Path:
    path = write_access_list(tmp_path)
    monkeypatch.setenv("CX_ACCESS_LIST", str(path))
    return path


def _hosted(monkeypatch, database: Path, person: Person | None, page: str | None = None, **query):
    user = person.user_info() if person else {"is_logged_in": False}
    return run_page(monkeypatch, database, page, secrets={"auth": AUTH}, user=user, **query)


def _sidebar_text(app) -> str:
    return " ".join(c.value for c in app.sidebar.caption)


def _shows_nothing(app) -> None:
    assert not app.metric and not app.dataframe and not app.sidebar.multiselect and not app.sidebar.selectbox


def test_without_auth_the_app_runs_in_local_mode_and_says_so(monkeypatch, small_world_db: Path) -> None:
    app = run_page(monkeypatch, small_world_db)
    assert_no_exception(app)
    assert app.title[0].value == "Scorecard"
    assert "Local mode: no sign-in, one user, everything visible." in _sidebar_text(app)
    assert app.sidebar.multiselect(key="region").options == ["APAC", "EMEA", "LATAM", "North America"]
    data = run_page(monkeypatch, small_world_db, DATA_PAGE)
    assert str(small_world_db) in data.caption[0].value, "the one local user sees the database path"


@pytest.mark.parametrize("page", [None, LOYALTY])
def test_a_signed_out_visitor_sees_only_the_sign_in_page(monkeypatch, small_world_db, access_list, page) -> None:
    app = _hosted(monkeypatch, small_world_db, None, region="EMEA")
    assert_no_exception(app)
    assert [t.value for t in app.title] == ["Executive CX dashboard"]
    assert [b.label for b in app.button] == ["Sign in"]
    _shows_nothing(app)


def test_several_providers_get_a_button_each(monkeypatch, small_world_db: Path, access_list) -> None:
    shared = {k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    auth = shared | {"okta": provider, "microsoft_entra": provider}
    app = run_page(monkeypatch, small_world_db, secrets={"auth": auth}, user={"is_logged_in": False})
    assert [b.label for b in app.button] == ["Sign in with Okta", "Sign in with Microsoft Entra"]


def test_an_identity_not_on_the_list_sees_no_access_and_nothing_else(monkeypatch, small_world_db, access_list) -> None:
    app = _hosted(monkeypatch, small_world_db, STRANGER)
    assert_no_exception(app)
    assert [t.value for t in app.title] == ["No access"]
    assert [b.label for b in app.button] == ["Sign out"]
    _shows_nothing(app)


def test_an_unverified_email_is_not_matched(monkeypatch, small_world_db: Path, access_list) -> None:
    user = EXECUTIVE.user_info() | {"email_verified": False}
    app = run_page(monkeypatch, small_world_db, secrets={"auth": AUTH}, user=user)
    assert [t.value for t in app.title] == ["No access"]


def test_without_an_access_list_nobody_has_access(monkeypatch, small_world_db: Path) -> None:
    monkeypatch.delenv("CX_ACCESS_LIST", raising=False)
    app = _hosted(monkeypatch, small_world_db, ADMIN)
    assert [t.value for t in app.title] == ["No access"]


def test_an_access_list_with_a_mistake_gives_nobody_access(monkeypatch, small_world_db, tmp_path) -> None:
    broken = tmp_path / "access.toml"
    broken.write_text('[[user]]\nemail = "emea.lead@example.com"\nrole = "leader"\nregion = ["EMEA"]\n')
    monkeypatch.setenv("CX_ACCESS_LIST", str(broken))
    app = _hosted(monkeypatch, small_world_db, EMEA_LEADER)
    assert [t.value for t in app.title] == ["No access"], "a misspelt scope key must not widen the leader's view"
    assert str(broken) not in " ".join(m.value for m in app.markdown)


@pytest.mark.parametrize(
    ("person", "regions"),
    [
        (EXECUTIVE, ["APAC", "EMEA", "LATAM", "North America"]),
        (EMEA_LEADER, ["EMEA"]),
        (CX_TEAM, ["APAC", "EMEA", "LATAM", "North America"]),
        (ADMIN, ["APAC", "EMEA", "LATAM", "North America"]),
        (APAC_GROUP, ["APAC"]),
    ],
    ids=["executive", "leader", "cx_team", "admin", "group"],
)
def test_a_signed_in_role_sees_its_regions(monkeypatch, small_world_db, access_list, person, regions) -> None:
    app = _hosted(monkeypatch, small_world_db, person, region=["APAC", "EMEA"])
    assert_no_exception(app)
    assert app.title[0].value == "Scorecard"
    assert f"Signed in as {person.email} · {person.role}" in _sidebar_text(app)
    assert app.sidebar.multiselect(key="region").options == regions
    assert set(app.sidebar.multiselect(key="region").value) <= set(regions), "a URL value outside the scope is dropped"


@pytest.mark.parametrize(("person", "sees_data"), [(EXECUTIVE, False), (EMEA_LEADER, False), (CX_TEAM, True)])
def test_only_data_roles_get_the_data_page_and_no_one_but_an_admin_sees_the_path(
    monkeypatch, small_world_db, access_list, person, sees_data
) -> None:
    app = _hosted(monkeypatch, small_world_db, person)
    if not sees_data:
        with pytest.raises(Exception, match="not found|could not find|Could not find"):
            app.switch_page(DATA_PAGE).run()
        return
    app.switch_page(DATA_PAGE).run()
    assert_no_exception(app)
    assert app.title[0].value == "Data"
    assert str(small_world_db) not in app.caption[0].value and "the configured database" in app.caption[0].value


def test_an_admin_sees_the_path_and_can_view_as_a_leader(monkeypatch, small_world_db, access_list) -> None:
    app = _hosted(monkeypatch, small_world_db, ADMIN, DATA_PAGE)
    assert str(small_world_db) in app.caption[0].value
    app.switch_page("app_pages/review/scorecard.py").run()
    choices = app.sidebar.selectbox(key="_view_as")
    assert choices.options[0] == "Myself" and ADMIN.email not in " ".join(choices.options)
    choices.select(next(o for o in choices.options if o.startswith(EMEA_LEADER.email))).run()
    assert_no_exception(app)
    assert app.sidebar.multiselect(key="region").options == ["EMEA"]
    assert any("Viewing as emea.lead@example.com" in i.value for i in app.sidebar.info)


def test_no_one_but_an_admin_gets_view_as(monkeypatch, small_world_db, access_list) -> None:
    app = _hosted(monkeypatch, small_world_db, CX_TEAM)
    assert "_view_as" not in [s.key for s in app.sidebar.selectbox]
