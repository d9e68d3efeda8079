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
        3600,
        "How long query results and drawn charts stay cached in the dashboard; a newly loaded database is seen at once "
        "regardless (the caches are keyed by the database file), and `server.maxCacheDataSize` bounds their memory.",
        int,
    ),
    Setting(
        "CX_CACHE_MAX_ENTRIES",
        512,
        "How many query results the dashboard keeps cached per query function.",
        int,
    ),
    Setting(
        "CX_WARM_UP",
        1,
        "1: a hosted replica (`serve.py`) opens every report page once for each access scope after it starts and after "
        "each new load, before it reports ready, so the first visitors find the pages cached; 0: no warm-up.",
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
        "CX_QUALITY_AS_OF",
        "data",
        "The day data freshness is judged on: `data` (the latest day with data in any table watched for freshness, "
        "so a table is judged against the freshest one and the sample world reads the same on any day), `today` "
        "(the server's date in UTC, for a database loaded on a schedule) or a date `YYYY-MM-DD`.",
    ),
    Setting(
        "CX_QUALITY_WEEKLY_LATE_DAYS",
        3,
        "A weekly table (responses, complaints, contacts, follow-ups, social mentions) is late when its data ends more "
        "than this many days before the freshness day (`CX_QUALITY_AS_OF`).",
        int,
    ),
    Setting(
        "CX_QUALITY_WEEKLY_STALE_DAYS",
        10,
        "A weekly table is stale when its data ends more than this many days before the freshness day.",
        int,
    ),
    Setting(
        "CX_QUALITY_MONTHLY_LATE_DAYS",
        45,
        "A monthly table (customer revenue, financials, employee engagement) is late when its last month ended more "
        "than this many days before the freshness day (45: the month before last closed 2 weeks ago and is missing).",
        int,
    ),
    Setting(
        "CX_QUALITY_MONTHLY_STALE_DAYS",
        76,
        "A monthly table is stale when its last month ended more than this many days before the freshness day.",
        int,
    ),
    Setting(
        "CX_QUALITY_BASELINE_WEEKS",
        8,
        "How many complete weeks before the review week make the usual level the data-quality checks compare with.",
        int,
    ),
    Setting(
        "CX_QUALITY_VOLUME_DROP_PCT",
        70.0,
        "Response volume is flagged when the review week has at least this many percent fewer responses than the "
        "usual week (the median week of the baseline): all responses by their own change, a region, touchpoint or "
        "channel (or a region's channel or touchpoint) by its change beyond that of the other responses, so that "
        "a holiday week, which lowers every slice alike, is not a broken survey trigger.",
        float,
    ),
    Setting(
        "CX_QUALITY_VOLUME_MIN",
        20,
        "Usual weekly responses below which a slice's volume is not judged (too few to tell a broken trigger from "
        "chance).",
        int,
    ),
    Setting(
        "CX_QUALITY_MISSING_RISE_POINTS",
        20.0,
        "A score (NPS, CSAT, CES) of a survey is flagged when the share of the review week's responses that left it "
        "unanswered is this many percentage points above the baseline's share.",
        float,
    ),
    Setting(
        "CX_QUALITY_DUPLICATE_MINUTES",
        10,
        "A response looks like a duplicate when the same customer sent the same survey with the same NPS, CSAT and "
        "CES answers at most this many minutes before.",
        int,
    ),
    Setting(
        "CX_QUALITY_DUPLICATE_PCT",
        1.0,
        "Duplicate-looking responses are flagged when they are at least this many percent of the review week's "
        "responses (and at least 2).",
        float,
    ),
    Setting(
        "CX_QUALITY_SHIFT_DISTANCE",
        0.25,
        "A score's answers are flagged as shifted (a changed scale or answer mapping) when the total variation "
        "distance between the review week's and the baseline's distribution of answers is at least this (0..1: the "
        "share of answers that would have to move to another value), a chi-square test gives p < 0.001, and the values "
        "answered changed (new values used, or a common one left out).",
        float,
    ),
    Setting(
        "CX_QUALITY_REJECTS_PCT",
        1.0,
        "The latest load of a table is flagged when it rejected at least this many percent of the rows it read.",
        float,
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
        "folder beside the database. Empty: a quarter of the machine's memory, at most 2GB (a 10M-response load "
        "then peaks at about 2.8 GB in all).",
    ),
    Setting(
        "CX_THEMES",
        "",
        "TOML file of the comment themes (theme -> label and phrases). Empty: the shipped default for the sample "
        "world's touchpoints. The loader re-tags comments when the file changes.",
    ),
    Setting(
        "CX_BROWSER",
        "/usr/bin/chromium",
        "Chromium executable that draws the review pack's charts (SVG) and prints the pack (PDF); Debian's `chromium`.",
    ),
    Setting(
        "CX_BASE_URL",
        "http://localhost:8501",
        "The dashboard's address as recipients reach it: the links of exception alerts start with it.",
    ),
    Setting(
        "CX_MAIL_FROM",
        "cx-dashboard@localhost",
        "Sender address of the review packs and exception alerts.",
    ),
    Setting(
        "CX_SMTP_PASSWORD",
        "",
        "Password of `--smtp-user` on the mail server. Keep it in `.streamlit/secrets.toml` or the environment of the "
        "scheduled job, never on a command line.",
    ),
    Setting(
        "CX_SEND_ATTEMPTS",
        4,
        "How many times an email is tried when the mail server fails for a passing reason (a 4xx reply, a lost "
        "connection) before it is reported as not sent.",
        int,
    ),
    Setting(
        "CX_SEND_BACKOFF_SECONDS",
        2.0,
        "Wait before the second try of an email; it doubles before each further try.",
        float,
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
