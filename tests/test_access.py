"""The access list: how a file is read (strictly: a mistake gives nobody access) and whom each entry names."""

from __future__ import annotations

import tomllib

import pytest

from cxmetrics import access
from cxmetrics.access import AccessListError, Identity
from cxmetrics.filters import AccessScope
from tests.access_fixtures import ACCESS_LIST


def _list(text: str) -> access.AccessList:
    return access.parse(tomllib.loads(text))


DEMO = _list(ACCESS_LIST)


@pytest.mark.parametrize(
    ("identity", "role", "scope"),
    [
        (Identity(email="exec@example.com"), "executive", AccessScope()),
        (Identity(email="emea.lead@example.com"), "leader", AccessScope(regions=("EMEA",))),
        (Identity(email="someone@example.com", groups=("apac-leads",)), "leader", AccessScope(regions=("APAC",))),
        (Identity(email="emea.lead@example.com", groups=("apac-leads",)), "leader", AccessScope(regions=("EMEA",))),
        (Identity(email="admin@example.com"), "admin", AccessScope()),
    ],
    ids=["executive", "leader by email", "leader by group", "a person entry wins over a group", "admin"],
)
def test_an_identity_gets_the_first_entry_that_names_it(identity: Identity, role: str, scope: AccessScope) -> None:
    grant = DEMO.grant(identity)
    assert (grant.role, grant.scope) == (role, scope)


@pytest.mark.parametrize(
    "identity",
    [
        Identity(email="stranger@example.com"),
        Identity(email="exec@example.com", email_verified=False),
        Identity(email="", sub="exec"),
        Identity(email="exec@example.com.evil.test"),
        Identity(groups=("APAC-LEADS",)),
    ],
    ids=["not listed", "unverified email", "a subject is not an email", "a longer address", "group names are exact"],
)
def test_everyone_else_gets_no_access(identity: Identity) -> None:
    assert DEMO.grant(identity) is None


def test_claims_become_an_identity_email_in_lower_case_and_one_group_as_a_list() -> None:
    claims = {"email": " Exec@Example.COM ", "sub": "42", "iss": "https://idp", "roles": "cx", "email_verified": True}
    assert Identity.from_claims(claims, group_claim="roles") == Identity(
        email="exec@example.com", sub="42", issuer="https://idp", groups=("cx",)
    )


def test_a_subject_entry_can_require_its_issuer() -> None:
    listed = _list('[[user]]\nsub = "42"\nissuer = "https://a"\nrole = "executive"\n')
    assert listed.grant(Identity(sub="42", issuer="https://a")) is not None
    assert listed.grant(Identity(sub="42", issuer="https://b")) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[user]]\nemail = "a@x"\nrole = "leader"\nregion = ["EMEA"]\n', "unknown key(s) region"),
        ('[[user]]\nemail = "a@x"\nrole = "leader"\n', "a leader needs at least one of"),
        ('[[user]]\nemail = "a@x"\nrole = "executive"\nregions = ["EMEA"]\n', "only a leader has regions"),
        ('[[user]]\nemail = "a@x"\nrole = "viewer"\n', "role must be one of"),
        ('[[user]]\nrole = "executive"\n', "exactly one of email or sub"),
        ('[[user]]\nemail = "a@x"\nrole = "leader"\nregions = "EMEA"\n', "must be a list"),
        ('[[group]]\nrole = "executive"\n', "`group` (a value of the group claim) is required"),
        ('[users]\nemail = "a@x"\n', "unknown key(s) users"),
        ("[[user]\n", "not valid TOML"),
    ],
    ids=["misspelt scope key", "leader without scope", "scope on another role", "unknown role", "nobody named",
         "a string for a list", "group without name", "misspelt table", "broken TOML"],
)  # fmt: skip
def test_a_mistake_in_the_list_is_an_error_not_a_wider_view(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "access.toml"
    path.write_text(text)
    with pytest.raises(AccessListError, match=message.replace("(", r"\(").replace(")", r"\)")):
        access.read(path)


def test_an_entry_is_labelled_with_its_role_and_scope() -> None:
    assert [e.label for e in DEMO.entries] == [
        "exec@example.com (executive)",
        "emea.lead@example.com (leader: region EMEA)",
        "cx@example.com (cx_team)",
        "admin@example.com (admin)",
        "group apac-leads (leader: region APAC)",
    ]
