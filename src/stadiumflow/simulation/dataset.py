"""Training rows from randomised match days, with features from the service's own code.

For every gate the rows replay the readings exactly as the turnstiles reported them
(noise, stuck sensors, lost reports and silent gates included) through the worker's code
path: ``window.add(WindowPoint.of(reading))`` then ``compute_features(window.points)``.
Days are independent, so they run in parallel processes; day ``i`` of seed ``s`` is the
same day whatever the number of processes, and rows come out in day order.
"""

from __future__ import annotations

import contextlib
import csv
import io
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from stadiumflow.domain.features import FEATURE_NAMES, compute_features
from stadiumflow.domain.window import GateWindow, WindowPoint
from stadiumflow.simulation.matchday import run_match_day
from stadiumflow.simulation.randomise import random_match_day
from stadiumflow.simulation.results import MatchDayResult, iso_z

RAW_FIELDS = ("per_minute_count", "avg_processing_time", "queue_length")
TRAINING_COLUMNS: tuple[str, ...] = (
    "day_id",
    "stadium_id",
    "gate_id",
    "ts",
    *RAW_FIELDS,
    *(name for name in FEATURE_NAMES if name not in RAW_FIELDS),
    "wait_true",
    "wait_true_in_15",
    "lanes_open",
    "queue_true",
    "incident",
)
_FEATURE_SLOTS = [i for i, name in enumerate(FEATURE_NAMES) if name not in RAW_FIELDS]


def day_rows(result: MatchDayResult, day_id: int) -> list[list[object]]:
    """One training row per reported reading of ``result``, gate by gate in ts order."""
    rows: list[list[object]] = []
    windows: dict[str, GateWindow] = {}
    for minute in result.minutes:
        if not minute.reported:
            continue
        r = minute.reading
        window = windows.setdefault(r.gate_id, GateWindow())
        window.add(WindowPoint.of(r))
        features = compute_features(window.points)
        rows.append(
            [
                day_id,
                r.stadium_id,
                r.gate_id,
                iso_z(r.ts),
                r.per_minute_count,
                r.avg_processing_time,
                r.queue_length,
                *(round(features[i], 6) for i in _FEATURE_SLOTS),
                round(minute.wait_true, 4),
                round(minute.wait_true_in_15, 4),
                minute.lanes_open,
                minute.queue_true,
                minute.incident,
            ]
        )
    return rows


def simulate_day(seed: int, day_id: int) -> list[list[object]]:
    """Training rows of day ``day_id`` of the run seeded ``seed`` (a pure function)."""
    layout, params, sim_seed = random_match_day(np.random.SeedSequence([seed, day_id]))
    return day_rows(run_match_day(layout, params, sim_seed), day_id)


def _simulate_day_csv(args: tuple[int, int]) -> tuple[int, str]:
    seed, day_id = args
    rows = simulate_day(seed, day_id)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return len(rows), buffer.getvalue()


def generate_training_csv(
    out: Path,
    samples: int,
    seed: int = 0,
    *,
    workers: int | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write exactly ``samples`` training rows to ``out``; returns the number of days used."""
    workers = workers or min(os.cpu_count() or 1, 8)
    written = 0
    days = 0
    chunks = _day_chunks(seed, workers)
    with out.open("w", encoding="utf-8", newline="") as f, contextlib.closing(chunks):
        # closing: the worker processes stop here (see _day_chunks), not in a finaliser
        # at interpreter exit
        csv.writer(f, lineterminator="\n").writerow(TRAINING_COLUMNS)
        for count, text in chunks:
            days += 1
            if written + count > samples:
                keep = samples - written
                text = "".join(text.splitlines(keepends=True)[:keep])
                count = keep
            f.write(text)
            written += count
            if on_rows is not None:
                on_rows(count)
            if written >= samples:
                break
    return days


def _day_chunks(seed: int, workers: int) -> Generator[tuple[int, str], None, None]:
    """Days 0, 1, 2, ... as CSV chunks, computed ``workers`` at a time, in day order.

    A process pool executor, not ``multiprocessing.Pool``: closing this generator cancels
    the days not started and waits for the few running ones. ``Pool.terminate()`` kills
    its workers instead, and hung now and then when one was killed holding the task
    queue's lock (a CI run waited 120 s for a 1-second job).
    """
    if workers <= 1:
        day = 0
        while True:
            yield _simulate_day_csv((seed, day))
            day += 1
    # Not "fork": the caller may already run threads (tqdm's monitor does), and a child
    # forked while one of them holds a lock can wait for it forever.
    context = multiprocessing.get_context("spawn" if os.name == "nt" else "forkserver")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        ahead = deque(pool.submit(_simulate_day_csv, (seed, d)) for d in range(2 * workers))
        day = len(ahead)
        try:
            while True:
                done = ahead.popleft().result()
                ahead.append(pool.submit(_simulate_day_csv, (seed, day)))
                day += 1
                yield done
        finally:
            for future in ahead:
                future.cancel()
