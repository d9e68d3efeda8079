"""Sentiment and themes of every distinct text, computed at load time so that pages read them instead of scoring.

`voice_texts` holds one row per distinct survey comment and social-media post text: its compound sentiment (VADER
with the domain lexicon, `cxmetrics.text.sentiment`) and the keys of the themes it mentions. Sentiment is computed
only for texts not scored before (the scorer runs in Python at about 10,000 texts per second), and for every text
again when the scorer's fingerprint (VADER's version and the lexicon file) differs from the one they were scored
with; themes are tagged in DuckDB with one regular expression per theme (bound
parameters), for every text whenever the taxonomy's fingerprint differs from the one the texts were tagged with.
`voice_themes` keeps the taxonomy the tags came from, so a page labels themes as they were tagged; `voice_comments`
holds the responses with a comment beside their text's sentiment and themes. The loader calls `build` inside each
load's transaction.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from cxmetrics.db import Connection
from cxmetrics.text import sentiment, shipped, themes

TEXTS_TABLE = "voice_texts"
THEMES_TABLE = "voice_themes"
COMMENTS_TABLE = "voice_comments"
# Responses with a comment, their sentiment and themes, in time order: pages read a window of it without joining
# texts (a string join costs about as much as the rest of the page's queries at 10M responses).
_COMMENTS = f"""
    SELECT r.response_id, r.customer_id, r.responded_at, r.survey, r.touchpoint, r.channel, r.nps, r.comment,
           v.sentiment, v.themes
    FROM responses r JOIN {TEXTS_TABLE} v ON v.text = r.comment WHERE r.responded_at >= $since ORDER BY r.responded_at
