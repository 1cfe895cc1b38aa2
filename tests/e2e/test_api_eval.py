"""A match day scored through the HTTP API says what the in-process evaluation says."""

from __future__ import annotations

import numpy as np

from stadiumflow.bootstrap import load_wait_model, shipped_model_dir
from stadiumflow.entrypoints.api_eval import ApiRunner
from stadiumflow.training.evaluate import (
    DayOutputs,
    evaluate,
    evaluate_cross_check,
    through_worker,
)


def by_gate_minute(out: DayOutputs, name: str) -> dict[tuple[str, object], float]:
    return dict(zip(zip(out.gate, out.ts, strict=True), out.array(name), strict=True))


def test_a_day_through_the_api_reads_as_it_does_in_process(server):
    model = load_wait_model(shipped_model_dir())
    api = ApiRunner.at(server.url)
    over_http, by_api, _ = evaluate_cross_check(api, 1)
    in_process, by_worker, _ = evaluate_cross_check(through_worker(model), 1)
    assert api.posting.rejected == 0 and api.stale_minutes == 0
    assert api.model_version() == model.version
    # Every gate-minute was read back from the status, at the reading it was posted with.
    assert over_http["gateMinutes"] == in_process["gateMinutes"] > 1000
    keys = set(zip(by_worker.gate, by_worker.ts, strict=True))
    assert set(zip(by_api.gate, by_api.ts, strict=True)) == keys
    # The same waits, to the API's 0.01 min; intervals that hold all they held in process.
    for name, agrees in (
        ("wait", lambda http, worker: abs(http - worker) <= 0.005 + 1e-9),
        ("low", lambda http, worker: http <= worker),
        ("high", lambda http, worker: http >= worker),
    ):
        http, worker = by_gate_minute(by_api, name), by_gate_minute(by_worker, name)
        wrong = [k for k in keys if not agrees(http[k], worker[k])]
        assert not wrong, (name, wrong[:3])
    assert over_http["anomalies"] == in_process["anomalies"]
    assert np.isclose(over_http["model"]["mae_peak"], in_process["model"]["mae_peak"], atol=0.005)


def test_our_jittery_sensors_read_the_same_through_the_api(server):
    """SimPy days: readings at odd milliseconds, drop-outs, two in one minute at times."""
    model = load_wait_model(shipped_model_dir())
    api = ApiRunner.at(server.url)
    over_http, by_api, _ = evaluate(api, 1)
    in_process, by_worker, _ = evaluate(through_worker(model), 1)
    assert api.posting.rejected == 0 and api.stale_minutes == 0
    keys = set(zip(by_worker.gate, by_worker.ts, strict=True))
    shown = set(zip(by_api.gate, by_api.ts, strict=True))
    assert shown <= keys and len(shown) > 0.95 * len(keys)  # the newest of a minute only
    http, worker = by_gate_minute(by_api, "wait"), by_gate_minute(by_worker, "wait")
    assert all(abs(http[k] - worker[k]) <= 0.005 + 1e-9 for k in shown)
    assert over_http["anomalies"] == in_process["anomalies"]
