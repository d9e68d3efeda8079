"""The one Streamlit helper module: the cached connection, cached queries, global filters bound to the URL."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import streamlit as st

from cxmetrics import access, config, db, navigation, periods
from cxmetrics.access import AccessList, Grant, Identity
from cxmetrics.db import Connection
from cxmetrics.display import columns, figures
from cxmetrics.display.fingerprint import fingerprint
from cxmetrics.display.tiles import Tile
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.ingest import load as ingest
from cxmetrics.periods import Period, last_complete, parse_week, period_containing, periods_between
from cxmetrics.quality import report as quality
from cxmetrics.query import catalog
from cxmetrics.query import frames as query
from cxmetrics.review import pack as review_pack

T = TypeVar("T")
_build_lock = threading.Lock()
_log = logging.getLogger(__name__)

FILTER_KEYS: tuple[tuple[str, str], ...] = (
    ("region", "Region"),
    ("segment", "Segment"),
    ("touchpoint", "Touchpoint"),
    ("channel", "Survey channel"),
)
WEEKS_OFFERED = 157


@dataclass(frozen=True)
class Database:
    """This run's cursor and the database version (path and file identity) that query caches are keyed by."""

    conn: Connection
    version: tuple


_RUN_DATABASE: ContextVar[Database | None] = ContextVar("cx_run_database", default=None)


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the grant whose role and scope this run applies (another entry's while an admin views as it),
    the signed-in person's own grant and name, and whether sign-in is on (hosted) or off (local mode)."""

    grant: Grant
    own: Grant
    who: str = ""
    hosted: bool = False

    @property
    def scope(self) -> AccessScope:
        """The access scope every query of this run goes through."""
        return self.grant.scope

    @property
    def name(self) -> str:
        """Who loads and edits are recorded as: the signed-in person, or the local user."""
        return self.who or self.own.name

    @property
    def sees_internals(self) -> bool:
        """Whether database paths and connection strings may be shown: to an admin, or the one local user."""
        return self.own.views_as_others


@dataclass(frozen=True)
class Review:
    """What the user chose in the sidebar: the filters, the review week, and the last day with data."""

    filters: Filters
    week: Period | None
    last_day: date | None

    @property
    def day(self) -> date:
        """The day the review looks back from: monthly figures show the months closed by it (`periods.review_day`)."""
        return periods.review_day(self.week, self.last_day)

    def period(self, grain: str) -> Period:
        """The period under review at `grain`: the week, or the last month, quarter or year to date of the review."""
        return periods.review_period(grain, self.week, self.last_day)


def _secrets() -> dict[str, Any]:
    try:
        return dict(st.secrets)
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


# Deployment secrets are a source of settings; read them before any decorator below reads a setting.
config.use_secrets(_secrets())


@st.cache_resource(show_spinner=False, max_entries=64)
def _heap_settled(page: str) -> bool:
    """Move every object alive now (the modules and caches this page's first run loaded) out of the garbage
    collector's view, once per page and process: the full collection Streamlit runs after each script run then scans
    only what later runs create, not the whole of pandas, plotly and DuckDB again (about a fifth of a page view's
    CPU before)."""
    gc.collect()
    gc.freeze()
    return True


# A full collection costs more the more sessions a process holds (tens of milliseconds at fifty): run after every
# script run, as Streamlit does by default, it was half a page view's CPU under load. Streamlit's own is off
# (`runner.postScriptGC = false`); one here runs at most this often per process, so memory is still given back.
COLLECT_EVERY_SECONDS = 10.0
_collection = threading.Lock()
_last_collection = [time.monotonic()]


def settle_heap(page: str) -> None:
    """Called at the end of every script run: each page's first run freezes the heap it leaves (`_heap_settled`),
    and a full collection runs when the last one is `COLLECT_EVERY_SECONDS` old (one thread at a time)."""
    _heap_settled(page)
    if time.monotonic() - _last_collection[0] < COLLECT_EVERY_SECONDS or not _collection.acquire(blocking=False):
        return
    try:
        gc.collect()
        _last_collection[0] = time.monotonic()
    finally:
        _collection.release()


@st.cache_resource(show_spinner=False)
def _sample_fingerprint(folder: str) -> str:
    return ingest.build_fingerprint(Path(folder))


@st.cache_resource(show_spinner=False, max_entries=4)
def _built_from(target: str, identity: tuple | None) -> str | None:
    return db.stored_fingerprint(target)


def _ensure_embedded_database(target: Path) -> None:
    """Build the sample database on first run (or when sample_data changed), with a visible progress bar."""
    folder = str(config.get("CX_SAMPLE_DIR"))
    wanted = _sample_fingerprint(folder)
    if _built_from(str(target), db.file_identity(target)) == wanted:
        return
    with _build_lock:
        if db.stored_fingerprint(target) == wanted:
            return
        bar = st.progress(0.0, text="First run: building the sample database from sample_data/ ...")

        def progress(done: int, total: int, label: str) -> None:
            bar.progress(
                done / max(total, 1), text=f"First run: building the sample database: {label} ({done}/{total})"
            )

        ingest.ensure_built(target, Path(folder), progress=progress)
        bar.empty()


# --- sign-in and access: who is looking, and what they may see ------------------------------------------------------


def sign_in_configured() -> bool:
    """Whether OpenID Connect sign-in is configured (an `[auth]` section in the secrets); otherwise local mode."""
    return "auth" in _secrets()


def _providers() -> list[tuple[str | None, str]]:
    """The configured identity providers as (name for st.login, button label): the named `[auth.NAME]` sections, or
    the single provider written in `[auth]` itself."""
    section = _secrets().get("auth") or {}
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    return [(name, f"Sign in with {name.replace('_', ' ').title()}") for name in named] or [(None, "Sign in")]


@st.cache_resource(show_spinner=False, max_entries=4)
def _read_access_list(path: str, version: tuple | None) -> AccessList | None:
    """The access list at `path` in this version of the file; None (nobody has access) when it cannot be used."""
    if not path:
        _log.warning("Sign-in is configured but CX_ACCESS_LIST is not: every signed-in visitor sees 'no access'.")
        return None
    try:
        return access.read(path)
    except (OSError, access.AccessListError) as error:
        _log.error("The access list %s cannot be used, so nobody has access: %s", path, error)
        return None


def _access_list() -> AccessList | None:
    """The configured access list, read again whenever the file changes."""
    path = str(config.get("CX_ACCESS_LIST"))
    return _read_access_list(path, access.file_version(path) if path else None)


def _only(render: Callable[[], None]) -> None:
    """End the run showing nothing but `render`'s page: no navigation, no data."""
    render()
    st.stop()


def _sign_in_page() -> None:
    st.title("Executive CX dashboard")
    st.write("Sign in to see the dashboard.")
    for provider, label in _providers():
        st.button(
            label, key=f"sign_in_{provider or 'default'}", on_click=st.login, args=(provider,) if provider else ()
        )


def _no_access_page(who: str) -> None:
    st.title("No access")
    st.write(
        f"You are signed in as **{who}**, but the dashboard's access list does not give you access. "
        "Ask the CX team to add you."
    )
    st.button("Sign out", on_click=st.logout)


def _identity(claims: dict[str, Any], access_list: AccessList | None) -> Identity:
    return Identity.from_claims(claims, access_list.group_claim if access_list else "groups")


def _view_as(own: Viewer) -> Viewer:
    """An admin's 'view as': the dashboard as another entry of the access list sees it (never kept in the URL)."""
    access_list = _access_list() if own.hosted and own.own.views_as_others else None
    others = [entry for entry in access_list.entries if entry != own.own] if access_list else []
    if not others:
        return own
    labels = {entry.label: entry for entry in others}
    chosen = st.sidebar.selectbox(
        "View as", ["Myself", *labels], key="_view_as", help="Admins only: see the dashboard as this entry sees it."
    )
    return own if chosen not in labels else Viewer(labels[chosen], own.own, own.who, hosted=True)


def _sidebar_identity(viewer: Viewer) -> None:
    """Who is signed in (or that this is local mode), and what this run shows."""
    if not viewer.hosted:
        st.sidebar.caption(
            "Local mode: no sign-in, one user, everything visible. Add `[auth]` to `.streamlit/secrets.toml` to host "
            "the dashboard with sign-in and roles."
        )
        return
    shown = "" if viewer.scope.unrestricted else f" · sees {viewer.scope.describe()}"
    st.sidebar.caption(f"Signed in as {viewer.who} · {viewer.own.role}" + (shown if viewer.grant == viewer.own else ""))
    if viewer.grant != viewer.own:
        st.sidebar.info(f"Viewing as {viewer.grant.label}")
    st.sidebar.button("Sign out", on_click=st.logout, key="_sign_out")


def signed_in() -> Viewer:
    """Who is looking and what they may see: in local mode the one local user; in hosted mode a visitor who is not
    signed in sees only the sign-in page, and one whom the access list does not name only 'no access' (the run
    stops there, before any navigation or query)."""
    if not sign_in_configured():
        return Viewer(access.LOCAL, access.LOCAL)
    if not st.user.is_logged_in:
        _only(_sign_in_page)
    access_list = _access_list()
    identity = _identity(st.user.to_dict(), access_list)
    who = identity.email or identity.name or identity.sub
    grant = access_list.grant(identity) if access_list else None
    if grant is None:
        _only(lambda: _no_access_page(who))
    return Viewer(grant, grant, who, hosted=True)


def viewer_sidebar(own: Viewer) -> Viewer:
    """The sidebar's identity lines (who is signed in, or local mode) and an admin's 'view as'; keeps and returns the
    viewer whose role and scope this run applies."""
    shown = _view_as(own)
    st.session_state["_viewer"] = shown
    _sidebar_identity(shown)
    return shown


def viewer() -> Viewer:
    """This run's viewer, set by dashboard.py (`viewer_sidebar`) before any page runs."""
    return st.session_state["_viewer"]


def page_links(viewer: Viewer) -> dict[str, list[st.Page]]:
    """The navigation this viewer may use: the report pages, and the Data page for the roles that manage data. A page
    left out cannot be opened by its URL either."""
    return {
        section: [st.Page(p.script, title=p.title, icon=p.icon, url_path=p.url_path) for p in specs]
        for section, specs in navigation.sections(viewer.grant.manages_data).items()
    }


def database_label(database: Database) -> str:
    """How the database is named on screen (markdown): its path or connection string for an admin, else a neutral
    name."""
    target, _ = database.version
    return f"`{target}`" if viewer().sees_internals else "the configured database"


def database_target() -> str:
    """The configured database, building the embedded sample database first when none is configured."""
    target = db.configured_target()
    if not config.get("CX_DB"):
        _ensure_embedded_database(Path(target))
    return target


@contextlib.contextmanager
def database() -> Iterator[Database]:
    """This script run's database: a cursor on the current version's shared read-only connection, leased until the
    run ends (`db.POOL`: a version a load replaced is closed once no run holds it); stops the page with a clear
    error when the database does not exist."""
    target = database_target()
    if db.is_file_target(target) and db.file_identity(target) is None:
        named = f"`{target}`" if viewer().sees_internals else "configured"
        st.error(f"The {named} database does not exist. Load data with `python -m cxmetrics load DATA_DIR --db PATH`.")
        st.stop()
    with db.POOL.lease(target) as (conn, identity):
        cursor = db.cursor(conn)
        found = Database(cursor, (target, identity or _last_load(cursor)))
        token = _RUN_DATABASE.set(found)
        try:
            yield found
        finally:
            _RUN_DATABASE.reset(token)
            with contextlib.suppress(duckdb.Error):  # a query of it still running: it closes with its connection
                cursor.close()


READY_PATH = "/_cx/ready"


def readiness(request: Any) -> Any:
    """The readiness endpoint: 200 with the last data day and the time of the latest load of the database version
    this replica serves, when it can read the configured database; else 503 with a reason that names no path (for
    a load balancer). Like a script run, it moves the replica to a newly loaded version."""
    from starlette.responses import JSONResponse

    try:
        with db.POOL.lease(db.configured_target()) as (conn, _), contextlib.closing(db.cursor(conn)) as cursor:
            last, loaded = query.data_extent(cursor), _last_load(cursor)
    except (FileNotFoundError, duckdb.Error) as error:
        reason = "no database" if isinstance(error, FileNotFoundError) else "database not readable"
        return JSONResponse({"ready": False, "reason": reason}, status_code=503)
    return JSONResponse({"ready": True, "last_data_day": str(last), "last_load": loaded})


def connection() -> Database:
    """The database of this script run (`database()`, which the dashboard opens around every page)."""
    found = _RUN_DATABASE.get()
    if found is None:
        raise RuntimeError("ui.connection() runs inside the dashboard's `with ui.database()` block")
    return found


def section(fn: Callable[..., None]) -> Callable[..., None]:
    """A page section whose own controls rerun it alone (`st.fragment`), not the whole page; when it reruns alone it
    leases the database for that run as dashboard.py does for a full one (`connection()` works inside it)."""

    @st.fragment
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        if _RUN_DATABASE.get() is not None:
            fn(*args, **kwargs)
            return
        with database():
            fn(*args, **kwargs)

    return run


def below_the_fold(label: str, key: str) -> Any | None:
    """A section shown collapsed under `label` and computed only once opened (opening it reruns the page, which
    then draws it): its container while open, else None. Whether it is open is kept in the session under `key`."""
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


def _last_load(conn: Connection) -> str:
    """The version of a database that is not a local file (e.g. `md:`): the time of its latest load or edit."""
    return str(
        conn.execute(
            "SELECT greatest((SELECT max(loaded_at) FROM load_log), (SELECT max(changed_at) FROM audit_log))"
        ).fetchone()[0]
    )


# How long and how many results the dashboard's caches keep (query results and drawn elements alike).
_CACHED = {
    "show_spinner": False,
    "ttl": int(config.get("CX_CACHE_TTL_SECONDS")),
    "max_entries": int(config.get("CX_CACHE_MAX_ENTRIES")),
}


@st.cache_data(**_CACHED)
def _cached_call(
    name: str, version: tuple, scope: AccessScope, args: tuple, kwargs: tuple, _fn: Callable, _conn: Connection
) -> Any:
    return _fn(_conn, *args, **dict(kwargs))


def cached(fn: Callable[..., T], database: Database, *args: Any, **kwargs: Any) -> T:
    """`fn(conn, *args, **kwargs)`, cached per database version, viewer's access scope and arguments (results, never
    figures): one viewer's results are never served to a viewer of another scope, even by a function that takes no
    filters."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    scope = viewer().scope
    return _cached_call(name, database.version, scope, args, tuple(sorted(kwargs.items())), fn, database.conn)


def _init_from_url(key: str, options: list[str], multi: bool, default: str | None = None) -> None:
    """Seed a widget's state from the URL the first time this session sees it."""
    if key in st.session_state:
        return
    values = [v for v in st.query_params.get_all(key) if v in options]
    st.session_state[key] = values if multi else (values[0] if values else default)


def _write_url(keys: list[str]) -> None:
    """Mirror the sidebar choices into the URL so a copied link reproduces the view."""
    for key in keys:
        value = st.session_state.get(key)
        if value:
            st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]


