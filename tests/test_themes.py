"""Theme tagging: hand-labelled comments against the default taxonomy, the phrase rules, and DuckDB agreeing."""

from __future__ import annotations

import duckdb
import pytest

from cxmetrics.text import index as voice_index
from cxmetrics.text import themes

TAXONOMY = themes.load(themes.DEFAULT_FILE)

# Comments of the sample world's kind, labelled by hand with the themes a reader would file them under.
LABELLED = [
    ("We were double charged this month.", ("billing",)),
    ("The technician arrived on time and fixed everything in one visit.", ("field_service",)),
    ("Our setup was delayed by three weeks with no explanation.", ("waiting", "onboarding", "communication")),
    ("Another outage this morning, the second one this month.", ("reliability",)),
    ("Good value for what we pay.", ("price_value",)),
    ("Northwind Services support fixed our issue in ten minutes. Impressive.", ("support",)),
    ("The renewal price went up far more than we were told.", ("renewal", "price_value")),
    ("I waited over an hour on hold and then the call dropped.", ("support", "waiting")),
    ("Since the new billing system went live every invoice has been wrong.", ("billing", "billing_system")),
    ("We have had three account managers in a year.", ("account_management",)),
    ("The quote left out the installation fees entirely.", ("sales",)),
    ("Overall okay.", ()),
]


@pytest.mark.parametrize(("text", "expected"), LABELLED, ids=[t[:30] for t, _ in LABELLED])
def test_default_taxonomy_tags_hand_labelled_comments(text, expected):
    assert themes.tag(TAXONOMY, text) == expected


MINI = themes.parse(
    """
[bill]
label = "Billing"
phrases = ["invoice*", "credit note"]
[wait]
phrases = ["on hold"]
"""
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Two INVOICES were wrong", ("bill",)),  # case ignored, wildcard matches the plural
        ("invoiced twice", ("bill",)),
        ("the credit   note came late", ("bill",)),  # any whitespace between words
        ("creditnote", ()),  # whole words only
        ("reinvoice", ()),  # a phrase starts at a word boundary
        ("left on hold, no invoice", ("bill", "wait")),  # several themes, in taxonomy order
        ("", ()),
        (None, ()),
    ],
)
def test_phrase_rules(text, expected):
    assert themes.tag(MINI, text) == expected


def test_label_defaults_to_the_key_and_fingerprint_follows_content():
    assert MINI.labels() == {"bill": "Billing", "wait": "wait"}
    changed = themes.parse('[bill]\nlabel = "Billing"\nphrases = ["invoice*"]\n[wait]\nphrases = ["on hold"]\n')
    assert changed.fingerprint != MINI.fingerprint
    assert themes.parse('[x]\nphrases = ["a"]').fingerprint == themes.parse('[x]\nphrases = ["a"]').fingerprint


@pytest.mark.parametrize("text", ['[x]\nlabel = "X"', "[x]\nphrases = []", "", '[x]\nphrases = [""]'])
def test_a_theme_without_phrases_is_an_error(text):
    with pytest.raises(ValueError):
        themes.parse(text)


def test_special_characters_are_literal():
    odd = themes.parse('[x]\nphrases = ["c++", "a.b"]')
    assert themes.tag(odd, "we use c++ daily") == ()  # \b after '+' needs a word character next: no match
    assert themes.tag(odd, "see a.b now") == ("x",)
    assert themes.tag(odd, "see axb now") == ()


def test_duckdb_tags_like_python_on_the_default_taxonomy():
    texts = [t for t, _ in LABELLED]
    params: dict = {}
    conn = duckdb.connect()
    sql = f"SELECT t, {voice_index.tags_sql(TAXONOMY, 't', params)} FROM unnest($texts) u(t)"  # noqa: S608
    rows = conn.execute(sql, params | {"texts": texts}).fetchall()
    assert {t: tuple(tags) for t, tags in rows} == {t: expected for t, expected in LABELLED}


def test_configured_file_is_used(tmp_path, monkeypatch):
    custom = tmp_path / "themes.toml"
    custom.write_text('[delivery]\nlabel = "Delivery"\nphrases = ["parcel*"]\n', encoding="utf-8")
    monkeypatch.setenv("CX_THEMES", str(custom))
    assert themes.taxonomy_path() == custom
    assert themes.tag(themes.load(), "Two parcels lost") == ("delivery",)
