"""A hosted replica warms its own caches: once it has started, and again after each new load or access-list change,
it opens every report page once for each distinct access scope on the access list, in sessions of its own whose
output goes nowhere. The first leaders of the week then get pages whose queries and drawings are cached, instead of
waiting for them in a queue with everybody else (`serve.py` reports the replica ready only once warmed)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any

from streamlit.logger import get_logger
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime import Runtime, RuntimeState
from streamlit.runtime.session_manager import SessionClient

from cxmetrics import access, config, db, navigation
from cxmetrics.access import AccessList, Grant

_log = get_logger(__name__)  # Streamlit's logger: shown at the server's `logger.level` (info by default)
PAGE_SECONDS = 300  # the longest a warming page run may take before the warm-up moves on
POLL_SECONDS = 5  # how often the replica looks for a new load or access list
_RUNNING = (RuntimeState.NO_SESSIONS_CONNECTED, RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED)


class Progress:
    """Whether the first warm-up has finished, and what the last one did (for readiness and the log)."""

    def __init__(self) -> None:
        self.warmed = threading.Event()
        self.runs = 0
        self.failed: list[str] = []


PROGRESS = Progress()


class _Silent(SessionClient):
    """A session's client that sends nothing anywhere: it notes when a script run finished and any exception shown."""

    def __init__(self) -> None:
        self.finished = threading.Event()
        self.exceptions = 0

    def write_forward_msg(self, msg: ForwardMsg) -> None:
        """Keep only what the warm-up checks."""
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self.exceptions += msg.delta.new_element.WhichOneof("type") == "exception"
        elif kind == "script_finished":
            self.finished.set()


def claims(grant: Grant, group_claim: str) -> dict[str, Any]:
    """The ID-token claims of a person this access-list entry applies to (by group, subject or verified email)."""
    if grant.group:
        return {group_claim: [grant.group], "name": f"warm-up for group {grant.group}"}
    if grant.sub:
        return {"sub": grant.sub, **({"iss": grant.issuer} if grant.issuer else {}), "name": "warm-up"}
    return {"email": grant.email, "email_verified": True, "name": "warm-up"}


def visitors(access_list: AccessList | None) -> list[Grant]:
    """One entry for each distinct scope on the access list, in file order: every other entry sees the same report
    pages with the same numbers as one of these (query results are cached by scope, drawings by what they show)."""
    chosen: dict[Any, Grant] = {}
    for grant in access_list.entries if access_list else ():
        group_claim = access_list.group_claim
        if access_list.grant(access.Identity.from_claims(claims(grant, group_claim), group_claim)) == grant:
            chosen.setdefault(grant.scope, grant)
    return list(chosen.values())


def report_pages() -> list[str]:
    """The pages every role may open (the Data pages are left out: few open them, and they hold editors)."""
    pages = [page for specs in navigation.sections(False).values() for page in specs]
    return [navigation.url_path(page) for page in pages]


def _rerun(page: str) -> BackMsg:
    message = BackMsg()
    message.rerun_script.page_name = page
    return message


async def visit(runtime: Runtime, user: dict[str, Any] | None, pages: Sequence[str]) -> int:
    """Open `pages` one after another in a session signed in with the claims `user` (None: nobody signed in, as in
    local mode); the exceptions shown."""
    client = _Silent()
    signed_in = {"is_logged_in": True, **user} if user is not None else {}
    session_id = runtime.connect_session(client=client, user_info=signed_in)
    try:
        for page in pages:
            client.finished.clear()
            runtime.handle_backmsg(session_id, _rerun(page), client=client)
            if not await asyncio.to_thread(client.finished.wait, PAGE_SECONDS):
                raise TimeoutError(f"page '{page or 'scorecard'}' did not finish in {PAGE_SECONDS} s")
    finally:
        runtime.close_session(session_id)
    return client.exceptions


async def warm(runtime: Runtime, access_list: AccessList | None, hosted: bool) -> list[str]:
    """Every report page once for each visitor of the access list (signed in), or once for the local user; what
    failed, by visitor."""
    group_claim = access_list.group_claim if access_list else "groups"
    people = {g.label: claims(g, group_claim) for g in visitors(access_list)} if hosted else {"local user": None}
    failed = []
    for label, user in people.items():
        try:
            shown = await visit(runtime, user, report_pages())
        except TimeoutError as error:
            failed.append(f"{label}: {error}")
            continue
        if shown:
            failed.append(f"{label}: {shown} exception(s) shown")
    return failed


def _version() -> tuple:
    """What a warm-up is for: the database file's version and the access list's."""
    target = db.configured_target()
    path = str(config.get("CX_ACCESS_LIST") or "")
    return (
        db.file_identity(target) if db.is_file_target(target) else target,
        access.file_version(path) if path else None,
    )


def _read_access_list() -> AccessList | None:
    path = str(config.get("CX_ACCESS_LIST") or "")
    try:
        return access.read(path) if path else None
    except (OSError, access.AccessListError) as error:
        _log.error("No warm-up: the access list cannot be used: %s", error)
        return None


async def keep_warm(hosted: bool) -> None:
    """Warm once the server runs, then again whenever a new load or access list appears; runs until cancelled.
    `hosted`: sign-in is configured (visitors come from the access list)."""
    while not (Runtime.exists() and Runtime.instance().state in _RUNNING):
        await asyncio.sleep(0.2)
    runtime, last = Runtime.instance(), None
    while True:
        version = _version()
        if version != last:
            last = version
            await _warm_once(runtime, hosted)
        await asyncio.sleep(POLL_SECONDS)


async def _warm_once(runtime: Runtime, hosted: bool) -> None:
    """One warm-up; whatever happens in it, the replica is ready afterwards (a failed warm-up only costs speed)."""
    start = time.perf_counter()
    try:
        PROGRESS.failed = await warm(runtime, _read_access_list() if hosted else None, hosted)
    except Exception as error:  # noqa: BLE001 (a warm-up must never keep a replica from serving)
        _log.exception("The warm-up failed; the replica serves with cold caches")
        PROGRESS.failed = [f"{type(error).__name__}: {error}"]
    finally:
        PROGRESS.runs += 1
        PROGRESS.warmed.set()
    _log.info("Warmed the caches in %.1f s%s", time.perf_counter() - start, _failures(PROGRESS.failed))


def _failures(failed: list[str]) -> str:
    return f"; not warmed: {'; '.join(failed)}" if failed else ""
