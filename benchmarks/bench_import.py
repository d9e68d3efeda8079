"""Benchmark of the survey-tool importer on a synthetic Qualtrics export of N responses (1M by default).

    python benchmarks/bench_import.py [--responses 1000000] [--seed 42] [--keep]

Writes a current-generation Qualtrics CSV (three header rows, `timeZone` on the date columns, an NPS question with
its `_NPS_GROUP` column, CSAT, a comment, two attribute ratings, 2% test and preview and 3% unfinished responses; no
time in the hours the clock changes skip or repeat, which the importer rejects),
then runs each phase in its own Python process so that its peak memory is its own:

- **import**: `python -m cxmetrics import` as a function call, into a fresh database (conversion, the loader's
  validation and merge, rollups and the comment index, the atomic swap);
- **convert**: the importer's conversion alone (reading, dropping, mapping, UTC), for the split of the time;
- **naive**: what one would write by hand: pandas reads the export, a row-wise `apply` converts each row (the same
  drops, mapping and UTC), the rows are written as `responses.csv` and `response_attributes.csv` and loaded with
  `python -m cxmetrics load` into a fresh database.

The run fails unless both databases hold the same rows (count, sums of the scores, first and last time, ratings).
ratio = naive s / import s.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import emit, peak_rss_mb, run_phase, timed  # noqa: E402

ZONE = "America/Denver"
META = ("StartDate", "EndDate", "Status", "Progress", "Finished", "RecordedDate", "ResponseId", "DistributionChannel")
META_IDS = (
    "startDate",
    "endDate",
    "status",
    "progress",
    "finished",
    "recordedDate",
    "_recordId",
    "distributionChannel",
)
QUESTIONS = ("Q1", "Q1_NPS_GROUP", "Q2", "Q3", "Q4_1", "Q4_2")
QUESTION_IDS = ("QID1", "QID1_NPS_GROUP", "QID2", "QID3_TEXT", "QID4_1", "QID4_2")
MAP = ["comment=QID3_TEXT", "csat=QID2", "attributes.billing_accuracy=QID4_1", "attributes.support=QID4_2"]
COMMENTS = [
    "Invoice was wrong again",
    "Support fixed it the same day",
    "Onboarding took too long",
    "Great product, reliable",
    "Too expensive for what we get",
    "The new portal is confusing",
    "Friendly and fast",
    "Billing errors every month",
]


def _id_cell(import_id: str) -> str:
    zone = f',"timeZone":"{ZONE}"' if import_id.endswith("Date") else ""
    return f'{{"ImportId":"{import_id}"{zone}}}'


def _unambiguous(rng: random.Random, start: datetime) -> datetime:
    """A random local time of the year that the clock changes neither skip nor repeat (the importer rejects those)."""
    zone = ZoneInfo(ZONE)
    while True:
        when = start + timedelta(seconds=rng.randrange(365 * 86400))
        if when.replace(tzinfo=zone).utcoffset() == when.replace(tzinfo=zone, fold=1).utcoffset():
            return when


def _record(rng: random.Random, number: int, start: datetime) -> list[str]:
    """One synthetic response: mostly complete, 1% preview, 1% test, 3% unfinished."""
    when = _unambiguous(rng, start)
    kind = rng.random()
    status, channel = ("1", "preview") if kind < 0.01 else ("2", "test") if kind < 0.02 else ("0", "email")
    finished = "0" if 0.02 <= kind < 0.05 else "1"
    nps = rng.randrange(11)
    group = "1" if nps <= 6 else "2" if nps <= 8 else "3"
    stamp = when.strftime("%Y-%m-%d %H:%M:%S")
    comment = rng.choice(COMMENTS) if rng.random() < 0.3 else ""
    ratings = [str(rng.randint(1, 5)) if rng.random() < 0.8 else "" for _ in range(2)]
    meta = [stamp, stamp, status, "100" if finished == "1" else "40", finished, stamp, f"R_{number:015d}", channel]
    return [*meta, str(nps), group, str(rng.randint(1, 5)), comment, *ratings]


def generate(path: Path, responses: int, seed: int) -> None:
    """Write the synthetic export."""
    rng, start = random.Random(seed), datetime(2025, 1, 1)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*META, *QUESTIONS])
        writer.writerow(
            [*META, "How likely are you to recommend us?", "Group", "Satisfaction", "Why?", "Billing", "Help"]
        )
        writer.writerow([_id_cell(i) for i in (*META_IDS, *QUESTION_IDS)])
        for number in range(responses):
            writer.writerow(_record(rng, number, start))


def _mapping():
    from cxmetrics.ingest import imports

    return imports.with_options(imports.Mapping(), MAP, ["survey=relationship"])


def _fingerprint(db_path: Path) -> list:
    from cxmetrics import db

    conn = db.connect_read_only(db_path)
    sql = (
        "SELECT count(*), sum(nps), sum(csat), count(comment), min(responded_at)::VARCHAR, max(responded_at)::VARCHAR,"
        " (SELECT count(*) FROM response_attributes), (SELECT sum(rating) FROM response_attributes) FROM responses"
    )
    return list(conn.execute(sql).fetchone())


def phase_import(export: Path, work: Path) -> dict:
    """The importer end to end into a fresh database."""
    from cxmetrics.ingest import imports

    target = work / "import.duckdb"
    seconds, report = timed(lambda: imports.import_files([export], target, _mapping()))
    return {
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
        "counts": report.files[0].counts,
        "rows": _fingerprint(target),
    }


def phase_convert(export: Path) -> dict:
    """The importer's conversion alone."""
    from cxmetrics.ingest.imports import convert, importer

    def run():
        plan = importer.prepare([export], _mapping(), importer.Options())[0]
        return convert.convert(plan).response_table().num_rows

    seconds, rows = timed(run)
    return {"seconds": seconds, "peak_mb": peak_rss_mb(), "rows": rows}


