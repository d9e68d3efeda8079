"""Running the dashboard under Streamlit's AppTest on a given database and page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "dashboard.py"


def run_page(monkeypatch, database: Path, page: str | None = None, **query: str | list[str]) -> AppTest:
    """Run dashboard.py against `database`, open `page` (e.g. 'pages/data.py'), and return the finished app."""
    monkeypatch.setenv("CX_DB", str(database))
    app = AppTest.from_file(str(DASHBOARD), default_timeout=120)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    if page:
        app.switch_page(page).run()
    return app


def assert_no_exception(app: AppTest) -> None:
    """The run raised nothing and showed no exception element."""
    assert not app.exception, [e.value for e in app.exception]
