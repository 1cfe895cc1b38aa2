"""Control events and advice as the control feed writes them: camelCase JSON, rounded.

One schema for every place an event leaves the core: the SQLite and Azure event logs,
the ``gates-control`` queue, the SSE feed, and the OpenAPI description (generated from
these types). Each message is ``{"kind", "id", "stadiumId", "gateId", "ts", "data"}``,
tagged by ``kind``; ``data`` has one shape per kind. Stored statuses keep their advice
unrounded (:func:`recommendation_doc`), and a reader of older documents finds the same keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from stadiumflow.domain.advice import LaneAdvice
from stadiumflow.domain.classify import GateState
from stadiumflow.domain.events import (
    AdviceChanged,
    AnomalyEnded,
    AnomalyStarted,
    ControlEvent,
    EventKind,
    LaneAdviceChanged,
    StateChanged,
    StoredEvent,
)
from stadiumflow.domain.recommendation import Recommendation

UNSET = msgspec.UNSET


class RecommendationOut(msgspec.Struct, rename="camel"):
    """Redirection advice at a gate: send `share` of its arriving fans to `toGateId`."""

    to_gate_id: str
    share: float
    walk_minutes: float
    expected_saving_minutes: float
    message: str


class LaneAdviceOut(msgspec.Struct, rename="camel"):
    """Where one more open lane (or a steward moved from `fromGateId`) saves the most waiting."""

    gate_id: str
    from_gate_id: str | None
    saving_fan_minutes: int
    message: str


class StateChangedData(msgspec.Struct):
    from_: str | None = msgspec.field(name="from")
    to: str
    wait: float


class AnomalyStartedData(msgspec.Struct):
    kind: str
    score: float


class AnomalyEndedData(msgspec.Struct):
    kind: str | None


class AdviceChangedData(msgspec.Struct, omit_defaults=True):
    """`advice` for a gate's redirection (null: withdrawn); `lanes` for the stadium's lane
    advice (an event without `gateId`; null: withdrawn)."""

    advice: RecommendationOut | msgspec.UnsetType | None = UNSET
    lanes: LaneAdviceOut | msgspec.UnsetType | None = UNSET


class _EventOut(msgspec.Struct, rename="camel", tag_field="kind"):
    id: int
    stadium_id: str
    gate_id: str | None
    ts: datetime


class StateChangedOut(_EventOut, tag=EventKind.STATE_CHANGED.value):
    data: StateChangedData


class AnomalyStartedOut(_EventOut, tag=EventKind.ANOMALY_STARTED.value):
    data: AnomalyStartedData


class AnomalyEndedOut(_EventOut, tag=EventKind.ANOMALY_ENDED.value):
    data: AnomalyEndedData


class AdviceChangedOut(_EventOut, tag=EventKind.ADVICE_CHANGED.value):
    data: AdviceChangedData


ControlEventOut = StateChangedOut | AnomalyStartedOut | AnomalyEndedOut | AdviceChangedOut
EventData = StateChangedData | AnomalyStartedData | AnomalyEndedData | AdviceChangedData
_DATA: dict[str, type[EventData]] = {
    EventKind.STATE_CHANGED: StateChangedData,
    EventKind.ANOMALY_STARTED: AnomalyStartedData,
    EventKind.ANOMALY_ENDED: AnomalyEndedData,
    EventKind.ADVICE_CHANGED: AdviceChangedData,
}
_events_decoder = msgspec.json.Decoder(list[ControlEventOut])


def recommendation_out(r: Recommendation) -> RecommendationOut:
    return RecommendationOut(
        r.to_gate_id,
        r.share,
        round(r.walk_minutes, 1),
        round(r.expected_saving_minutes, 1),
        r.message,
    )


def lane_advice_out(lanes: LaneAdvice) -> LaneAdviceOut:
    return LaneAdviceOut(
        lanes.gate_id, lanes.from_gate_id, round(lanes.saving_fan_minutes), lanes.message
    )


def event_data(e: ControlEvent) -> EventData:
    """The ``data`` of an event on the feed."""
    if isinstance(e, StateChanged):
        before = e.before.value if e.before is not None else None
        return StateChangedData(before, e.after.value, round(e.wait, 2))
    if isinstance(e, AnomalyStarted):
        return AnomalyStartedData(e.anomaly_kind, round(e.score, 3))
    if isinstance(e, AnomalyEnded):
        return AnomalyEndedData(e.anomaly_kind)
    if isinstance(e, AdviceChanged):
        return AdviceChangedData(advice=recommendation_out(e.advice) if e.advice else None)
    return AdviceChangedData(lanes=lane_advice_out(e.lanes) if e.lanes else None)


def event_out(stored: StoredEvent) -> ControlEventOut:
    e = stored.event
    head = (stored.id, e.stadium_id, e.gate_id, e.ts)
    data = event_data(e)
    if isinstance(data, StateChangedData):
        return StateChangedOut(*head, data=data)
    if isinstance(data, AnomalyStartedData):
        return AnomalyStartedOut(*head, data=data)
    if isinstance(data, AnomalyEndedData):
        return AnomalyEndedOut(*head, data=data)
    return AdviceChangedOut(*head, data=data)


def encode_data(e: ControlEvent) -> bytes:
    return msgspec.json.encode(event_data(e))


def event_of(
    kind: str, stadium_id: str, gate_id: str | None, ts: datetime, data: Any
) -> ControlEvent:
    """The domain event back from a stored ``kind`` and ``data`` (bytes, str or a dict)."""
    raw = msgspec.json.decode(data) if isinstance(data, bytes | str) else data
    decoded = msgspec.convert(raw, _DATA[kind])
    return _from_data(stadium_id, gate_id, ts, decoded)


def decode_events(payload: bytes | str) -> list[StoredEvent]:
    """A JSON array of feed messages (a control-queue message, an event-log block)."""
    return [
        StoredEvent(out.id, _from_data(out.stadium_id, out.gate_id, out.ts, out.data))
        for out in _events_decoder.decode(payload)
    ]


def _from_data(stadium_id: str, gate_id: str | None, ts: datetime, data: EventData) -> ControlEvent:
    if isinstance(data, StateChangedData):
        before = GateState(data.from_) if data.from_ is not None else None
        return StateChanged(stadium_id, gate_id or "", ts, before, GateState(data.to), data.wait)
    if isinstance(data, AnomalyStartedData):
        return AnomalyStarted(stadium_id, gate_id or "", ts, data.kind, data.score)
    if isinstance(data, AnomalyEndedData):
        return AnomalyEnded(stadium_id, gate_id or "", ts, data.kind)
    if gate_id is None:
        lanes = data.lanes if isinstance(data.lanes, LaneAdviceOut) else None
        return LaneAdviceChanged(stadium_id, ts, _lane_advice(lanes))
    advice = data.advice if isinstance(data.advice, RecommendationOut) else None
    return AdviceChanged(stadium_id, gate_id, ts, _recommendation(gate_id, advice))


def _recommendation(gate_id: str, out: RecommendationOut | None) -> Recommendation | None:
    if out is None:
        return None
    return Recommendation(
        gate_id, out.to_gate_id, out.share, out.walk_minutes, out.expected_saving_minutes
    )


def _lane_advice(out: LaneAdviceOut | None) -> LaneAdvice | None:
    if out is None:
        return None
    return LaneAdvice(out.gate_id, float(out.saving_fan_minutes), out.from_gate_id)


def recommendation_doc(r: Recommendation | None) -> dict[str, Any] | None:
    """A status's advice as stored: the feed's keys, unrounded."""
    if r is None:
        return None
    return {
        "toGateId": r.to_gate_id,
        "share": r.share,
        "walkMinutes": r.walk_minutes,
        "expectedSavingMinutes": r.expected_saving_minutes,
        "message": r.message,
    }


def recommendation_from_doc(gate_id: str, doc: dict[str, Any] | None) -> Recommendation | None:
    if not doc:
        return None
    return Recommendation(
        gate_id,
        str(doc["toGateId"]),
        float(doc["share"]),
        float(doc["walkMinutes"]),
        float(doc["expectedSavingMinutes"]),
    )