def _naive_row(row) -> dict:
    """One row converted by hand: the same mapping and UTC conversion as the importer."""
    local = datetime.strptime(row["RecordedDate"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo(ZONE))
    utc = local.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "response_id": row["ResponseId"],
        "responded_at": utc,
        "nps": row["Q1"],
        "csat": row["Q2"],
        "comment": row["Q3"],
    }


def phase_naive(export: Path, work: Path) -> dict:
    """pandas read + row-wise apply + CSV files + the folder loader."""
    import pandas as pd

    from cxmetrics.ingest.load import load_folder

    def run():
        frame = pd.read_csv(export, skiprows=[1, 2], dtype=str, keep_default_na=False)
        kept = frame[
            (frame["Status"] == "0") & (frame["DistributionChannel"] != "preview") & (frame["Finished"] == "1")
        ]
        rows = pd.DataFrame(list(kept.apply(_naive_row, axis=1)))
        rows["survey"] = "relationship"
        folder = work / "naive"
        folder.mkdir(exist_ok=True)
        rows.to_csv(folder / "responses.csv", index=False)
        (folder / "customers.csv").write_text("customer_id,name,region,segment,signup_date\n")
        ratings = kept.melt(
            id_vars=["ResponseId"], value_vars=["Q4_1", "Q4_2"], var_name="attribute", value_name="rating"
        )
        ratings = ratings[ratings["rating"] != ""].replace(
            {"attribute": {"Q4_1": "billing_accuracy", "Q4_2": "support"}}
        )
        ratings.rename(columns={"ResponseId": "response_id"}).to_csv(folder / "response_attributes.csv", index=False)
        return load_folder(folder, work / "naive.duckdb")

    seconds, report = timed(run)
    return {
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
        "rejected": report.rejected,
        "rows": _fingerprint(work / "naive.duckdb"),
    }


def _phase(args: argparse.Namespace) -> None:
    export, work = Path(args.export), Path(args.work)
    if args.phase == "import":
        emit(phase_import(export, work))
    elif args.phase == "convert":
        emit(phase_convert(export))
    else:
        emit(phase_naive(export, work))


def main() -> None:
    """Generate the export, run the phases, check they agree, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep the export and the databases")
    parser.add_argument("--phase", choices=("import", "convert", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--export", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        _phase(args)
        return
    work = Path(tempfile.mkdtemp(prefix="cxmetrics-bench-import-"))
    export = work / "qualtrics_export.csv"
    gen_s, _ = timed(lambda: generate(export, args.responses, args.seed))
    script, common = Path(__file__), ["--export", str(export), "--work", str(work)]
    results = {name: run_phase(script, ["--phase", name, *common]) for name in ("import", "convert", "naive")}
    if results["import"]["rows"] != results["naive"]["rows"]:
        raise SystemExit(
            f"the importer and the naive path disagree: {results['import']['rows']} vs {results['naive']['rows']}"
        )
    size_mb = export.stat().st_size / 1024 / 1024
    print(f"export: {args.responses:,} responses, {size_mb:,.0f} MB, generated in {gen_s:.1f} s (seed {args.seed})")
    print(f"counts: {results['import']['counts']}")
    for name, found in results.items():
        print(f"{name:<8} {found['seconds']:8.1f} s   peak {found['peak_mb']:8,.0f} MB")
    ratio = results["naive"]["seconds"] / results["import"]["seconds"]
    print(f"ratio naive / import: {ratio:.1f}x; rows agree: {results['import']['rows']}")
    print(json.dumps({k: {"seconds": v["seconds"], "peak_mb": v["peak_mb"]} for k, v in results.items()}))
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
