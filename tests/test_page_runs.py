"""What a script run of the dashboard costs the server beyond its page: the heap left by a page's first run is moved
out of the garbage collector's view once, so the full collection after each later run scans only what it created."""

from __future__ import annotations

import gc
from pathlib import Path

from cxmetrics import ui
from tests.apptest import assert_no_exception, run_page


def test_a_page_s_first_run_freezes_the_heap_once(monkeypatch, small_world_db: Path) -> None:
    gc.unfreeze()
    ui._heap_settled.clear()
    app = run_page(monkeypatch, small_world_db)
    assert_no_exception(app)
    frozen = gc.get_freeze_count()
    assert frozen > 100_000  # pandas, plotly, duckdb and the app's modules
    app.run()
    assert gc.get_freeze_count() <= frozen  # the same page again: nothing frozen anew (some frozen objects freed)
    app.switch_page("app_pages/operations/people.py").run()
    assert_no_exception(app)
    assert gc.get_freeze_count() > frozen  # another page's first run: its own modules