def _keep_shared(key: str, options: list[str]) -> None:
    """Keep a choice made with another page's widget of the same key when it is one of this page's options.

    Streamlit drops a widget's state after a run that did not draw it; saving it again before this page's widget
    is drawn keeps it (the Scorecard and the Journey map share `grain`, so an explore link opens on the same period).
    """
    if st.session_state.get(key) in options:
        st.session_state[key] = st.session_state[key]
    else:
        st.session_state.pop(key, None)


def url_choice(
    label: str,
    options: list[str],
    key: str,
    default: str,
    format_func: Callable[[str], str] | None = None,
    help: str | None = None,
    container: Any = st,
) -> str:
    """A single-choice segmented control keyed `key`, seeded from the URL (`?key=value`) and mirrored back to it.

    The default is left out of the URL so plain links stay short; a choice made on another page with the same key
    is kept.
    """
    options = list(options)
    _keep_shared(key, options)
    _init_from_url(key, options, multi=False, default=default)
    chosen = container.segmented_control(label, options, format_func=format_func, required=True, key=key, help=help)
    if st.session_state.get(key) == default:
        st.query_params.pop(key, None)
    else:
        _write_url([key])
    return chosen


def _week_label(week: Period) -> str:
    return f"{week.label} · {week.start:%d %b} – {week.end:%d %b %Y}"


