"""Worker throughput with the shipped wait model, in batches of realistic size.

Prints readings/s for each stage, in one run on this machine:
  onnx           the model alone (one onnxruntime call per batch)
  memory store   process_batch (windows, features, model, anomalies, planner) on the fakes
  sqlite store   the same on SQLite (what the embedded worker does, minus claim/ack)
  consume        claim + process + ack from a SQLite queue (the worker's whole loop)

Batches: "live" (every gate once: what a stadium sends each minute) and "replay" (ten
minutes of every gate at once, as after a backlog). Usage:
    .venv/bin/python bench/worker.py [--gates 300] [--batches 8]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.adapters.onnx_model import OnnxWaitModel
from stadiumflow.adapters.sqlite.queue import SqliteQueue
from stadiumflow.adapters.sqlite.store import SqliteGateStore
from stadiumflow.bootstrap import load_wait_model, shipped_model_dir
from stadiumflow.domain.features import compute_features
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.window import GateWindow, WindowPoint
from stadiumflow.entrypoints.worker.loop import tune_gc_for_batches
from stadiumflow.ports import GateStore
from stadiumflow.services.consume import ConsumerStats, consume_once
from stadiumflow.services.process import process_batch
from stadiumflow.simulation.matchday import run_match_day
from stadiumflow.simulation.randomise import random_match_day

BASE = datetime(2025, 7, 14, 16, tzinfo=UTC)
GATES_PER_STADIUM = 12  # a real stadium has 8-20 gates
BENCH_ENTROPY = 0xBE7C  # the match day whose feature rows time the model alone


def readings(
    gates: int, first_minute: int, minutes: int, rng: np.random.Generator
) -> list[Reading]:
    out = []
    for m in range(first_minute, first_minute + minutes):
        ts = BASE + timedelta(minutes=m)
        for g in range(gates):
            out.append(
                Reading(
                    f"S{g // GATES_PER_STADIUM}",
                    f"G{g}",
                    ts,
                    int(rng.poisson(30 + g % 20)),
                    float(rng.uniform(2.5, 6.0)),
                    int(rng.poisson(40 + (g * 7 + m * 13) % 300)),
                )
            )
    return out


def match_day_features(n: int, days: int = 3) -> np.ndarray:
    """``n`` feature rows of simulated match days' readings, in a shuffled order.

    Trees take longer paths on real rows than on random numbers, and run faster on rows
    sorted alike (branch prediction): a worker batch mixes gates and days, so the model
    alone is timed on such a mix (~130k rows/s here, against ~220k on random or sorted
    rows)."""
    rows = []
    for day in range(days):
        layout, params, seed = random_match_day(np.random.SeedSequence([BENCH_ENTROPY, day]))
        windows: dict[str, GateWindow] = {}
        for minute in run_match_day(layout, params, seed).minutes:
            if minute.reported:
                window = windows.setdefault(minute.reading.gate_id, GateWindow())
                window.add(WindowPoint.of(minute.reading))
                rows.append(compute_features(window.points))
    mixed = np.random.default_rng(BENCH_ENTROPY).permutation(np.asarray(rows))
    return np.resize(mixed, (n, mixed.shape[1]))


def rate(label: str, n: int, run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    per_s = n / (time.perf_counter() - start)
    print(f"  {label:<34}{per_s:>12,.0f} readings/s")
    return per_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gates", type=int, default=300)
    parser.add_argument("--batches", type=int, default=8)
    args = parser.parse_args()
    model = load_wait_model(shipped_model_dir())
    tune_gc_for_batches()  # as a worker process does
    stadiums = -(-args.gates // GATES_PER_STADIUM)
    print(f"model {model.version}; {args.gates} gates in {stadiums} stadiums")
    rng = np.random.default_rng(1)

    if isinstance(model, OnnxWaitModel):
        x = match_day_features(args.gates * 10)
        rate(
            f"onnx alone (batch of {len(x)})",
            len(x) * 5,
            lambda: [model.predict_arrays(x) for _ in range(5)],
        )

    for shape, minutes in (("live", 1), ("replay", 10)):
        print(f"{shape} batches ({minutes} reading(s) per gate per batch):")
        for name, make_store in (
            ("memory store", lambda: MemoryGateStore()),
            ("sqlite store", lambda: SqliteGateStore(Path(tempfile.mkdtemp()) / "g.sqlite3")),
        ):
            store: GateStore = make_store()
            warm = 20 // minutes
            for i in range(warm):  # fill the windows first
                process_batch(
                    readings(args.gates, i * minutes, minutes, rng), store=store, model=model
                )
            batches = [
                readings(args.gates, (warm + i) * minutes, minutes, rng)
                for i in range(args.batches)
            ]

            def run(store: GateStore = store, batches: list[list[Reading]] = batches) -> None:
                for batch in batches:
                    process_batch(batch, store=store, model=model)

            rate(name, sum(map(len, batches)), run)

        tmp = Path(tempfile.mkdtemp())
        queue, store = SqliteQueue(tmp / "q.sqlite3"), SqliteGateStore(tmp / "g.sqlite3")
        for i in range(20 // minutes):
            process_batch(readings(args.gates, i * minutes, minutes, rng), store=store, model=model)
        n = 0
        for i in range(args.batches):
            batch = readings(args.gates, (20 // minutes + i) * minutes, minutes, rng)
            n += len(batch)
            for g in range(0, len(batch), 25):  # requests of 25 readings
                queue.enqueue(batch[g : g + 25])
        stats = ConsumerStats()

        def drain(
            queue: SqliteQueue = queue, store: GateStore = store, stats: ConsumerStats = stats
        ) -> None:
            while consume_once(queue, store, model, stats, max_readings=5000, lease_seconds=30):
                pass

        rate("consume (claim, process, ack)", n, drain)


if __name__ == "__main__":
    main()
