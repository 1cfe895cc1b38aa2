"""One contract for every WaitModel adapter: the queueing formula (chosen, or standing in),
the shipped ONNX model, a model following a model store, and the in-memory fake."""

from __future__ import annotations

import doctest
import math
import random
from collections.abc import Callable

import pytest

from stadiumflow import bootstrap
from stadiumflow.adapters.memory import MemoryModelStore, MemoryWaitModel
from stadiumflow.adapters.memory import models as memory_models
from stadiumflow.adapters.model_reload import StoreFollowingWaitModel
from stadiumflow.adapters.onnx_model import METADATA_FILE, MODEL_FILE, OnnxWaitModel
from stadiumflow.config import Settings
from stadiumflow.domain.features import compute_features
from stadiumflow.domain.health import WaitModelHealth
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.domain.window import WindowPoint
from stadiumflow.ports import WaitModel
from tests.conftest import gate_window


def _shipped() -> WaitModel:
    model = bootstrap.load_wait_model(bootstrap.shipped_model_dir())
    assert not model.is_fallback, model.fallback_reason  # the shipped model must load
    return model


def _following(publish: bool) -> WaitModel:
    store = MemoryModelStore()
    if publish:
        shipped = bootstrap.shipped_model_dir()
        files = {name: (shipped / name).read_bytes() for name in (MODEL_FILE, METADATA_FILE)}
        store.save(OnnxWaitModel.from_files(files).version, files)
    initial = QueueingWaitModel(reason="FileNotFoundError: no model in the image")
    model = StoreFollowingWaitModel(store, OnnxWaitModel.from_files, initial)
    assert model.is_fallback is not publish  # it took the published version at once
    return model


ADAPTERS: dict[str, Callable[[], WaitModel]] = {
    "queueing": QueueingWaitModel,
    "queueing-fallback": lambda: QueueingWaitModel(reason="ModelUnavailable: corrupt"),
    "onnx-shipped": _shipped,
    "following-a-store": lambda: _following(publish=True),
    "following-an-empty-store": lambda: _following(publish=False),
    "memory": MemoryWaitModel,
}


@pytest.fixture(params=sorted(ADAPTERS))
def model(request: pytest.FixtureRequest) -> WaitModel:
    return ADAPTERS[request.param]()


def _windows() -> list[list[WindowPoint]]:
    rng = random.Random(7)
    busy = gate_window(rng, minutes=30)
    surge = gate_window(rng, surge=True, minutes=30)
    empty = [WindowPoint(60.0 * m, 0, 0.0, 0) for m in range(10)]
    stalled = [WindowPoint(60.0 * m, 0 if m > 5 else 30, 4.0, 50 + 20 * m) for m in range(12)]
    return [busy, surge, empty, stalled, busy[:1], surge[:3]]


ROWS = [compute_features(points) for points in _windows()]
"""Feature rows as the worker computes them: busy, surging, empty, stalled, first reading."""


def _close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
    )


def _same(a, b) -> bool:
    return all(_close(x, y) for x, y in zip(a, b, strict=True))


def test_one_estimate_per_row_in_order(model):
    estimates = model.predict(ROWS)
    assert len(estimates) == len(ROWS)
    backwards = model.predict(ROWS[::-1])
    assert all(_same(a, b) for a, b in zip(backwards, estimates[::-1], strict=True))


def test_a_batch_equals_its_rows_one_by_one(model):
    batch = model.predict(ROWS)
    for row, estimate in zip(ROWS, batch, strict=True):
        (alone,) = model.predict([row])
        assert _same(alone, estimate)


def test_waits_are_finite_non_negative_and_inside_their_interval(model):
    for estimate in model.predict(ROWS):
        values = [v for v in estimate if v is not None]
        assert all(math.isfinite(v) and v >= 0.0 for v in values), estimate
        assert (estimate.low is None) == (estimate.high is None)  # an interval has two ends
        if estimate.low is not None and estimate.high is not None:
            assert estimate.low <= estimate.wait <= estimate.high


def test_an_empty_batch_is_an_empty_list(model):
    assert model.predict([]) == []


def test_it_is_named_and_versioned(model):
    assert isinstance(model.name, str) and model.name
    assert isinstance(model.version, str) and model.version


def test_a_fallback_reason_comes_only_with_a_fallback(model):
    reason = model.fallback_reason
    assert reason is None or (isinstance(reason, str) and reason and model.is_fallback)
    if not model.is_fallback:
        assert reason is None


def test_reloading_with_nothing_new_changes_nothing(model):
    name, version, estimates = model.name, model.version, model.predict(ROWS)
    assert model.maybe_reload() is False
    assert (model.name, model.version) == (name, version)
    assert all(_same(a, b) for a, b in zip(model.predict(ROWS), estimates, strict=True))


def test_the_services_report_it_as_a_typed_snapshot(model):
    services = bootstrap.bootstrap(Settings(backend="memory"), model=model)
    health = services.model_health()
    assert health == WaitModelHealth(
        model.name, model.version, model.is_fallback, model.fallback_reason
    )


def test_the_fake_docstring_examples_run():
    assert doctest.testmod(memory_models).failed == 0
