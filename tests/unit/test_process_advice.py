"""The planner in the worker: advice lands in statuses, changes become events once."""

from __future__ import annotations

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.services.process import process_batch
from tests.conftest import reading


def minute(store, m, busy_queue):
    batch = [
        reading("G1", m, count=40, seconds=6.0, queue=busy_queue),
        reading("G2", m, count=20, seconds=3.0, queue=0),
        reading("G3", m, count=20, seconds=3.0, queue=0),
    ]
    process_batch(batch, store=store, model=QueueingWaitModel())


def advice_events(store):
    return [
        e.event
        for e in store.events("AGADIR")
        if e.event.kind.value == "advice_changed" and e.event.gate_id is not None
    ]


def test_advice_appears_in_the_status_and_is_published_on_change_only():
    store = MemoryGateStore()
    for m in range(6):
        minute(store, m, busy_queue=600 + 40 * m)
    statuses = {s.gate_id: s for s in store.stadium_statuses("AGADIR")}
    rec = statuses["G1"].recommendation
    assert rec is not None and rec.to_gate_id in {"G2", "G3"}
    assert statuses["G2"].recommendation is None
    events = advice_events(store)
    assert 1 <= len(events) <= 3  # started once, not republished every minute
    assert events[-1].advice.to_gate_id == rec.to_gate_id


def test_advice_ends_with_an_event_when_the_queue_is_gone():
    store = MemoryGateStore()
    for m in range(6):
        minute(store, m, busy_queue=600)
    for m in range(6, 12):
        minute(store, m, busy_queue=0)
    statuses = {s.gate_id: s for s in store.stadium_statuses("AGADIR")}
    assert statuses["G1"].recommendation is None
    assert advice_events(store)[-1].advice is None
