"""The README's survey-tool import commands run as printed against a copy of a sample database, each exiting 0."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from cxmetrics.cli import main

ROOT = Path(__file__).resolve().parent.parent


def readme_imports() -> list[list[str]]:
    """The `python -m cxmetrics import ...` commands of the README, continuation lines joined."""
    text = (ROOT / "README.md").read_text().replace("\\\n", " ")
    return [shlex.split(line) for line in re.findall(r"^python -m cxmetrics import .*$", text, flags=re.MULTILINE)]


def test_the_readme_shows_an_import_from_each_tool() -> None:
    shown = " ".join(" ".join(command) for command in readme_imports())
    for export in ("qualtrics.csv", "surveymonkey.xlsx", "surveymonkey_fr.csv", "typeform.csv", "google_forms.csv"):
        assert f"examples/exports/{export}" in shown
    assert "--source csv" in shown and "--dry-run" in shown


@pytest.mark.parametrize("command", readme_imports(), ids=lambda c: Path(c[4]).name + (" dry" * ("--dry-run" in c)))
def test_each_readme_import_runs_as_printed(
    command: list[str], small_world_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    target = tmp_path / "cx.duckdb"
    shutil.copyfile(small_world_db, target)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    assert command[:4] == ["python", "-m", "cxmetrics", "import"]
    code = main(command[3:])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "0 rows rejected" in out or "dry run: nothing was changed" in out
