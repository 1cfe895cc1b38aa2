"""Azure processing benchmark: our path against the original's, on one Azurite, in one run.

- ours: readings packed many per queue message; the worker claims a batch, runs the wait
  model once for the whole batch, writes statuses and history buckets in transactions of
  up to 100 entities, then acks (``consume_once`` on ``AzureQueue`` + ``AzureTableGateStore``);
- the original's per-reading path: for each reading one wait-model call and one table
  upsert (its queue receive and delete per reading are *not* counted, which flatters it).

Both use the same wait model: the shipped ONNX model when it loads, else the queueing
formula (said in the output). Azurite is single-threaded and far slower than Azure: read
the ratio, not the absolute figures. Not a test: it measures and prints.

    .venv/bin/python bench/azure_processing.py [--gates 20] [--minutes 100] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from azure.data.tables import TableServiceClient, UpdateMode

from stadiumflow.adapters.azure.storage import build_azure_storage
from stadiumflow.config import Settings
from stadiumflow.domain.features import compute_features
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.window import WindowPoint
from stadiumflow.ports import WaitModel
from stadiumflow.services.consume import ConsumerStats, consume_once
from stadiumflow.testing.azurite import azure_settings, start_azurite, unique_name

REPO = Path(__file__).resolve().parents[1]

STADIUMS = ("AGADIR", "RABAT", "CASABLANCA")
REQUEST_SIZE = 500  # readings per ingest request, as a gateway would batch them
BATCH_READINGS = Settings.model_fields["worker_batch_readings"].default  # the worker's default
ORIGINAL_READINGS = 600  # enough for a steady rate at ~300 upserts/s
TARGET_RATIO = 20.0
START = datetime(2025, 7, 14, 16, 0, tzinfo=UTC)


def load_model() -> tuple[WaitModel, str]:
    model_dir = REPO / "src" / "stadiumflow" / "models" / "wait"
    try:
        from stadiumflow.adapters.onnx_model import OnnxWaitModel

        files = {p.name: p.read_bytes() for p in model_dir.iterdir() if p.is_file()}
        model = OnnxWaitModel.from_files(files)
        return model, f"ONNX model {model.version}"
    except Exception as exc:  # a benchmark reports what it ran with
        return QueueingWaitModel(), f"queueing formula (ONNX model not available: {exc})"


def make_readings(gates: int, minutes: int) -> list[Reading]:
    """Per-minute readings of every gate of every stadium, in arrival (time) order."""
    return [
        Reading(s, f"G{g}", START + timedelta(minutes=m), 30 + (m * g) % 25, 2.5, (m * 7 + g) % 300)
        for m in range(minutes)
        for s in STADIUMS
        for g in range(1, gates + 1)
    ]


def run_ours(
    connection: str, readings: list[Reading], model: WaitModel, batch: int
) -> dict[str, float]:
    settings = azure_settings(connection)
    queue, store = build_azure_storage(settings)
    started = time.perf_counter()
    for i in range(0, len(readings), REQUEST_SIZE):
        queue.enqueue(readings[i : i + REQUEST_SIZE])
    enqueued = time.perf_counter()
    stats = ConsumerStats()
    while consume_once(queue, store, model, stats, max_readings=batch, lease_seconds=60):
        pass
    done = time.perf_counter()
    processed = stats.readings_applied + stats.readings_late
    assert processed == len(readings), (processed, len(readings))
    assert queue.stats().messages == 0
    store.close()
    queue.close()
    return {
        "readings": len(readings),
        "enqueue_s": enqueued - started,
        "process_s": done - enqueued,
        "batches": stats.batches,
        "process_readings_per_s": len(readings) / (done - enqueued),
        "end_to_end_readings_per_s": len(readings) / (done - started),
    }


def run_original(connection: str, readings: list[Reading], model: WaitModel) -> dict[str, float]:
    service = TableServiceClient.from_connection_string(connection)
    table = service.create_table(unique_name("origstatus"))
    started = time.perf_counter()
    for r in readings:
        (estimate,) = model.predict([compute_features([WindowPoint.of(r)])])
        table.upsert_entity(
            {
                "PartitionKey": r.stadium_id,
                "RowKey": r.gate_id,
                "wait": estimate.wait,
                "last_updated": r.ts.isoformat(),
                "queueLength": r.queue_length,
            },
            mode=UpdateMode.MERGE,
        )
    elapsed = time.perf_counter() - started
    return {
        "readings": len(readings),
        "process_s": elapsed,
        "process_readings_per_s": len(readings) / elapsed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--gates", type=int, default=20, help="gates per stadium (3 stadiums)")
    parser.add_argument("--minutes", type=int, default=100, help="minutes of readings, ours")
    parser.add_argument(
        "--batch", type=int, default=BATCH_READINGS, help="readings per worker batch"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    model, model_note = load_model()
    ours_readings = make_readings(args.gates, args.minutes)
    original_readings = make_readings(args.gates, max(1, ORIGINAL_READINGS // (3 * args.gates)))
    azurite = start_azurite()
    try:
        ours = run_ours(azurite.connection_string, ours_readings, model, args.batch)
        original = run_original(azurite.connection_string, original_readings, model)
    finally:
        azurite.stop()
    ratio = ours["process_readings_per_s"] / original["process_readings_per_s"]
    print(f"wait model: {model_note}")
    print("Azurite, one process, this machine (compare ratios, not absolute figures)")
    print(
        f"  ours:     {ours['readings']:>6} readings, {ours['batches']} batches,"
        f" {ours['process_readings_per_s']:>9,.0f} readings/s processing"
        f" ({ours['end_to_end_readings_per_s']:,.0f}/s including the enqueue)"
    )
    print(
        f"  original: {original['readings']:>6} readings, one model call + one upsert each,"
        f" {original['process_readings_per_s']:>9,.0f} readings/s"
    )
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"  ratio:    {ratio:.1f}x ({verdict} the >= {TARGET_RATIO:.0f}x target)")
    if args.json:
        args.json.write_text(
            json.dumps({"model": model_note, "ours": ours, "original": original, "ratio": ratio})
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