def _week_options(database: Database, last_day: date) -> list[str]:
    """ISO weeks with data, newest (the last complete one) first; the partial week when none is complete."""
    first_day = cached(query.data_start, database) or last_day
    latest = last_complete("week", last_day)
    if latest.end < first_day:
        latest = period_containing("week", last_day)
    first_day = max(first_day, latest.end - timedelta(weeks=WEEKS_OFFERED))
    return [w.label for w in reversed(periods_between("week", first_day, latest.end)) if w.end <= latest.end]


def _ordered(dimension: str, values: list[str]) -> list[str]:
    if dimension != "touchpoint":
        return values
    order = {name: i for i, name in enumerate(config.JOURNEY_ORDER)}
    return sorted(values, key=lambda v: (order.get(v, len(order)), v))


def global_filters(database: Database) -> Review:
    """The sidebar: review week and dimension filters, seeded from and written back to the URL."""
    last_day = cached(query.data_extent, database)
    base = Filters(scope=viewer().scope)
    if last_day is None:
        st.sidebar.warning("No survey responses are loaded yet: the Data page shows what was loaded and rejected.")
        return Review(filters=base, week=None, last_day=None)
    weeks = _week_options(database, last_day)
    _init_from_url("week", weeks, multi=False, default=weeks[0])
    sidebar = st.sidebar
    sidebar.selectbox(
        "Review week",
        weeks,
        key="week",
        format_func=lambda label: _week_label(parse_week(label)),
        help=f"ISO week under review. Default: the last complete week in the data, which runs to "
        f"{last_day:%a %-d %b %Y}. Month, quarter and year to date: the latest closed by that day (for an earlier "
        "week, by the end of the week after it), so a month that closed mid-week is reviewed.",
    )
    chosen = {}
    for key, label in FILTER_KEYS:
        options = _ordered(key, cached(catalog.dimension_values, database, key, base.scope))
        _init_from_url(key, options, multi=True)
        chosen[key] = tuple(sidebar.multiselect(label, options, key=key, placeholder="All"))
    _write_url(["week", *[k for k, _ in FILTER_KEYS]])
    week = parse_week(st.session_state["week"])
    filters = Filters(
        regions=chosen["region"],
        segments=chosen["segment"],
        touchpoints=chosen["touchpoint"],
        channels=chosen["channel"],
        scope=base.scope,
    )
    return Review(filters=filters, week=week, last_day=last_day)


