"""The retry boundary: failures are isolated, released, counted and finally poisoned."""

from __future__ import annotations

from collections.abc import Sequence

from stadiumflow.adapters.memory import MemoryClock, MemoryGateStore, MemoryQueue, MemoryWaitModel
from stadiumflow.domain.features import wait_base
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.ports import MAX_DEQUEUE_COUNT
from stadiumflow.services.consume import LAG_BUCKETS, ConsumerStats, consume_once
from tests.conftest import reading


def model_failing_on_gate(poison_queue: int) -> MemoryWaitModel:
    """A wait model that breaks whenever a given queue length shows up."""

    def estimate(row: Sequence[float]) -> WaitEstimate:
        if row[0] == poison_queue:
            raise ValueError("cannot score this gate")
        return WaitEstimate(wait_base(row))

    return MemoryWaitModel(estimate, name="picky", version="picky")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bad_message_is_isolated_and_poisoned_while_others_flow():
    clock = Clock()
    queue, store, stats = MemoryQueue(clock=clock), MemoryGateStore(), ConsumerStats()
    model = model_failing_on_gate(poison_queue=666)
    queue.enqueue([reading("G1", 0)])
    queue.enqueue([reading("G2", 0, queue=666)])
    queue.enqueue([reading("G3", 0)])

    consume_once(queue, store, model, stats, max_readings=100, lease_seconds=10)
    assert {s.gate_id for s in store.stadium_statuses("AGADIR")} == {"G1", "G3"}
    assert stats.failures == 1 and "cannot score" in (stats.last_error or "")

    for _ in range(MAX_DEQUEUE_COUNT + 1):
        clock.now += 60
        consume_once(queue, store, model, stats, max_readings=100, lease_seconds=10)
    assert queue.stats().messages == 0
    assert queue.stats().poisoned == 1
    assert stats.failures == MAX_DEQUEUE_COUNT


def test_a_processed_batch_is_acked():
    queue, store, stats = MemoryQueue(), MemoryGateStore(), ConsumerStats()
    queue.enqueue([reading("G1", m) for m in range(3)])
    handled = consume_once(
        queue, store, QueueingWaitModel(), stats, max_readings=100, lease_seconds=10
    )
    assert handled == 1
    assert queue.stats().messages == 0
    assert stats.readings_applied == 3


def test_the_lag_is_timed_on_the_clock_it_is_given():
    clock = MemoryClock()
    queue = MemoryQueue(clock=lambda: clock.now().timestamp())
    store, stats = MemoryGateStore(), ConsumerStats()
    queue.enqueue([reading("G1", 0)])
    clock.advance(2.5)
    consume_once(
        queue, store, MemoryWaitModel(), stats, max_readings=100, lease_seconds=10, clock=clock
    )
    snapshot = stats.snapshot()
    assert snapshot.last_lag_seconds == 2.5
    assert snapshot.last_batch_at == clock.now().timestamp()
    assert snapshot.lag_histogram.counts[LAG_BUCKETS.index(2.5)] == 1
