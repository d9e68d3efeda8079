"""The benchmark runs every page's query set end to end on a tiny world, checks the engine against the naive way and
prints its table (figures are not asserted)."""

from __future__ import annotations

import json

import pytest

from benchmarks import bench_scorecard, harness


@pytest.mark.slow
def test_the_benchmark_runs_every_query_set_at_a_tiny_size_and_prints_the_table(tmp_path, capsys) -> None:
    out = tmp_path / "bench.json"
    argv = ["--responses", "100000", "--cache-dir", str(tmp_path / "cache"), "--json", str(out), "--raw"]
    assert bench_scorecard.main(argv) == 0
    printed = capsys.readouterr().out
    assert "| N | phase | cold s | warm s | peak MB | naive s |" in printed
    rows = {row["phase"]: row for row in json.loads(out.read_text())["rows"]}
    sets = set(bench_scorecard.QUERY_SETS)
    assert set(rows) == {"generate", "load"} | sets | {f"{name}, no rollups" for name in sets}
    assert all(rows[name]["numbers_compared"] > 100 for name in sets)
    scorecard = rows["scorecard"]
    assert scorecard["cold_s"] > 0 and scorecard["warm_s"] > 0 and scorecard["naive_s"] > 0
    assert scorecard["peak_mb"] > 0 and scorecard["naive_peak_mb"] > 0
    assert scorecard["numbers_compared"] > 1000  # the naive numbers were checked against the engine's
    assert rows["scorecard, no rollups"]["numbers_compared"] == scorecard["numbers_compared"]
    assert not (tmp_path / "cache" / "responses-100000-seed-42").exists()  # removed without --keep


def test_verify_rejects_numbers_that_differ_beyond_the_6th_decimal() -> None:
    engine = {"statement|nps||value": 12.3456789, "statement|nps||n": 40.0}
    bench_scorecard.verify(engine, dict(engine, **{"statement|nps||value": 12.3456781}), ())
    with pytest.raises(AssertionError, match="differ"):
        bench_scorecard.verify(engine, dict(engine, **{"statement|nps||value": 12.3457}), ())
    with pytest.raises(AssertionError, match="no statement"):
        bench_scorecard.verify(engine, engine, ("statement|csat||value",))


def test_the_table_has_a_row_per_phase_and_leaves_missing_figures_blank() -> None:
    table = harness.format_table([{"responses": 1000, "phase": "load", "cold_s": 1.5, "peak_mb": 300.0}])
    assert table.splitlines()[2].startswith("| 1,000 | load | 1.500 |  | 300 |")
