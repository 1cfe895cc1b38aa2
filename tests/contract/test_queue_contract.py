"""One contract for every InflowQueue adapter: the backends cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stadiumflow.adapters.memory import MemoryQueue
from stadiumflow.adapters.sqlite.queue import SqliteQueue
from stadiumflow.ports import MAX_DEQUEUE_COUNT, InflowQueue
from tests.conftest import reading


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


QueueFactory = Callable[[FakeTime], InflowQueue]


def _memory(tmp_path: Path) -> QueueFactory:
    return lambda clock: MemoryQueue(clock=clock)


def _sqlite(tmp_path: Path) -> QueueFactory:
    return lambda clock: SqliteQueue(tmp_path / "queue.sqlite3", clock=clock)


def _azure(tmp_path: Path) -> QueueFactory:
    from tests.azure.backends import azure_queue

    return lambda clock: azure_queue()


BACKENDS = {"memory": _memory, "sqlite": _sqlite, "azure": _azure}
REAL_TIME = {"azure"}  # leases run on the service's clock: the fake clock sleeps instead
AZURE_SKIPS = {
    "test_a_leased_message_is_invisible_until_the_lease_expires": (
        "30 s lease on real time; lease expiry is covered by the stale-receipt test"
    ),
    "test_a_message_failing_every_time_goes_to_poison": (
        "Azure queues order by visibility time, so a released message comes back after"
        " newer ones; poisoning is covered by tests/azure/test_queue_azure.py"
    ),
}


@pytest.fixture(
    params=[
        pytest.param(name, marks=pytest.mark.azure) if name in REAL_TIME else name
        for name in sorted(BACKENDS)
    ]
)
def make_queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QueueFactory]:
    reason = AZURE_SKIPS.get(request.node.originalname)
    if request.param == "azure" and reason:
        pytest.skip(reason)
    yield BACKENDS[request.param](tmp_path)


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> FakeTime:
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("make_queue") in REAL_TIME:
        from tests.azure.backends import SleepingTime

        return SleepingTime()  # type: ignore[return-value]
    return FakeTime()


def test_enqueue_then_claim_returns_the_readings_in_order(make_queue, clock):
    queue = make_queue(clock)
    first = [reading("G1", 0), reading("G2", 0)]
    second = [reading("G1", 1)]
    queue.enqueue(first)
    queue.enqueue(second)
    messages = queue.claim(100, lease_seconds=30)
    assert [m.readings for m in messages] == [first, second]
    assert all(m.dequeue_count == 1 for m in messages)


def test_a_leased_message_is_invisible_until_the_lease_expires(make_queue, clock):
    queue = make_queue(clock)
    queue.enqueue([reading()])
    assert len(queue.claim(10, lease_seconds=30)) == 1
    assert queue.claim(10, lease_seconds=30) == []
    clock.now += 31
    again = queue.claim(10, lease_seconds=30)
    assert len(again) == 1
    assert again[0].dequeue_count == 2


def test_ack_deletes_and_a_stale_receipt_does_not(make_queue, clock):
    queue = make_queue(clock)
    queue.enqueue([reading()])
    (stale,) = queue.claim(10, lease_seconds=5)
    clock.now += 6
    (fresh,) = queue.claim(10, lease_seconds=5)
    queue.ack([stale])  # the lease was lost: the message stays
    assert queue.stats().messages == 1
    queue.ack([fresh])
    assert queue.stats().messages == 0


def test_release_makes_the_message_visible_after_the_delay(make_queue, clock):
    queue = make_queue(clock)
    queue.enqueue([reading()])
    (message,) = queue.claim(10, lease_seconds=30)
    queue.release(message, "boom", retry_after=2)
    assert queue.claim(10, lease_seconds=30) == []
    clock.now += 2
    assert len(queue.claim(10, lease_seconds=30)) == 1


def test_a_message_failing_every_time_goes_to_poison(make_queue, clock):
    queue = make_queue(clock)
    queue.enqueue([reading("G1")])
    queue.enqueue([reading("G2")])
    for _ in range(MAX_DEQUEUE_COUNT):
        claimed = queue.claim(1, lease_seconds=30)
        assert [m.readings[0].gate_id for m in claimed] == ["G1"]
        queue.release(claimed[0], "ValueError: bad", retry_after=0)
    claimed = queue.claim(1, lease_seconds=30)
    assert [m.readings[0].gate_id for m in claimed] == ["G2"]
    stats = queue.stats()
    assert stats.poisoned == 1
    (poisoned,) = queue.poisoned()
    assert poisoned.dequeue_count == MAX_DEQUEUE_COUNT
    assert poisoned.last_error == "ValueError: bad"


def test_claim_respects_the_reading_budget_but_returns_at_least_one(make_queue, clock):
    queue = make_queue(clock)
    queue.enqueue([reading("G1", m) for m in range(10)])
    queue.enqueue([reading("G2", m) for m in range(10)])
    first = queue.claim(5, lease_seconds=30)
    assert len(first) == 1 and len(first[0].readings) == 10
    second = queue.claim(25, lease_seconds=30)
    assert len(second) == 1


def test_stats_count_messages_readings_and_age(make_queue, clock):
    queue = make_queue(clock)
    assert queue.stats().oldest_enqueued_at is None
    queue.enqueue([reading("G1"), reading("G2")])
    clock.now += 5
    queue.enqueue([reading("G3")])
    stats = queue.stats()
    assert (stats.messages, stats.readings, stats.poisoned) == (2, 3, 0)
    assert stats.oldest_enqueued_at == pytest.approx(clock.now - 5)


def test_timestamps_survive_the_round_trip_exactly(make_queue, clock):
    from datetime import timedelta

    queue = make_queue(clock)
    odd = reading(minute=0.123456)
    odd = type(odd)(odd.stadium_id, odd.gate_id, odd.ts + timedelta(microseconds=7), 1, 2.5, 3)
    queue.enqueue([odd])
    (message,) = queue.claim(10, lease_seconds=30)
    assert message.readings == [odd]


def test_sqlite_queue_survives_reopening(tmp_path, clock):
    path = tmp_path / "queue.sqlite3"
    SqliteQueue(path, clock=clock).enqueue([reading()])
    reopened = SqliteQueue(path, clock=clock)
    assert [m.readings for m in reopened.claim(10, 30)] == [[reading()]]


def test_enqueue_many_stores_every_request(make_queue, clock):
    queue = make_queue(clock)
    batches = [[reading("G1", 0)], [reading("G2", 0), reading("G3", 0)]]
    queue.enqueue_many(batches)
    claimed = [r for m in queue.claim(100, lease_seconds=30) for r in m.readings]
    assert sorted(claimed) == sorted(r for b in batches for r in b)