def chosen_review() -> Review:
    """The sidebar choices made in dashboard.py for this run, also when no responses are loaded (no week)."""
    return st.session_state["_review"]


def review() -> Review:
    """The sidebar choices made in dashboard.py for this run; stops a page that needs responses when there are none."""
    chosen = chosen_review()
    if chosen.week is None:
        st.warning("No survey responses are loaded yet, so there is nothing to review. Load a data folder first.")
        if viewer().grant.manages_data:
            st.page_link(
                "app_pages/data_section/tables.py", label="See what was loaded and rejected", icon=":material/database:"
            )
        st.stop()
    return chosen


def pack_download(review_choice: Review, grain: str) -> None:
    """A 'Review pack (PDF)' download of the view on screen: the review week and grain, the sidebar's filters and the
    viewer's access scope (in the filters). The pack is built when the button is clicked, on a connection of its own
    (the click is served after this run has ended)."""
    target, filters, week = database_target(), review_choice.filters, review_choice.week
    st.download_button(
        "Review pack (PDF)",
        lambda: review_pack.pdf_of_view(target, filters, week.label, grain),
        file_name=f"cx-review-{week.label}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        help="The weekly review pack of this view (its week, filters and your access): scorecard, trends, journey, "
        "drivers, revenue at risk, complaints and methodology, ready to print on A4.",
    )


