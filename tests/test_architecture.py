"""The direction of dependencies: import-linter's contracts (pyproject.toml) hold, and they cover every module."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cxmetrics"
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
# The modules that may import Streamlit: the UI, and the warm-up that runs page scripts in a replica's own sessions.
STREAMLIT_FREE = {"cxmetrics.ui", "cxmetrics.warmup", "cxmetrics.__main__"}
STREAMLIT_CONTRACT = "Only the UI (cxmetrics.ui) and the replicas' warm-up (cxmetrics.warmup) import Streamlit"


def _contract(name: str) -> dict:
    return next(c for c in CONTRACTS if c["name"] == name)


def _top_level_modules() -> set[str]:
    """Every module and subpackage directly under cxmetrics/."""
    found = {f"cxmetrics.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    return found | {f"cxmetrics.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}


def test_the_contracts_hold() -> None:
    """`lint-imports` reports every contract kept (engine -> reports, report -> report, Streamlit outside ui)."""
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_every_module_but_the_ui_is_kept_free_of_streamlit() -> None:
    """A new module or package under cxmetrics/ is covered by the Streamlit contract without anyone remembering."""
    covered = set(_contract(STREAMLIT_CONTRACT)["source_modules"])
    assert _top_level_modules() - STREAMLIT_FREE <= covered


def test_every_report_is_independent_of_the_others() -> None:
    """Each folder under cxmetrics/reports/ is one of the independent reports."""
    reports = {f"cxmetrics.reports.{p.name}" for p in (PACKAGE / "reports").iterdir() if (p / "__init__.py").exists()}
    assert reports == set(_contract("A report never imports another report")["modules"])
