"""The sentiment scores shipped for the sample world: exactly what the scorer gives each sample text, and taken by the
comment index only while they come from the current scorer."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxmetrics import config
from cxmetrics.ingest.load import load_folder
from cxmetrics.text import sentiment, shipped
from tests.metric_fixtures import CUSTOMERS, GOOD_RESPONSES, write_folder


def test_the_shipped_file_is_a_fresh_scoring_of_every_sample_text() -> None:
    stored = pq.read_table(shipped.FILE)
    fresh = shipped.scored(shipped.sample_texts(Path(config.get("CX_SAMPLE_DIR"))))
    assert stored.schema.metadata[shipped.SCORER_KEY] == sentiment.fingerprint().encode()
    assert stored["text"].to_pylist() == fresh["text"].to_pylist()
    assert stored["sentiment"].to_pylist() == fresh["sentiment"].to_pylist()
    assert stored.num_rows > 20_000


def _shipped(path: Path, scorer: str) -> Path:
    table = pa.table({"text": ["Great partner"], "sentiment": [0.123]}, metadata={shipped.SCORER_KEY: scorer.encode()})
    pq.write_table(table, path)
    return path


def _stored_scores(target: Path) -> dict[str, float]:
    with duckdb.connect(str(target), read_only=True) as conn:
        return dict(conn.execute("SELECT text, sentiment FROM voice_texts").fetchall())


@pytest.mark.parametrize("current", [True, False], ids=["current scorer", "another scorer"])
def test_the_index_takes_a_shipped_score_only_from_the_current_scorer(monkeypatch, tmp_path: Path, current) -> None:
    scorer = sentiment.fingerprint() if current else "another"
    monkeypatch.setattr(shipped, "FILE", _shipped(tmp_path / "scores.parquet", scorer))
    load_folder(write_folder(tmp_path / "in", customers=CUSTOMERS, responses=GOOD_RESPONSES), tmp_path / "cx.duckdb")
    scores = _stored_scores(tmp_path / "cx.duckdb")
    assert scores["Great partner"] == (0.123 if current else sentiment.score("Great partner"))
    assert scores["Invoice was wrong"] == sentiment.score("Invoice was wrong") < 0  # not shipped: scored