def remember(review_choice: Review) -> None:
    """Keep this run's sidebar choices for the page being rendered."""
    st.session_state["_review"] = review_choice


# --- page furniture: every page's header, notes, tiles and tables come from these ------------------------------------


def header(title: str, caption: str | None = None) -> None:
    """The page title and the caption that says what period and slice it shows."""
    st.title(title)
    if caption:
        st.caption(caption)


def notes(missing: str | None = None, filters: str | None = None, *, filters_boxed: bool = False) -> None:
    """The missing-table note (what to load to see more) and the filter note (what a filter does not apply to), a
    caption unless `filters_boxed` (an info box like the missing note, for a note that qualifies most of a page)."""
    if missing:
        st.info(missing)
    if filters:
        (st.info if filters_boxed else st.caption)(filters)


def data_warnings(page: str) -> None:
    """One warning line per data problem under what `page` (its URL path) shows: the stale tables and the review
    week's suspect responses it rests on (`quality.PAGE_TABLES`), within the viewer's filters and access scope."""
    chosen = chosen_review()
    found = cached(quality.build, connection(), chosen.filters, chosen.week)
    for line in found.lines(quality.PAGE_TABLES[page]):
        st.warning(line, icon=":material/report:")


def tile_row(tiles: Sequence[Tile], per_row: int | None = None) -> None:
    """Headline tiles in rows of `per_row` (all in one row by default), each with its status badge and its note
    under it when it has them; a tile of kind "text" names something (its value is markdown)."""
    per_row = per_row or max(len(tiles), 1)
    for start in range(0, len(tiles), per_row):
        row = tiles[start : start + per_row]
        for column, tile in zip(st.columns(per_row), row, strict=False):
            _tile(column, tile)


