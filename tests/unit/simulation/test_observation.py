"""Readings and truth on cases small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pytest

from stadiumflow.domain.layout import GateLayout, SectorLayout, StadiumLayout
from stadiumflow.simulation.matchday import run_match_day
from stadiumflow.simulation.params import (
    IncidentKind,
    IncidentSpec,
    MatchDayParams,
    SensorSpec,
    ServiceFamily,
    ServiceSpec,
)
from stadiumflow.simulation.results import ObservedMinute

EXACT = SensorSpec(queue_rel_noise=0.0, queue_abs_noise=0.0)


def one_gate(lanes: int = 1) -> StadiumLayout:
    gates = (GateLayout("G1", lanes, ("S",), 0.0), GateLayout("G2", lanes, ("S",), 180.0))
    return StadiumLayout("TEST", "Test", gates, (SectorLayout("S", 100),), 10.0)


def run(
    arrivals: list[float], service: float, lanes: int = 1, **kw: object
) -> list[ObservedMinute]:
    options: dict[str, object] = {"incidents": (), **kw}
    params = MatchDayParams(
        open_minutes_before=5.0,
        observe_minutes_after=0.0,
        default_sensor=EXACT,
        gate_services={
            g: ServiceSpec(ServiceFamily.DETERMINISTIC, service, 0.0) for g in ("G1", "G2")
        },
        **options,  # type: ignore[arg-type]
    )
    times = {"G1": np.array(arrivals), "G2": np.array([])}
    result = run_match_day(one_gate(lanes), params, seed=1, arrivals=times)
    return [m for m in result.minutes if m.reading.gate_id == "G1"]


def test_completion_at_ts_counts_and_fan_in_service_is_not_queueing() -> None:
    # Fan 1 is served 40 s -> 60 s (ends exactly at ts = 60), fan 2 60 s -> 80 s.
    minutes = run([40.0, 41.0], service=20.0)
    first, second = minutes[0], minutes[1]
    assert first.reading.ts.second == 0 and first.reading.per_minute_count == 1
    assert first.reading.avg_processing_time == 20.0
    assert first.reading.queue_length == 0  # fan 2 started at 60 s: in service, not waiting
    assert (second.reading.per_minute_count, second.reading.queue_length) == (1, 0)


def test_queue_counts_and_truth_on_a_backlog() -> None:
    # One lane, 20 s each; joins at 61..64 s: starts 61, 81, 101, 121 -> waits 0, 19, 38, 57 s.
    minutes = run([61.0, 62.0, 63.0, 64.0], service=20.0)
    at60, at120, at180 = minutes[0], minutes[1], minutes[2]
    assert at60.wait_true == pytest.approx((0 + 19 + 38 + 57) / 4 / 60)
    assert (at60.reading.per_minute_count, at60.reading.queue_length) == (0, 0)
    # (60, 120]: completions at 81 and 101; at 120 fan 4 (starts 121) is still waiting.
    assert (at120.reading.per_minute_count, at120.reading.queue_length) == (2, 1)
    assert at120.reading.avg_processing_time == 20.0
    assert (at180.reading.per_minute_count, at180.reading.queue_length) == (2, 0)
    assert at180.wait_true == 0.0  # nobody joins after: an idle gate
    assert minutes[0].wait_true_in_15 == 0.0


def test_stuck_sensor_freezes_the_queue_and_dropout_silences_the_gate() -> None:
    arrivals = list(np.linspace(10.0, 290.0, 600))  # ~2 fans/s into one 10 s lane: a growing queue
    incidents = (
        IncidentSpec(IncidentKind.STUCK_SENSOR, "G1", start_minute=-3.5, duration_minutes=2.0),
        IncidentSpec(IncidentKind.DROPOUT, "G1", start_minute=-1.5, duration_minutes=1.0),
    )
    params = MatchDayParams(
        open_minutes_before=5.0,
        observe_minutes_after=0.0,
        default_sensor=EXACT,
        gate_services={
            g: ServiceSpec(ServiceFamily.DETERMINISTIC, 10.0, 0.0) for g in ("G1", "G2")
        },
        incidents=incidents,
    )
    result = run_match_day(one_gate(), params, seed=1, arrivals={"G1": np.array(arrivals)})
    g1 = [m for m in result.minutes if m.reading.gate_id == "G1"]
    # ticks at 1..5 min after opening = -4..0 relative to kickoff
    assert [m.reported for m in g1] == [True, True, True, False, True]
    assert g1[1].reading.queue_length == g1[0].reading.queue_length  # frozen at the last report
    assert g1[2].reading.queue_length == g1[0].reading.queue_length
    assert g1[2].queue_true > g1[0].queue_true  # while the real queue grew
    assert g1[1].incident == "stuck_sensor" and g1[3].incident == "dropout"
    assert g1[4].reading.queue_length == g1[4].queue_true


def test_turnstile_failure_takes_most_lanes_down_for_its_window() -> None:
    failure = IncidentSpec(IncidentKind.TURNSTILE_FAILURE, "G1", -3.5, 2.0, magnitude=0.75)
    minutes = run([30.0 + i for i in range(200)], service=3.0, lanes=4, incidents=(failure,))
    assert [m.lanes_open for m in minutes] == [4, 1, 1, 4, 4]
    assert 18 <= minutes[2].reading.per_minute_count <= 20  # one lane at 3 s: 20 a minute
