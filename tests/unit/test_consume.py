"""The retry boundary: failures are isolated, released, counted and finally poisoned."""

from __future__ import annotations

from collections.abc import Sequence

from stadiumflow.adapters.memory import MemoryGateStore, MemoryQueue
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.ports import MAX_DEQUEUE_COUNT
from stadiumflow.services.consume import ConsumerStats, consume_once
from tests.conftest import reading


class ModelFailingOnGate:
    """A wait model that breaks whenever a given queue length shows up."""

    name = version = "picky"
    is_fallback = False

    def __init__(self, poison_queue: int) -> None:
        self._poison = poison_queue
        self._inner = QueueingWaitModel()

    def predict(self, rows: Sequence[Sequence[float]]) -> list[WaitEstimate]:
        if any(row[0] == self._poison for row in rows):
            raise ValueError("cannot score this gate")
        return self._inner.predict(rows)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bad_message_is_isolated_and_poisoned_while_others_flow():
    clock = Clock()
    queue, store, stats = MemoryQueue(clock=clock), MemoryGateStore(), ConsumerStats()
    model = ModelFailingOnGate(poison_queue=666)
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
