"""Who may see what: the access list that maps a signed-in identity to a role and an access scope (deny by default).

The identity comes from the sign-in (OpenID Connect claims: email, sub, iss and a group claim); the list is a TOML
file (`CX_ACCESS_LIST`), read the same way by every app process and by the command line. An identity that no entry
matches gets no grant, and sees nothing.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cxmetrics.filters import SCOPE_DIMENSIONS, AccessScope
from cxmetrics.metrics.registry import METRICS

# Each role: what it sees beyond the report pages. A leader's scope comes from its entry; every other role sees
# every row.
ROLES: dict[str, str] = {
    "executive": "every report page, every row",
    "leader": "every report page, only the rows of the entry's regions, segments or touchpoints",
    "cx_team": "every report page and the Data page (data management), every row",
    "admin": "everything the CX team sees, plus 'view as' another entry of the access list",
}
DATA_ROLES = frozenset({"cx_team", "admin"})
_SCOPE_KEYS = {f"{dim}s": dim for dim in SCOPE_DIMENSIONS}
_USER_KEYS = {"email", "sub", "issuer", "role", "name", "weekly_pack", "alerts", *_SCOPE_KEYS}
_ALERT_KEYS = {"metric", *SCOPE_DIMENSIONS}
_GROUP_KEYS = {"group", "role", "name", *_SCOPE_KEYS}
_TOP_KEYS = {"group_claim", "user", "group"}


class NotAllowed(PermissionError):
    """The viewer's role does not allow what was asked (loading data, editing targets or events)."""


class AccessListError(ValueError):
    """The access list cannot be used as written (the message names the entry and the problem)."""


@dataclass(frozen=True)
class Identity:
    """A signed-in person as the identity provider describes them."""

    email: str = ""
    sub: str = ""
    issuer: str = ""
    groups: tuple[str, ...] = ()
    email_verified: bool = True
    name: str = ""

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], group_claim: str = "groups") -> Identity:
        """The identity in an ID token's claims (Streamlit's `st.user`)."""
        groups = claims.get(group_claim) or ()
        return cls(
            email=str(claims.get("email") or "").strip().lower(),
            sub=str(claims.get("sub") or ""),
            issuer=str(claims.get("iss") or ""),
            groups=(groups,) if isinstance(groups, str) else tuple(str(g) for g in groups),
            email_verified=claims.get("email_verified") is not False,
            name=str(claims.get("name") or ""),
        )


@dataclass(frozen=True)
class Subscription:
    """An exception alert a person asked for: a metric in a slice (e.g. relationship NPS at billing in EMEA)."""

    metric: str
    region: str | None = None
    segment: str | None = None
    touchpoint: str | None = None

    def slice(self) -> dict[str, str]:
        """The slice's dimension values, keyed by dimension."""
        chosen = {"region": self.region, "segment": self.segment, "touchpoint": self.touchpoint}
        return {dim: value for dim, value in chosen.items() if value}


@dataclass(frozen=True)
class Grant:
    """One entry of the access list: whom it names, the role and the scope it grants."""

    role: str
    scope: AccessScope = field(default_factory=AccessScope)
    email: str = ""
    sub: str = ""
    issuer: str = ""
    group: str = ""
    name: str = ""
    weekly_pack: bool = True
    alerts: tuple[Subscription, ...] = ()

    @property
    def label(self) -> str:
        """How the entry is named in the admin's 'view as' list."""
        who = self.email or (f"sub {self.sub}" if self.sub else f"group {self.group}")
        return f"{who} ({self.role}{'' if self.scope.unrestricted else ': ' + self.scope.describe()})"

    @property
    def manages_data(self) -> bool:
        """Whether the role includes data management (the Data page)."""
        return self.role in DATA_ROLES

    @property
    def views_as_others(self) -> bool:
        """Whether the role may look at the dashboard as another entry sees it."""
        return self.role == "admin"

    def names(self, identity: Identity) -> bool:
        """Whether this entry is about `identity`: by verified email, by subject (and issuer, when given) or by
        group."""
        if self.group:
            return self.group in identity.groups
        if self.sub:
            return self.sub == identity.sub and (not self.issuer or self.issuer == identity.issuer)
        return bool(self.email) and identity.email_verified and self.email == identity.email


def require_data_role(grant: Grant) -> None:
    """Stop a load or an edit by anyone without the CX team or admin role (the write layer's own check, whatever the
    page showed)."""
    if not grant.manages_data:
        raise NotAllowed(f"the {grant.role} role cannot load or edit data; ask the CX team or an admin")


# Local use (no sign-in configured): one person, who sees and manages everything.
LOCAL = Grant(role="admin", name="Local user")


@dataclass(frozen=True)
class AccessList:
    """The entries in file order; the group claim read from the ID token."""

    users: tuple[Grant, ...] = ()
    groups: tuple[Grant, ...] = ()
    group_claim: str = "groups"

    @property
    def entries(self) -> tuple[Grant, ...]:
        """Every entry: people first, then groups, each in file order."""
        return self.users + self.groups

    def grant(self, identity: Identity) -> Grant | None:
        """The entry that applies to `identity`: the first person entry naming them, else the first entry of one of
        their groups; None when none does (no access)."""
        return next((entry for entry in self.entries if entry.names(identity)), None)

    def for_email(self, email: str) -> Grant | None:
        """The entry that applies to a person known by email only (the command line's `--user`)."""
        return self.grant(Identity(email=email.strip().lower()))

    def pack_recipients(self) -> tuple[Grant, ...]:
        """The people entries with an email who receive the weekly pack (everyone named by email, unless
        `weekly_pack = false`), in file order."""
        return tuple(entry for entry in self.users if entry.email and entry.weekly_pack)


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise AccessListError(f"{where}: `{key}` must be a list of non-empty strings")
    return tuple(value)


