"""The demo identities and the access list the sign-in tests share: one of each role, a group entry and a person
the list does not name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxmetrics.filters import AccessScope


@dataclass(frozen=True)
class Person:
    """A demo identity: its subject and claims at the identity provider, and what the access list grants it."""

    sub: str
    email: str
    name: str
    role: str | None
    scope: AccessScope = AccessScope()
    groups: tuple[str, ...] = ()

    @property
    def claims(self) -> dict:
        """The ID token claims the provider issues for this person."""
        return {"email": self.email, "email_verified": True, "name": self.name, "groups": list(self.groups)}

    def user_info(self) -> dict:
        """What a run reads as `st.user` once this person has signed in (AppTest's `user`)."""
        return {"is_logged_in": True, "sub": self.sub, "iss": "http://localhost", **self.claims}


EXECUTIVE = Person("exec", "exec@example.com", "Erin Executive", "executive")
EMEA_LEADER = Person("emea", "emea.lead@example.com", "Emil Leader", "leader", AccessScope(regions=("EMEA",)))
CX_TEAM = Person("cx", "cx@example.com", "Casey Insights", "cx_team")
ADMIN = Person("admin", "admin@example.com", "Ada Admin", "admin")
APAC_GROUP = Person(
    "apac", "apac.lead@example.com", "Pat Group", "leader", AccessScope(regions=("APAC",)), ("apac-leads",)
)
STRANGER = Person("stranger", "stranger@example.com", "Sam Stranger", None)
PEOPLE = (EXECUTIVE, EMEA_LEADER, CX_TEAM, ADMIN, APAC_GROUP, STRANGER)

ACCESS_LIST = """
group_claim = "groups"

[[user]]
email = "exec@example.com"
role = "executive"

[[user]]
email = "emea.lead@example.com"
role = "leader"
regions = ["EMEA"]

[[user]]
email = "cx@example.com"
role = "cx_team"

[[user]]
email = "admin@example.com"
role = "admin"

[[group]]
group = "apac-leads"
role = "leader"
regions = ["APAC"]
"""


def write_access_list(folder: Path) -> Path:
    """The demo access list as a TOML file in `folder`."""
    path = folder / "access.toml"
    path.write_text(ACCESS_LIST)
    return path


def auth_secrets(redirect_uri: str, metadata_url: str) -> dict:
    """An `[auth]` section for one OpenID Connect provider (the test provider accepts any client id and secret)."""
    return {
        "redirect_uri": redirect_uri,
        "cookie_secret": "a-test-cookie-secret-of-enough-length-0123456789",
        "client_id": "cx-dashboard",
        "client_secret": "test-client-secret",
        "server_metadata_url": metadata_url,
    }