def _tile(container: Any, tile: Tile) -> None:
    if tile.kind == "text":
        _text_tile(container, tile)
        return
    container.metric(
        tile.label,
        tile.value,
        tile.delta,
        delta_color=tile.delta_colour,
        delta_arrow=tile.delta_arrow,
        delta_description=tile.comparison,
        help=tile.help,
        chart_data=tile.trend or None,
        border=True,
    )
    if tile.status_text:
        container.badge(tile.status_text, color=figures.badge_colour(tile.status))
    if tile.note:
        container.caption(tile.note)


def _text_tile(container: Any, tile: Tile) -> None:
    """A tile that names something instead of showing a number: its label, the name (markdown) and a note."""
    with container.container(border=True):
        st.caption(tile.label, help=tile.help)
        st.markdown(tile.value)
        if tile.note:
            st.caption(tile.note)


def choice(
    container: Any,
    label: str,
    options: Sequence[str],
    key: str,
    value: str,
    format_func: Callable[[str], str] = str,
) -> str:
    """A selectbox keyed `key` that shows `value`, the choice the page's build settled on: the one asked for (by this
    box or by a click elsewhere, e.g. on a chart) while it is still an option, else the build's default."""
    st.session_state[key] = value
    return container.selectbox(label, list(options), key=key, format_func=format_func)


def page_number(container: Any, key: str, page: int, pages: int) -> int:
    """A page-number box keyed `key` showing `page`, the page the build settled on (a stored page past the end, say
    after a load that left fewer matches, is shown as the build's last page rather than rejected)."""
    st.session_state[key] = page
    return int(container.number_input("Page", min_value=1, max_value=pages, step=1, key=key))


_CELLS: dict[str, Callable[..., Any]] = {
    "text": st.column_config.TextColumn,
    "number": st.column_config.NumberColumn,
    "money": st.column_config.NumberColumn,
    "date": st.column_config.DateColumn,
    "datetime": st.column_config.DatetimeColumn,
    "line": st.column_config.LineChartColumn,
    "check": st.column_config.CheckboxColumn,
    "progress": st.column_config.ProgressColumn,
}


def _cell(name: str) -> Any:
    """The Streamlit column configuration of a declared column (None: Streamlit's default under its own name)."""
    spec = columns.column(name)
    if spec is None:
        return None
    options: dict[str, Any] = {"help": spec.help, "width": spec.width, "pinned": spec.pinned or None}
    if spec.kind in ("number", "money", "date", "datetime", "progress"):
        options["format"] = spec.shown_format
    if spec.kind == "progress":
        options |= {"min_value": spec.min_value, "max_value": spec.max_value}
    return _CELLS[spec.kind](spec.label, **{k: v for k, v in options.items() if v is not None})


def _configured(names: Sequence[str]) -> dict[str, Any]:
    """The Streamlit column configuration of each declared column among `names`."""
    return {name: cell for name in names if (cell := _cell(name)) is not None}


@st.cache_data(**_CACHED)
def _drawn(kind: str, inputs: str, _draw: Callable[[], None]) -> None:
    """Draw once per kind and inputs; later runs replay the elements drawn here (Streamlit's cached element replay),
    so a page view does not build the same figure or styled table again."""
    _draw()


