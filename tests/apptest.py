"""Running the dashboard under Streamlit's AppTest on a given database and page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "dashboard.py"


def run_page(
    monkeypatch,
    database: Path,
    page: str | None = None,
    *,
    secrets: dict[str, Any] | None = None,
    user: dict[str, Any] | None = None,
    **query: str | list[str],
) -> AppTest:
    """Run dashboard.py against `database`, open `page` (e.g. 'app_pages/data_section/tables.py'), and return the
    finished app; `secrets` and `user` are what the run reads as `st.secrets` and `st.user` (sign-in)."""
    monkeypatch.setenv("CX_DB", str(database))
    app = AppTest.from_file(str(DASHBOARD), default_timeout=120)
    for key, value in (secrets or {}).items():
        app.secrets[key] = value
    if user is not None:
        app.user = user
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    if page:
        app.switch_page(page).run()
    return app


def assert_no_exception(app: AppTest) -> None:
    """The run raised nothing and showed no exception element."""
    assert not app.exception, [e.value for e in app.exception]