"""  # noqa: S608 (constants only)
FINGERPRINT_KEY = "voice_taxonomy"
SCORER_KEY = "voice_scorer"
_TEXT_SOURCES = (
    "SELECT comment AS text FROM responses WHERE trim(comment) <> '' AND responded_at >= $since "
    "UNION SELECT text FROM social_mentions WHERE trim(text) <> ''"
)


def _create(conn: Connection) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {TEXTS_TABLE} (text VARCHAR PRIMARY KEY, sentiment DOUBLE, themes VARCHAR[])"
    )
    conn.execute(f"CREATE TABLE IF NOT EXISTS {THEMES_TABLE} (position INTEGER, theme VARCHAR, label VARCHAR)")


def _rescore_if_stale(conn: Connection) -> bool:
    """Score every stored text again when the scorer changed since they were scored; record the scorer; whether it
    did."""
    if _stored(conn, SCORER_KEY) == sentiment.fingerprint():
        return False
    texts = conn.execute(f"SELECT text FROM {TEXTS_TABLE}").fetchnumpy()["text"]  # noqa: S608
    if len(texts):
        rows = pa.table({"text": pa.array(list(texts), pa.string()), "sentiment": sentiment.scores(texts)})
        conn.register("rescored_texts", rows)
        conn.execute(f"UPDATE {TEXTS_TABLE} v SET sentiment = s.sentiment FROM rescored_texts s WHERE v.text = s.text")  # noqa: S608
        conn.unregister("rescored_texts")
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [SCORER_KEY, sentiment.fingerprint()])
    return True


def _score_new_texts(conn: Connection, since: date) -> int:
    """Score the texts not in `voice_texts` yet (of responses from `since` on, and of posts; taking the shipped score
    of a sample-world text, `shipped.known`); returns how many were added (untagged)."""
    new = conn.execute(
        f"SELECT text FROM ({_TEXT_SOURCES}) s WHERE NOT EXISTS (SELECT 1 FROM {TEXTS_TABLE} v WHERE v.text = s.text)",  # noqa: S608
        {"since": since},
    ).fetchnumpy()["text"]
    if len(new) == 0:
        return 0
    texts, shipped_scores = list(new), shipped.known()
    values = [shipped_scores[t] if t in shipped_scores else sentiment.score(t) for t in texts]
    rows = pa.table({"text": pa.array(texts, pa.string()), "sentiment": pa.array(values, pa.float64())})
    conn.register("scored_texts", rows)
    conn.execute(f"INSERT INTO {TEXTS_TABLE} SELECT text, sentiment, NULL FROM scored_texts")  # noqa: S608
    conn.unregister("scored_texts")
    return len(new)


def tags_sql(taxonomy: themes.Taxonomy, text: str, params: dict) -> str:
    """A SQL list expression of the theme keys `text` mentions; patterns and keys go into `params`."""
    items = []
    for i, theme in enumerate(taxonomy.themes):
        params[f"pattern_{i}"], params[f"key_{i}"] = theme.pattern, theme.key
        items.append(f"CASE WHEN regexp_matches({text}, $pattern_{i}) THEN $key_{i} END")
    return f"list_filter([{', '.join(items)}], lambda x: x IS NOT NULL)"


def _stored(conn: Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def _tag(conn: Connection, taxonomy: themes.Taxonomy) -> bool:
    """Tag untagged texts, or every text when the taxonomy changed; record the taxonomy tagged with; whether it
    tagged every text."""
    retag_all = _stored(conn, FINGERPRINT_KEY) != taxonomy.fingerprint
    params: dict = {}
    condition = "TRUE" if retag_all else "themes IS NULL"
    conn.execute(f"UPDATE {TEXTS_TABLE} SET themes = {tags_sql(taxonomy, 'text', params)} WHERE {condition}", params)  # noqa: S608
    if retag_all:
        conn.execute(f"DELETE FROM {THEMES_TABLE}")  # noqa: S608
        rows = [(i, t.key, t.label) for i, t in enumerate(taxonomy.themes)]
        conn.executemany(f"INSERT INTO {THEMES_TABLE} VALUES (?, ?, ?)", rows)  # noqa: S608
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [FINGERPRINT_KEY, taxonomy.fingerprint])
    return retag_all


def build(conn: Connection, taxonomy: themes.Taxonomy | None = None, since: date | None = None) -> int:
    """Score new texts and (re-)tag them with the taxonomy (default: the configured one); returns texts added.
    `since`: only responses from that day on are new or changed (a load's reach), so only their comments are read
    (every one when the scorer or the taxonomy changed)."""
    _create(conn)
    every = _rescore_if_stale(conn) or since is None or not _has_comments(conn)
    added = _score_new_texts(conn, date.min if every else since)
    every = _tag(conn, taxonomy or themes.load()) or every
    if every:
        conn.execute(f"CREATE OR REPLACE TABLE {COMMENTS_TABLE} AS {_COMMENTS}", {"since": date.min})
    else:
        conn.execute(f"DELETE FROM {COMMENTS_TABLE} WHERE responded_at >= ?", [since])  # noqa: S608
        conn.execute(f"INSERT INTO {COMMENTS_TABLE} {_COMMENTS}", {"since": since})
    return added


def _has_comments(conn: Connection) -> bool:
    """Whether the table of comments exists (built by an earlier load)."""
    sql = "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND table_name = ?"
    return bool(conn.execute(sql, [COMMENTS_TABLE]).fetchone()[0])


def is_built(conn: Connection) -> bool:
    """Whether the database has the scored and tagged texts (loaded by a loader that builds them)."""
    found = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = current_schema() AND table_name IN (?, ?, ?)",
        [TEXTS_TABLE, THEMES_TABLE, COMMENTS_TABLE],
    ).fetchone()[0]
    return found == 3


def tagged_with(conn: Connection) -> str | None:
    """The fingerprint of the taxonomy the stored texts were tagged with."""
    return _stored(conn, FINGERPRINT_KEY)


def scored_with(conn: Connection) -> str | None:
    """The fingerprint of the scorer the stored texts were scored with."""
    return _stored(conn, SCORER_KEY)
