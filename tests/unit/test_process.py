"""Processing: ordering, idempotency, never moving back, history, with in-memory fakes."""

from __future__ import annotations

import random

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.domain.classify import GateState
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.services.process import process_batch
from tests.conftest import BASE_TS, reading


def run(store, readings):
    return process_batch(readings, store=store, model=QueueingWaitModel())


def test_the_newest_reading_sets_the_status():
    store = MemoryGateStore()
    outcome = run(store, [reading("G1", 1, queue=440, count=40), reading("G1", 0, queue=0)])
    (status,) = store.stadium_statuses("AGADIR")
    assert status.queue_length == 440
    assert status.ts == reading("G1", 1).ts
    assert status.state is GateState.RED  # 440 fans / 40 per minute = 11 min
    assert (outcome.applied, outcome.late, outcome.duplicates) == (2, 0, 0)


def test_redelivery_changes_nothing():
    store = MemoryGateStore()
    batch = [reading("G1", m, queue=10 * m) for m in range(5)]
    run(store, batch)
    before = (store.stadium_statuses("AGADIR"), store.history("AGADIR", "G1"))
    outcome = run(store, batch)
    assert outcome.duplicates == 5 and outcome.applied == 0
    assert (store.stadium_statuses("AGADIR"), store.history("AGADIR", "G1")) == before


def test_a_late_reading_is_history_but_never_moves_the_status_back():
    store = MemoryGateStore()
    run(store, [reading("G1", 0), reading("G1", 10, queue=50)])
    outcome = run(store, [reading("G1", 5, queue=999)])
    assert outcome.late == 1
    (status,) = store.stadium_statuses("AGADIR")
    assert status.queue_length == 50
    history = store.history("AGADIR", "G1")
    assert [h.reading.queue_length for h in history] == [80, 999, 50]
    assert [h.late for h in history] == [False, True, False]


def _key(status):
    return (status.gate_id, status.ts, status.queue_length, status.per_minute_count)


def test_any_arrival_order_ends_on_the_newest_reading_with_the_same_history():
    readings = [
        reading(f"G{g}", m, queue=(g * 37 + m * 11) % 300) for g in range(4) for m in range(12)
    ]
    reference = MemoryGateStore()
    run(reference, sorted(readings, key=lambda r: r.ts))
    rng = random.Random(7)
    for _ in range(5):
        shuffled = readings[:]
        rng.shuffle(shuffled)
        store = MemoryGateStore()
        for start in range(0, len(shuffled), 7):  # in several batches, out of order
            run(store, shuffled[start : start + 7])
        got = sorted(map(_key, store.stadium_statuses("AGADIR")))
        assert got == sorted(map(_key, reference.stadium_statuses("AGADIR")))
        for g in range(4):
            got = [h.reading for h in store.history("AGADIR", f"G{g}")]
            assert got == [h.reading for h in reference.history("AGADIR", f"G{g}")]


def test_gates_and_stadiums_do_not_mix():
    store = MemoryGateStore()
    run(
        store,
        [reading("G1", 0, stadium="AGADIR", queue=5), reading("G1", 0, stadium="RABAT", queue=500)],
    )
    assert store.stadium_statuses("AGADIR")[0].queue_length == 5
    assert store.stadium_statuses("RABAT")[0].queue_length == 500


def test_windows_carry_over_between_batches():
    store = MemoryGateStore()
    run(store, [reading("G1", m, count=60) for m in range(5)])
    run(store, [reading("G1", 5, count=0, queue=120)])  # throughput dropped to zero this minute
    (status,) = store.stadium_statuses("AGADIR")
    # The 5-minute mean throughput still remembers the earlier 60/min: 120 / 48 = 2.5 min.
    assert status.wait == 2.5
    assert status.ts == BASE_TS.replace(minute=5)


def test_state_changes_become_control_events():
    store = MemoryGateStore()
    run(store, [reading("G1", 0, queue=10, count=40)])
    run(store, [reading("G1", 1, queue=20, count=40)])  # still green: no event
    run(store, [reading("G1", 2, queue=800, count=40)])  # red
    states = [e for e in store.events("AGADIR") if e.event.kind.value == "state_changed"]
    kinds = [(e.event.kind.value, e.event.after.value) for e in states]
    assert kinds == [("state_changed", "green"), ("state_changed", "red")]
    assert states[-1].event.ts == reading("G1", 2).ts
