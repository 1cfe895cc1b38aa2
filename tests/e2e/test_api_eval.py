"""A match day scored through the HTTP API says what the in-process evaluation says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stadiumflow.bootstrap import load_wait_model, shipped_model_dir
from stadiumflow.entrypoints.tools.api_eval import ApiRunner
from stadiumflow.training.evaluate import (
    DayOutputs,
    DayRunner,
    evaluate,
    evaluate_cross_check,
    through_worker,
)

Scored = tuple[dict[str, Any], DayOutputs]


def both_ways(
    url: str, score: Callable[[DayRunner, int], tuple[Any, ...]]
) -> tuple[Scored, Scored]:
    """Day 0 scored through the server at ``url``, then in process: (report, outputs) each."""
    api = ApiRunner.at(url)
    over_http, by_api, *_ = score(api, 1)
    assert api.posting.rejected == 0 and api.stale_minutes == 0
    in_process, by_worker, *_ = score(through_worker(load_wait_model(shipped_model_dir())), 1)
    return (over_http, by_api), (in_process, by_worker)


def by_gate_minute(out: DayOutputs, name: str) -> dict[tuple[str, object], float]:
    return dict(zip(zip(out.gate, out.ts, strict=True), out.array(name), strict=True))


def keys(out: DayOutputs) -> set[tuple[str, object]]:
    return set(zip(out.gate, out.ts, strict=True))


def test_a_day_through_the_api_reads_as_it_does_in_process(server):
    (over_http, by_api), (in_process, by_worker) = both_ways(server.url, evaluate_cross_check)
    assert ApiRunner.at(server.url).model_version() == (
        load_wait_model(shipped_model_dir()).version
    )
    # Every gate-minute was read back from the status, at the reading it was posted with.
    assert over_http["gateMinutes"] == in_process["gateMinutes"] > 1000
    assert keys(by_api) == keys(by_worker)
    # The same waits, to the API's 0.01 min; intervals that hold all they held in process.
    for name, agrees in (
        ("wait", lambda http, worker: abs(http - worker) <= 0.005 + 1e-9),
        ("low", lambda http, worker: http <= worker),
        ("high", lambda http, worker: http >= worker),
    ):
        http, worker = by_gate_minute(by_api, name), by_gate_minute(by_worker, name)
        wrong = [k for k in keys(by_worker) if not agrees(http[k], worker[k])]
        assert not wrong, (name, wrong[:3])
    assert over_http["anomalies"] == in_process["anomalies"]
    assert np.isclose(over_http["model"]["mae_peak"], in_process["model"]["mae_peak"], atol=0.005)


def test_our_jittery_sensors_read_the_same_through_the_api(server):
    """SimPy days: readings at odd milliseconds, drop-outs, two in one minute at times."""
    (over_http, by_api), (in_process, by_worker) = both_ways(server.url, evaluate)
    shown = keys(by_api)
    assert shown <= keys(by_worker) and len(shown) > 0.95 * len(keys(by_worker))
    http, worker = by_gate_minute(by_api, "wait"), by_gate_minute(by_worker, "wait")
    assert all(abs(http[k] - worker[k]) <= 0.005 + 1e-9 for k in shown)
    assert over_http["anomalies"] == in_process["anomalies"]
