"""Training rows: features from the worker's code path, exact row counts, determinism."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from stadiumflow.adapters.memory import MemoryGateStore, MemoryWaitModel
from stadiumflow.domain.features import FEATURE_NAMES
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.layouts import load_layout
from stadiumflow.services.process import process_batch
from stadiumflow.simulation.dataset import TRAINING_COLUMNS, day_rows, generate_training_csv
from stadiumflow.simulation.matchday import run_match_day


def test_features_equal_what_the_worker_computes() -> None:
    result = run_match_day(load_layout("CASABLANCA"), seed=3)
    rows = day_rows(result, day_id=0)
    gate = "D"
    mine = [r for r in rows if r[2] == gate]
    readings: list[Reading] = [
        m.reading for m in result.minutes if m.reported and m.reading.gate_id == gate
    ]
    model = MemoryWaitModel(lambda row: WaitEstimate(wait=0.0))
    store = MemoryGateStore()
    for reading in readings:  # one reading per batch, as they arrive live
        process_batch([reading], store=store, model=model)
    # The feature row of each batch's one reading (the rows after it are earlier
    # readings scored to calibrate the interval).
    served_rows = [batch[0] for batch in model.batches]
    index = {name: TRAINING_COLUMNS.index(name) for name in FEATURE_NAMES}
    assert len(served_rows) == len(mine) > 100
    for served, row in zip(served_rows, mine, strict=True):
        for j, name in enumerate(FEATURE_NAMES):
            value = float(str(row[index[name]]))
            assert math.isclose(served[j], value, rel_tol=1e-5, abs_tol=1e-5), name


def test_exact_sample_count_and_same_rows_whatever_the_workers(tmp_path: Path) -> None:
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    generate_training_csv(one, 3000, seed=5, workers=1)
    generate_training_csv(two, 3000, seed=5, workers=2)
    assert one.read_text() == two.read_text()
    with one.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3000
    assert set(FEATURE_NAMES) <= set(rows[0])
    assert all(float(r["wait_true"]) >= 0 for r in rows)