def _scope(entry: Mapping[str, Any], where: str, role: str) -> AccessScope:
    """The scope an entry grants: a leader's listed values; every other role sees everything."""
    listed = {dim: _strings(entry[key], where, key) for key, dim in _SCOPE_KEYS.items() if key in entry}
    if role != "leader":
        if listed:
            raise AccessListError(f"{where}: only a leader has regions, segments or touchpoints (role is {role})")
        return AccessScope()
    if not listed:
        raise AccessListError(f"{where}: a leader needs at least one of regions, segments or touchpoints")
    return AccessScope(listed.get("region"), listed.get("segment"), listed.get("touchpoint"))


def _entry(entry: Any, where: str, allowed: set[str]) -> Grant:
    if not isinstance(entry, dict):
        raise AccessListError(f"{where}: an entry is a table of keys")
    unknown = set(entry) - allowed
    if unknown:
        raise AccessListError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}"
        )
    role = entry.get("role")
    if role not in ROLES:
        raise AccessListError(f"{where}: role must be one of {', '.join(ROLES)}, not {role!r}")
    text = {k: entry.get(k, "") for k in ("email", "sub", "issuer", "group", "name")}
    if not all(isinstance(v, str) for v in text.values()):
        raise AccessListError(f"{where}: email, sub, issuer, group and name are strings")
    return Grant(
        role=role,
        scope=_scope(entry, where, role),
        email=text["email"].strip().lower(),
        sub=text["sub"],
        issuer=text["issuer"],
        group=text["group"],
        name=text["name"],
    )


def _alert(found: Any, where: str) -> Subscription:
    """One subscription of `alerts = [{ metric = "relationship_nps", region = "EMEA", touchpoint = "billing" }]`."""
    if not isinstance(found, dict) or set(found) - _ALERT_KEYS or not isinstance(found.get("metric"), str):
        raise AccessListError(f"{where}: an alert is {{ metric = ID, and any of {', '.join(SCOPE_DIMENSIONS)} }}")
    if found["metric"] not in {m.id for m in METRICS}:
        raise AccessListError(f"{where}: unknown metric {found['metric']!r} (see `python -m cxmetrics metrics`)")
    if not all(isinstance(found[d], str) and found[d] for d in SCOPE_DIMENSIONS if d in found):
        raise AccessListError(f"{where}: an alert's region, segment and touchpoint are non-empty strings")
    return Subscription(found["metric"], *(found.get(d) for d in SCOPE_DIMENSIONS))


def _delivery(entry: dict, where: str) -> dict[str, Any]:
    """A person's weekly pack (on unless `weekly_pack = false`) and exception alerts."""
    weekly = entry.get("weekly_pack", True)
    alerts = entry.get("alerts", [])
    if not isinstance(weekly, bool):
        raise AccessListError(f"{where}: `weekly_pack` is true or false")
    if not isinstance(alerts, list):
        raise AccessListError(f"{where}: `alerts` is a list of {{ metric = ..., region = ... }}")
    return {"weekly_pack": weekly, "alerts": tuple(_alert(a, where) for a in alerts)}


def _user(entry: Any, index: int) -> Grant:
    where = f"[[user]] #{index}"
    grant = _entry(entry, where, _USER_KEYS)
    if bool(grant.email) == bool(grant.sub):
        raise AccessListError(f"{where}: give exactly one of email or sub")
    if grant.issuer and not grant.sub:
        raise AccessListError(f"{where}: issuer goes with sub")
    if (entry.get("alerts") or "weekly_pack" in entry) and not grant.email:
        raise AccessListError(f"{where}: a weekly pack or alerts need the entry's email")
    return replace(grant, **_delivery(entry, where))


def _group(entry: Any, index: int) -> Grant:
    grant = _entry(entry, f"[[group]] #{index}", _GROUP_KEYS)
    if not grant.group:
        raise AccessListError(f"[[group]] #{index}: `group` (a value of the group claim) is required")
    return grant


def parse(document: Mapping[str, Any]) -> AccessList:
    """The access list in a parsed TOML document; raises AccessListError on anything it cannot use as written."""
    unknown = set(document) - _TOP_KEYS
    if unknown:
        raise AccessListError(f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_TOP_KEYS))}")
    claim = document.get("group_claim", "groups")
    if not isinstance(claim, str) or not claim:
        raise AccessListError("`group_claim` must be a non-empty string")
    users = _list(document, "user")
    groups = _list(document, "group")
    return AccessList(
        users=tuple(_user(e, i) for i, e in enumerate(users, 1)),
        groups=tuple(_group(e, i) for i, e in enumerate(groups, 1)),
        group_claim=claim,
    )


def _list(document: Mapping[str, Any], key: str) -> Sequence[Any]:
    found = document.get(key, [])
    if not isinstance(found, list):
        raise AccessListError(f"`{key}` entries are written [[{key}]]")
    return found


def read(path: str | Path) -> AccessList:
    """The access list in the TOML file at `path`; raises AccessListError (or OSError) when it cannot be used."""
    try:
        with open(path, "rb") as handle:
            return parse(tomllib.load(handle))
    except tomllib.TOMLDecodeError as error:
        raise AccessListError(f"not valid TOML: {error}") from error


def file_version(path: str | Path) -> tuple[int, int] | None:
    """(mtime, size) of the access list file, which changes when it is edited; None if absent."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)
