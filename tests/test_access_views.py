"""Every role of the access list against every view's build: a restricted scope never returns a row of another
region, segment or touchpoint, in any frame, table or CSV a page shows; an unrestricted role sees the whole company."""

from __future__ import annotations

import dataclasses
import io
import tomllib
from collections.abc import Callable, Iterator

import pandas as pd
import pytest

from cxmetrics import access
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.query.frames import review_period
from cxmetrics.reports.complaints import view as complaints
from cxmetrics.reports.cx_financials import view as financials
from cxmetrics.reports.journey import map as journey_map
from cxmetrics.reports.journey import view as journey
from cxmetrics.reports.loyalty import view as loyalty
from cxmetrics.reports.people import view as people
from cxmetrics.reports.scorecard import view as scorecard
from cxmetrics.reports.voice import view as voice
from tests.access_fixtures import ACCESS_LIST

ALL_REGIONS = {"APAC", "EMEA", "LATAM", "North America"}
ROLES: dict[str, AccessScope] = {
    "executive": AccessScope(),
    "cx_team": AccessScope(),
    "admin": AccessScope(),
    "EMEA leader": AccessScope(regions=("EMEA",)),
    "two-region leader": AccessScope(regions=("APAC", "LATAM")),
    "Enterprise leader": AccessScope(segments=("Enterprise",)),
    "billing leader": AccessScope(touchpoints=("billing",)),
    "EMEA SMB leader": AccessScope(regions=("EMEA",), segments=("SMB",)),
}


def _loyalty(conn, filters, week):
    view = loyalty.build(conn, filters, week.end, "month", "region")
    return view, loyalty.at_risk_list(view, 0, (), ())


def _journey(conn, filters, week):
    view = journey.build(conn, filters, week, "month", "transactional_nps", "region")
    # The map's rows are the regions in this build, and the total of the regions the viewer sees.
    rows = view.cells[view.cells["row"] != journey_map.ALL_ROW].rename(columns={"row": "region"})
    return view, rows, journey.drivers(conn, filters, view.driver_choices, None)


def _voice(conn, filters, week):
    asked_elsewhere = voice.Question(regions=("APAC", "North America"), touchpoints=("support",))
    return (
        voice.build(conn, filters, week, 13),
        voice.verbatims(conn, filters, week, 13, voice.Question()),
        voice.verbatims(conn, filters, week, 13, asked_elsewhere),
    )


def _people(conn, filters, week):
    view = people.build(conn, filters, week, "region", "engagement_index")
    return view, view.frame.rename(columns={"unit": "region"})  # the units are the regions in this build


BUILDS: dict[str, Callable] = {
    "scorecard": lambda conn, f, week: scorecard.build(conn, f, review_period(conn, "month", week)),
    "cx_financials": lambda conn, f, week: (
        financials.build(conn, f, review_period(conn, "month", week)),
        financials.monthly(conn, f, "region"),
    ),
    "journey": _journey,
    "loyalty": _loyalty,
    "voice": _voice,
    "complaints": lambda conn, f, week: complaints.build(conn, f, review_period(conn, "quarter", week), "process"),
    "people": lambda conn, f, week: _people(conn, f, week),
}


def _frames(found, seen: set[int] | None = None) -> Iterator[pd.DataFrame]:
    """Every frame a view holds: its fields', its tables' (a Styler's data), and its CSV downloads parsed."""
    seen = set() if seen is None else seen
    if id(found) in seen:
        return
    seen.add(id(found))
    if isinstance(found, pd.DataFrame):
        yield found.reset_index()
    elif hasattr(found, "data") and isinstance(found.data, pd.DataFrame):
        yield found.data.reset_index()
    elif isinstance(found, bytes) and b"," in found[:200]:
        yield pd.read_csv(io.BytesIO(found))
    elif dataclasses.is_dataclass(found) and not isinstance(found, type):
        for item in dataclasses.fields(found):
            yield from _frames(getattr(found, item.name), seen)
    elif isinstance(found, list | tuple):
        for item in found:
            yield from _frames(item, seen)
    elif isinstance(found, dict):
        for item in found.values():
            yield from _frames(item, seen)


def _values(found, column: str, events: bool = False) -> set[str]:
    """Every value of `column` in the view's frames of data (`events`: in its event annotations instead)."""
    values: set[str] = set()
    for frame in _frames(found):
        if column in frame.columns and ("event_date" in frame.columns) == events:
            values |= {str(v) for v in frame[column].dropna().unique()}
    return values


@pytest.fixture(scope="module")
def company(small_world, small_world_week) -> dict[str, object]:
    return {name: build(small_world, Filters(), small_world_week) for name, build in BUILDS.items()}


@pytest.mark.parametrize("report", sorted(BUILDS))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_scope_never_returns_rows_outside_it(small_world, small_world_week, company, role, report) -> None:
    scope = ROLES[role]
    found = BUILDS[report](small_world, Filters(scope=scope), small_world_week)
    for dim, allowed in scope.restrictions().items():
        assert _values(found, dim) <= set(allowed), (role, report, dim)
    # Events: the company-wide ones (no region) annotate every viewer's trends; a region's only its viewers'.
    assert _values(found, "region", events=True) <= {"", *(scope.restrictions().get("region") or ALL_REGIONS)}
    if scope.unrestricted:
        assert _values(found, "region") == _values(company[report], "region")


@pytest.mark.parametrize("report", ["cx_financials", "journey", "loyalty", "people"])
def test_the_whole_company_views_hold_every_region(company, report) -> None:
    """The check above can fail: these views name every region for an unrestricted viewer."""
    assert _values(company[report], "region") >= ALL_REGIONS


@pytest.mark.parametrize("report", ["cx_financials", "journey", "loyalty", "people"])
def test_an_emea_leader_sees_emea_rows(small_world, small_world_week, report) -> None:
    found = BUILDS[report](small_world, Filters(scope=ROLES["EMEA leader"]), small_world_week)
    assert _values(found, "region") == {"EMEA"}


def test_the_verbatims_asked_for_other_regions_are_empty_under_an_emea_scope(small_world, small_world_week) -> None:
    _, everything, elsewhere = _voice(small_world, Filters(scope=ROLES["EMEA leader"]), small_world_week)
    assert everything.matched > 0
    assert elsewhere.matched == 0


def test_the_demo_list_grants_these_scopes() -> None:
    granted = access.parse(tomllib.loads(ACCESS_LIST))
    assert granted.for_email("EMEA.Lead@example.com").scope == ROLES["EMEA leader"]
    assert {granted.for_email(f"{r}@example.com").scope for r in ("exec", "cx", "admin")} == {AccessScope()}
