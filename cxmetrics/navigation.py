"""The dashboard's pages by section, in menu order: read by dashboard.py and by the tests that visit every page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    """One page: its script under app_pages/, title, URL path and Material icon; `manages_data` for a page of the
    roles with data management only."""

    section: str
    script: str
    title: str
    url_path: str
    icon: str
    manages_data: bool = False


_REPORT = ":material/report:"
_UPLOAD = ":material/upload:"
_FLAG = ":material/flag:"

PAGES: tuple[PageSpec, ...] = (
    PageSpec("Review", "app_pages/review/scorecard.py", "Scorecard", "scorecard", ":material/dashboard:"),
    PageSpec("Review", "app_pages/review/cx_financials.py", "CX & Financials", "cx-financials", ":material/payments:"),
    PageSpec("Review", "app_pages/review/actions.py", "Actions", "actions", ":material/task_alt:"),
    PageSpec("Customers", "app_pages/customers/journey.py", "Journey & Drivers", "journey", ":material/route:"),
    PageSpec("Customers", "app_pages/customers/loyalty.py", "Loyalty & Retention", "loyalty", ":material/favorite:"),
    PageSpec("Operations", "app_pages/operations/voice.py", "Voice of the Customer", "voice", ":material/forum:"),
    PageSpec("Operations", "app_pages/operations/complaints.py", "Complaints & Follow-up", "complaints", _REPORT),
    PageSpec("Operations", "app_pages/operations/people.py", "People & CX", "people", ":material/groups:"),
    PageSpec("Data", "app_pages/data_section/tables.py", "Data", "data", ":material/database:", manages_data=True),
    PageSpec("Data", "app_pages/data_section/load.py", "Load data", "load-data", _UPLOAD, manages_data=True),
    PageSpec(
        "Data",
        "app_pages/data_section/targets_events.py",
        "Targets & events",
        "targets-events",
        _FLAG,
        manages_data=True,
    ),
)


def sections(manages_data: bool = True) -> dict[str, list[PageSpec]]:
    """Pages grouped by section, sections in first-appearance order; without `manages_data`, only the report pages."""
    grouped: dict[str, list[PageSpec]] = {}
    for page in PAGES:
        if manages_data or not page.manages_data:
            grouped.setdefault(page.section, []).append(page)
    return grouped


def url_path(page: PageSpec) -> str:
    """The page's path in the app's URL: the first page is the default, served at the root."""
    return "" if page == PAGES[0] else page.url_path
