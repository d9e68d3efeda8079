"""Sentiment scores shipped with the code for the sample world's texts, so that a first run does not score them again.

`sample_scores.parquet` holds every distinct comment and social-media post text of `sample_data/` with its compound
sentiment exactly as `sentiment.score` gives it, and the fingerprint of the scorer that gave it in the file's
metadata. The comment index (`cxmetrics.text.index`) takes a new text's score from it when that fingerprint is the
current scorer's and scores the rest; a scorer whose fingerprint changed ignores the file. Scoring the sample world's
20,000 texts is about a fifth of building its database. `python -m cxmetrics.text.shipped` writes the file again from
sample_data/; the tests check that it equals a fresh scoring of every sample text.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from cxmetrics import config
from cxmetrics.text import sentiment

FILE = Path(__file__).resolve().parent / "sample_scores.parquet"
SCORER_KEY = b"scorer"
_TEXTS = """
    SELECT comment AS text FROM read_parquet($responses) WHERE trim(comment) <> ''
    UNION SELECT text FROM read_parquet($mentions) WHERE trim(text) <> ''
    ORDER BY text
"""


def sample_texts(folder: Path) -> list[str]:
    """The distinct non-blank comment and post texts of a sample-world folder, as the comment index selects them."""
    params = {"responses": str(folder / "responses.parquet"), "mentions": str(folder / "social_mentions.parquet")}
    return [row[0] for row in duckdb.connect().execute(_TEXTS, params).fetchall()]


def scored(texts: list[str]) -> pa.Table:
    """The texts with their scores by the current scorer, its fingerprint in the metadata."""
    return pa.table(
        {"text": pa.array(texts, pa.string()), "sentiment": pa.array(sentiment.scores(texts), pa.float64())},
        metadata={SCORER_KEY: sentiment.fingerprint().encode()},
    )


def write(folder: Path, target: Path = FILE) -> int:
    """Score every text of `folder`'s sample world and write the file; returns how many texts."""
    table = scored(sample_texts(folder))
    pq.write_table(table, target, compression="zstd")
    return table.num_rows


@cache
def _read(path: Path, scorer: str) -> dict[str, float]:
    if not path.exists():
        return {}
    table = pq.read_table(path)
    if (table.schema.metadata or {}).get(SCORER_KEY) != scorer.encode():
        return {}
    return dict(zip(table["text"].to_pylist(), table["sentiment"].to_pylist(), strict=True))


def known(path: Path | None = None) -> dict[str, float]:
    """The score of each text in the shipped file (or `path`), when the current scorer gave them; else nothing."""
    return _read(path or FILE, sentiment.fingerprint())


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(config.get("CX_SAMPLE_DIR"))
    print(f"{write(folder)} texts scored into {FILE.name}")
