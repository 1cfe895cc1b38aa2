"""Training, ONNX export and the serving adapter on a small synthetic queue data set."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stadiumflow.adapters.onnx_model import METADATA_FILE, MODEL_FILE, OnnxWaitModel
from stadiumflow.domain.errors import ModelUnavailable
from stadiumflow.domain.features import FEATURE_NAMES, compute_features
from stadiumflow.domain.window import GateWindow, WindowPoint
from stadiumflow.entrypoints.tools import ml as cli_ml
from stadiumflow.training import train as train_module
from stadiumflow.training.dataset import TrainingData
from stadiumflow.training.metrics import score
from stadiumflow.training.train import TrainedModel, train

ROUNDS = {"rounds": 40, "interval_rounds": 15, "forecast_rounds": 25}


def synthetic(days: int = 12, minutes: int = 60, seed: int = 3) -> TrainingData:
    """Gates whose true wait is queue / capacity, observed through noisy counts."""
    rng = np.random.default_rng(seed)
    rows, wait, ahead, day_ids, incident = [], [], [], [], []
    for day in range(days):
        capacity = rng.uniform(10, 60)
        queue = 0.0
        window = GateWindow()
        waits = []
        start = len(rows)
        for minute in range(minutes):
            arrivals = capacity * (0.5 + 1.2 * np.sin(np.pi * minute / minutes))
            served = min(capacity, queue + arrivals)
            queue = max(queue + arrivals - served, 0.0)
            count = int(rng.poisson(served))
            window.add(WindowPoint(minute * 60.0, count, 3.0, int(rng.poisson(queue))))
            rows.append(compute_features(window.points))
            waits.append(queue / capacity)
            day_ids.append(f"d{day}")
            incident.append("surge" if minute % 17 == 0 else "")
        wait += waits
        ahead += [waits[min(i + 15, minutes - 1)] for i in range(minutes)]
        assert len(rows) - start == minutes
    n = len(rows)
    return TrainingData(
        np.array(rows),
        np.array(wait),
        np.array(ahead),
        np.array(day_ids),
        np.array(["S"] * n),
        np.array(incident),
        np.full(n, 4.0),
    )


@pytest.fixture(scope="module")
def trained() -> TrainedModel:
    return train(synthetic(), seed=1, **ROUNDS)


def test_export_matches_lightgbm_and_metadata_is_complete(trained):
    meta = trained.metadata
    assert meta["exportMaxDifferenceMinutes"] < 1e-3
    assert meta["features"] == list(FEATURE_NAMES)
    held = meta["metrics"]["heldOut"]
    assert {"model", "forecast15", "baselineQueueOverThroughput", "baselineQueueTimesService"} <= (
        held.keys()
    )
    assert held["model"]["mae"] < held["baselineQueueOverThroughput"]["mae"]
    assert 0 <= held["model"]["coverage_10_90"] <= 1


def test_training_is_reproducible_from_its_seed_and_reports_every_round(trained):
    rounds = []
    again = train(synthetic(), seed=1, **ROUNDS, on_round=lambda: rounds.append(1))
    assert again.metadata["version"] == trained.metadata["version"]
    assert again.model_bytes == trained.model_bytes
    assert len(rounds) == 40 + 2 * 15 + 25


def test_metadata_lists_the_rounds_of_each_output(trained):
    assert trained.metadata["lightgbm"]["rounds"] == {
        "wait": 40,
        "wait_low": 15,
        "wait_high": 15,
        "wait_in_15": 25,
    }


def test_cli_defaults_are_the_training_defaults():
    assert cli_ml.ROUNDS == train_module.ROUNDS
    assert cli_ml.INTERVAL_ROUNDS == train_module.INTERVAL_ROUNDS
    assert cli_ml.FORECAST_ROUNDS == train_module.FORECAST_ROUNDS


def test_coverage_at_peak_ignores_the_empty_queues_any_interval_holds():
    truth = np.array([0.0, 0.0, 0.0, 0.0, 8.0, 12.0])
    low, high = np.zeros(6), np.array([0.0, 0.0, 0.0, 0.0, 9.0, 11.0])
    s = score(truth, truth, np.array([""] * 6), low, high)
    assert s.coverage_10_90 == pytest.approx(5 / 6)
    assert s.coverage_peak == pytest.approx(0.5)
    assert score(truth, truth, np.array([""] * 6)).coverage_peak is None


def test_predictions_are_ordered_and_batched(trained):
    model = OnnxWaitModel.from_files(trained.files())
    rows = synthetic(days=1).features[:50].tolist()
    estimates = model.predict(rows)
    assert len(estimates) == 50
    for e in estimates:
        assert e.low is not None and e.high is not None and e.in_15 is not None
        assert 0 <= e.low <= e.wait <= e.high
    assert model.predict([]) == []


def test_a_model_for_other_features_is_refused(trained):
    files = trained.files()
    meta = json.loads(files[METADATA_FILE])
    meta["features"] = [*meta["features"][:-1], "kickoff_hour"]
    with pytest.raises(ModelUnavailable, match="other features"):
        OnnxWaitModel.from_files({**files, METADATA_FILE: json.dumps(meta).encode()})


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: {**f, MODEL_FILE: f[MODEL_FILE][:1000]},
        lambda f: {**f, MODEL_FILE: b"not a model"},
        lambda f: {**f, METADATA_FILE: b"{broken"},
        lambda f: {MODEL_FILE: f[MODEL_FILE]},
    ],
    ids=["truncated", "garbage", "bad-metadata", "no-metadata"],
)
def test_a_corrupt_model_raises_a_typed_error(trained, damage):
    with pytest.raises(ModelUnavailable):
        OnnxWaitModel.from_files(damage(trained.files()))
