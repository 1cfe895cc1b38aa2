"""The interval, calibrated per stadium on the waits its fans were seen to have."""

from __future__ import annotations

import pytest

from stadiumflow.adapters.memory import MemoryGateStore, MemoryWaitModel
from stadiumflow.domain.calibration import interval_scale, realised, realised_wait, score
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.domain.window import WindowPoint
from stadiumflow.services.process import process_batch
from tests.conftest import reading

GATES = [f"G{i}" for i in range(1, 11)]


def fixed_model(wait: float, low: float, high: float) -> MemoryWaitModel:
    """Says the same wait and interval whatever the features: what calibration must fix."""
    estimate = WaitEstimate(wait, low, high, wait)
    return MemoryWaitModel(lambda row: estimate, name="fixed", version="fixed")


def steady_day(model: MemoryWaitModel, minutes: int = 30, queue: int = 200, count: int = 20):
    """Ten gates with `queue` waiting and `count` fans through a minute: a wait of
    queue / count minutes, every minute, batch by batch as a stadium reports live."""
    store = MemoryGateStore()
    for minute in range(minutes):
        batch = [reading(g, minute, count=count, queue=queue) for g in GATES]
        process_batch(batch, store=store, model=model)
    return {s.gate_id: s for s in store.stadium_statuses("AGADIR")}


def test_the_wait_a_fan_had_is_read_back_from_the_counts():
    points = [WindowPoint(60.0 * i, 20, 3.0, 200) for i in range(15)]  # 10 minutes' queue
    assert realised_wait(points, 0) == pytest.approx(10.0)
    assert realised_wait(points, 4) == pytest.approx(10.0)  # through at the newest reading
    assert realised_wait(points, 5) is None  # still queueing
    assert [k for k, _ in realised(points)] == [4, 3, 2]  # the newest whose fans are through


@pytest.mark.parametrize("every", [30.0, 120.0])
def test_the_wait_read_back_does_not_depend_on_how_often_a_gate_reports(every: float):
    # Each count is fans through in the minute before its reading, at any cadence.
    points = [WindowPoint(every * i, 20, 3.0, 200) for i in range(int(900 / every))]
    assert realised_wait(points, 0) == pytest.approx(10.0)
    assert all(wait == pytest.approx(10.0) for _, wait in realised(points))


def test_no_wait_is_read_across_a_gap_in_a_gates_readings():
    points = [WindowPoint(60.0 * i, 20, 3.0, 200) for i in range(15)]
    gap = [p._replace(ts=p.ts + 600.0) if i >= 8 else p for i, p in enumerate(points)]
    assert realised_wait(points, 2) == pytest.approx(10.0)
    assert [k for k, _ in realised(gap, limit=10)] == []  # 6 readings since: none through


def test_a_wide_interval_narrows_where_fans_waited_as_predicted():
    statuses = steady_day(fixed_model(10.0, 4.0, 20.0))
    for status in statuses.values():
        assert status.wait == 10.0
        assert status.wait_low is not None and status.wait_high is not None
        assert status.wait_high - status.wait_low < 16.0 / 2  # narrower than the model's
        assert status.wait_low <= 10.0 <= status.wait_high  # and still holds the wait


def test_a_narrow_interval_widens_where_fans_waited_longer():
    statuses = steady_day(fixed_model(8.0, 7.5, 8.5))  # they wait 10 minutes
    for status in statuses.values():  # 4 half-widths up: the most it stretches
        assert status.wait_high is not None and status.wait_high == pytest.approx(10.0)


def test_gates_posting_one_by_one_are_calibrated_too():
    """Batches of one gate each: each reads more of its own realised waits."""
    store = MemoryGateStore()
    model = fixed_model(10.0, 4.0, 20.0)
    for minute in range(30):
        for g in GATES:
            process_batch([reading(g, minute, count=20, queue=200)], store=store, model=model)
    for status in store.stadium_statuses("AGADIR"):
        assert status.wait_low is not None and status.wait_high is not None
        assert status.wait_high - status.wait_low < 16.0 / 2
        assert status.calibrated_at == status.ts  # from this very batch


def test_a_quiet_stadium_keeps_the_model_interval():
    statuses = steady_day(fixed_model(1.0, 0.5, 2.0), queue=10, count=20)  # half a minute
    assert {(s.wait_low, s.wait_high) for s in statuses.values()} == {(0.5, 2.0)}


def test_scores_and_scale():
    estimate = WaitEstimate(10.0, 8.0, 14.0)
    assert score(12.0, estimate) == pytest.approx(0.5)  # half-way to the upper bound
    assert score(6.0, estimate) == pytest.approx(2.0)  # twice the lower half-width out
    assert interval_scale([2.0] * 20) == 2.0
    assert interval_scale([9.0] * 20) == 4.0  # bounded
    assert interval_scale([1.0] * 3) is None  # too few to say
