"""Every setting of the dashboard in one registry: name, default, help; overridden by environment or secrets."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA_DIR = PROJECT_ROOT / "sample_data"


@dataclass(frozen=True)
class Setting:
    """One configurable value: its environment variable, default, parser and help text."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "CX_DB",
        "",
        "DuckDB database path or connection string (e.g. `md:cx` for MotherDuck). "
        "Empty: the embedded sample database under `var/`, built from `sample_data/` on first run.",
    ),
    Setting(
        "CX_SAMPLE_DIR",
        str(SAMPLE_DATA_DIR),
        "Folder the embedded default database is built from when `CX_DB` is empty.",
    ),
    Setting(
        "CX_CACHE_TTL_SECONDS",
        300,
        "How long query results stay cached in the dashboard; a newly loaded database is seen at once.",
        int,
    ),
    Setting(
        "CX_CACHE_MAX_ENTRIES",
        512,
        "How many query results the dashboard keeps cached per query function.",
        int,
    ),
    Setting(
        "CX_MIN_N",
        30,
        "Default minimum number of responses below which a score is suppressed (count still shown).",
        int,
    ),
    Setting(
        "CX_CLV_DISCOUNT_RATE",
        12.0,
        "Annual discount rate, in percent, at which customer lifetime value discounts future margin (12% a year, as "
        "in Gupta, Lehmann & Stuart 2004; set it to the company's cost of capital, 0 for undiscounted).",
        float,
    ),
    Setting(
        "CX_REJECTS_SHOWN",
        1000,
        "How many rejected rows of recent loads the Data page lists.",
        int,
    ),
    Setting(
        "CX_ACCESS_LIST",
        "",
        "TOML file of the access list (who may sign in, with which role and scope) when sign-in is configured "
        "(`[auth]` in `.streamlit/secrets.toml`). Empty: nobody is on the list, so every signed-in visitor sees "
        "'no access'. Read again when the file changes.",
    ),
    Setting(
        "CX_LOAD_MEMORY",
        "",
        "DuckDB's memory limit while a load runs (a DuckDB size, e.g. `4GB`): a larger load spills to a temporary "
        "folder beside the database where it can. Empty: DuckDB's own default (80% of the machine's memory). At "
        "10M responses 1GB is too little for the check that every attribute rating's response exists.",
    ),
    Setting(
        "CX_THEMES",
        "",
        "TOML file of the comment themes (theme -> label and phrases). Empty: the shipped default for the sample "
        "world's touchpoints. The loader re-tags comments when the file changes.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


_secrets: dict[str, Any] = {}


def use_secrets(secrets: Mapping[str, Any]) -> None:
    """Make deployment secrets (e.g. Streamlit's `st.secrets`) a source of settings, below the environment."""
    _secrets.clear()
    _secrets.update({k: v for k, v in secrets.items() if k in _BY_NAME})


def get(name: str, environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None) -> Any:
    """The value of a setting: environment first, then Streamlit secrets, then the default."""
    setting = _BY_NAME.get(name)
    if setting is None:
        raise KeyError(f"unknown setting {name!r}; known: {', '.join(sorted(_BY_NAME))}")
    environ = os.environ if environ is None else environ
    if environ.get(name, "") != "":
        return setting.parse(environ[name])
    secrets = _secrets if secrets is None else secrets
    if name in secrets:
        return setting.parse(str(secrets[name]))
    return setting.default


def default_db_path() -> Path:
    """Where the embedded sample database lives when `CX_DB` is not set."""
    return PROJECT_ROOT / "var" / "cx.duckdb"


# The customer journey in the order customers live it: the column order of the journey map.
JOURNEY_ORDER: tuple[str, ...] = (
    "sales",
    "onboarding",
    "product",
    "support",
    "field_service",
    "billing",
    "renewal",
)
