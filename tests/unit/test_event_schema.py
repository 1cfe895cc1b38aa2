"""What the control feed and the advice route send is what the OpenAPI description says.

Every event kind, and a stadium's advice, are encoded the way the feed and the route
encode them and validated against the served description's schemas, so the schemas
cannot drift from the wire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jsonschema_rs
import msgspec
import pytest

from stadiumflow.adapters.event_codec import decode_events, event_out
from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.domain.advice import LaneAdvice
from stadiumflow.domain.classify import GateState
from stadiumflow.domain.events import (
    AdviceChanged,
    AnomalyEnded,
    AnomalyStarted,
    ControlEvent,
    LaneAdviceChanged,
    StateChanged,
    StoredEvent,
)
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.domain.recommendation import Recommendation
from stadiumflow.entrypoints.http.openapi import openapi_document
from stadiumflow.entrypoints.wire import advice_out
from stadiumflow.services.process import process_batch
from tests.conftest import BASE_TS, reading

ADVICE = Recommendation("G1", "G3", 0.35, 3.04, 7.96)
EVENTS: list[ControlEvent] = [
    StateChanged("AGADIR", "G1", BASE_TS, None, GateState.GREEN, 0.123),
    StateChanged("AGADIR", "G1", BASE_TS, GateState.YELLOW, GateState.RED, 10.456),
    AnomalyStarted("AGADIR", "G1", BASE_TS, "surge", 4.12345),
    AnomalyEnded("AGADIR", "G1", BASE_TS, "surge"),
    AdviceChanged("AGADIR", "G1", BASE_TS, ADVICE),
    AdviceChanged("AGADIR", "G1", BASE_TS, None),
    LaneAdviceChanged("AGADIR", BASE_TS, LaneAdvice("G2", 123.4, "G5")),
    LaneAdviceChanged("AGADIR", BASE_TS, None),
]


def validator(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    document = openapi_document()
    return jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]})


def event_schema() -> dict[str, Any]:
    stream = openapi_document()["paths"]["/api/flow/events"]["get"]["responses"]["200"]
    return dict(stream["content"]["text/event-stream"]["x-event-data"]["control"])


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_kind_matches_the_described_schema_and_reads_back(event: ControlEvent):
    encoded = msgspec.json.encode([event_out(StoredEvent(7, event))])
    (message,) = msgspec.json.decode(encoded)
    assert message["kind"] == event.kind.value and message["gateId"] == event.gate_id
    validator(event_schema()).validate(message)
    (back,) = decode_events(encoded)
    assert back.id == 7 and type(back.event) is type(event)


def test_the_feed_rounds_for_people_and_the_described_schema_refuses_a_stray_shape():
    data = msgspec.to_builtins(event_out(StoredEvent(1, EVENTS[4])))["data"]
    assert data["advice"] == {
        "toGateId": "G3",
        "share": 0.35,
        "walkMinutes": 3.0,
        "expectedSavingMinutes": 8.0,
        "message": "Gate G1 busy: use Gate G3 (3 min walk)",
    }
    stray = {"kind": "state_changed", "id": 1, "stadiumId": "A", "gateId": "G1",
             "ts": "2025-07-14T17:00:00Z", "data": {"to": "red"}}  # fmt: skip
    assert not validator(event_schema()).is_valid(stray)


def test_a_stadiums_advice_matches_the_described_schema():
    store = MemoryGateStore()
    for m in range(6):  # a busy gate beside two calm ones: the planner advises
        process_batch(
            [
                reading("G1", m, count=40, seconds=6.0, queue=600 + 40 * m),
                reading("G2", m, count=20, seconds=3.0, queue=0),
                reading("G3", m, count=20, seconds=3.0, queue=0),
            ],
            store=store,
            model=QueueingWaitModel(),
        )
    document = msgspec.to_builtins(advice_out("AGADIR", store.stadium_statuses("AGADIR")))
    assert document["redirects"] and document["redirects"][0]["fromGateId"] == "G1"
    schema = openapi_document()["paths"]["/api/flow/advice"]["get"]["responses"]["200"]
    validator(dict(schema["content"]["application/json"]["schema"])).validate(document)
    published = [e.event for e in store.events("AGADIR") if isinstance(e.event, AdviceChanged)]
    assert published and published[0].ts - BASE_TS < timedelta(minutes=6)
