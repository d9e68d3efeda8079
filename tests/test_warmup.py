"""The warm-up's visitors: one per distinct access scope, each signed in with claims the access list resolves to
that very entry; the pages it opens are the report pages."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from cxmetrics import access, navigation, warmup
from cxmetrics.access import Identity

ACCESS = {
    "user": [
        {"email": "exec@example.com", "role": "executive"},
        {"email": "emea.lead@example.com", "role": "leader", "regions": ["EMEA"]},
        {"email": "cx@example.com", "role": "cx_team"},
        {"email": "second.emea@example.com", "role": "leader", "regions": ["EMEA"]},
        {"sub": "abc-123", "role": "leader", "regions": ["APAC"], "segments": ["SMB"]},
    ],
    "group": [
        {"group": "latam-leads", "role": "leader", "regions": ["LATAM"]},
        {"group": "more-emea", "role": "leader", "regions": ["EMEA"]},
    ],
}


def test_one_visitor_per_scope_each_resolving_to_its_own_entry():
    access_list = access.parse(ACCESS)
    chosen = warmup.visitors(access_list)
    named = [(g.email or g.sub or g.group, "all" if g.scope.unrestricted else g.scope.describe()) for g in chosen]
    assert named == [
        ("exec@example.com", "all"),
        ("emea.lead@example.com", access_list.users[1].scope.describe()),
        ("abc-123", access_list.users[4].scope.describe()),
        ("latam-leads", access_list.groups[0].scope.describe()),
    ]
    for grant in chosen:
        identity = Identity.from_claims(warmup.claims(grant, access_list.group_claim), access_list.group_claim)
        assert access_list.grant(identity) == grant


def test_no_access_list_no_visitors_and_the_pages_are_the_report_pages():
    assert warmup.visitors(None) == []
    pages = warmup.report_pages()
    assert pages[0] == "" and "journey" in pages and "loyalty" in pages
    data_pages = {p.url_path for p in navigation.PAGES if p.manages_data}
    assert data_pages and not data_pages & set(pages)


def test_a_failed_warm_up_still_leaves_the_replica_ready(monkeypatch):
    async def broken(runtime, access_list, hosted):
        raise RuntimeError("the runtime is stopping")

    monkeypatch.setattr(warmup, "PROGRESS", warmup.Progress())
    monkeypatch.setattr(warmup, "warm", broken)
    with ThreadPoolExecutor(1) as apart:  # a loop of its own: a browser test may have left one running in this thread
        apart.submit(asyncio.run, warmup._warm_once(None, hosted=False)).result()
    assert warmup.PROGRESS.warmed.is_set() and warmup.PROGRESS.runs == 1
    assert warmup.PROGRESS.failed == ["RuntimeError: the runtime is stopping"]


def test_a_group_named_by_another_claim_is_a_visitor_too():
    access_list = access.parse(
        {"group_claim": "roles", "group": [{"group": "latam-leads", "role": "leader", "regions": ["LATAM"]}]}
    )
    (chosen,) = warmup.visitors(access_list)
    assert chosen.group == "latam-leads" and warmup.claims(chosen, "roles") == {
        "roles": ["latam-leads"],
        "name": "warm-up for group latam-leads",
    }