def _name(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def _draw_once(kind: str, inputs: tuple, draw: Callable[[], None]) -> None:
    """`draw()` through the replay cache, keyed by `kind` and a digest of `inputs`; drawn directly when the inputs
    have no digest."""
    digest = fingerprint(*inputs)
    if digest is None:
        draw()
    else:
        _drawn(kind, digest, draw)


def chart(make: Callable[..., Any], *args: Any) -> None:
    """The plotly figure `make(*args)`, drawn once per distinct input and replayed after (`make` must depend on its
    arguments only; a figure that is also a widget, with a selection, is drawn with `st.plotly_chart` itself)."""
    _draw_once(_name(make), args, lambda: st.plotly_chart(make(*args), theme=None))


@st.cache_resource(show_spinner=False, max_entries=int(config.get("CX_CACHE_MAX_ENTRIES")))
def _made(kind: str, inputs: str, _make: Callable[[], Any]) -> Any:
    return _make()


def figure(make: Callable[..., T], *args: Any) -> T:
    """The figure `make(*args)`, made once per distinct input and shared by every run after: for a chart that is also
    a widget (a selection), which `chart` cannot replay. The figure is shared, so it is never changed after."""
    digest = fingerprint(*args)
    return make(*args) if digest is None else _made(_name(make), digest, lambda: make(*args))


def table(
    frame: Any,
    shown: Sequence[str] | None = None,
    *,
    style: Callable[[Any], Any] | None = None,
    index: bool = False,
    height: int | str | None = "auto",
    footnotes: Sequence[str | None] = (),
    download: tuple[str, bytes | str | Callable[[], bytes | str], str] | None = None,
) -> None:
    """A table of the DataFrame `frame` (styled by `style(frame)`, a Styler, when given) showing `shown` columns in
    order (all by default), each configured once in `cxmetrics.display.columns`, with the frame's index as its first
    column when `index`; `footnotes` are captions under it (empty ones skipped), and `download` = (label, CSV, file
    name) adds a download button below them (a CSV given as a function is made when the button is clicked). Drawn
    once per distinct input and replayed after."""
    settings = (list(shown) if shown is not None else None, index, height, tuple(footnotes))
    kind = f"table:{_name(style)}" if style else "table"
    _draw_once(kind, (frame, settings), lambda: _draw_table(style(frame) if style else frame, *settings))
    if download:
        label, payload, file_name = download
        later = {"on_click": "ignore"} if callable(payload) else {}
        st.download_button(label, payload, file_name=file_name, mime="text/csv", icon=":material/download:", **later)


def _draw_table(
    frame: Any, shown: list[str] | None, index: bool, height: int | str | None, footnotes: tuple[str | None, ...]
) -> None:
    names = shown if shown is not None else list(getattr(frame, "data", frame).columns)
    st.dataframe(
        frame,
        hide_index=None if index else True,
        column_order=shown,
        column_config=_configured(names) or None,
        height=height,
    )
    for note in footnotes:
        if note:
            st.caption(note)


def _choice_cell(name: str, options: Sequence[str] | Mapping[str, str]) -> Any:
    """A column whose cells are picked from `options` (a mapping: stored value -> what is shown), labelled as declared
    in `cxmetrics.display.columns`."""
    spec = columns.column(name)
    label, help_text = (spec.label, spec.help) if spec else (name, None)
    shown = options.get if isinstance(options, Mapping) else None
    return st.column_config.SelectboxColumn(label, options=list(options), help=help_text, format_func=shown)


def editor(
    frame: Any,
    key: str,
    *,
    index: bool = False,
    rows: str = "fixed",
    choices: Mapping[str, Sequence[str] | Mapping[str, str]] | None = None,
    disabled: Sequence[str] = (),
) -> Any:
    """An editable table of `frame`, each column configured once in `cxmetrics.display.columns` (the index as its
    first column when `index`); `rows="dynamic"` lets rows be added and deleted, `choices` makes a column a pick
    list (a mapping of stored value -> shown name shows the names), `disabled` columns are shown but not editable.
    Returns the frame as edited."""
    config = _configured(frame.columns) | {name: _choice_cell(name, opts) for name, opts in (choices or {}).items()}
    return st.data_editor(
        frame,
        key=key,
        hide_index=None if index else True,
        column_config=config,
        num_rows=rows,
        disabled=list(disabled) or False,
    )
