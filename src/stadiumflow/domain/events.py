"""Control events: what changed at a gate, for signage, stewards and partner services.

Published on the control feed (``gates-control``) and streamed to dashboards. One
dataclass per kind; each says what happened, where, and at which event time (the
reading's ts, never the wall clock). How an event is written on the wire is the
adapters' business (``adapters.codec``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from stadiumflow.domain.advice import LaneAdvice
from stadiumflow.domain.classify import GateState
from stadiumflow.domain.recommendation import Recommendation
from stadiumflow.domain.status import GateStatus


class EventKind(StrEnum):
    STATE_CHANGED = "state_changed"
    ANOMALY_STARTED = "anomaly_started"
    ANOMALY_ENDED = "anomaly_ended"
    ADVICE_CHANGED = "advice_changed"


@dataclass(frozen=True, slots=True)
class _GateEvent:
    stadium_id: str
    gate_id: str
    ts: datetime


@dataclass(frozen=True, slots=True)
class StateChanged(_GateEvent):
    """A gate's colour changed (``before`` is None for a gate's first status)."""

    kind: ClassVar[EventKind] = EventKind.STATE_CHANGED
    before: GateState | None
    after: GateState
    wait: float


@dataclass(frozen=True, slots=True)
class AnomalyStarted(_GateEvent):
    kind: ClassVar[EventKind] = EventKind.ANOMALY_STARTED
    anomaly_kind: str
    score: float


@dataclass(frozen=True, slots=True)
class AnomalyEnded(_GateEvent):
    kind: ClassVar[EventKind] = EventKind.ANOMALY_ENDED
    anomaly_kind: str | None


@dataclass(frozen=True, slots=True)
class AdviceChanged(_GateEvent):
    """A gate's redirection advice was issued, changed target or share, or withdrawn (None)."""

    kind: ClassVar[EventKind] = EventKind.ADVICE_CHANGED
    advice: Recommendation | None


@dataclass(frozen=True, slots=True)
class LaneAdviceChanged:
    """The stadium's lane advice moved to another gate or donor, or was withdrawn (None).

    A stadium-level event: on the feed it is an ``advice_changed`` without a gate.
    """

    kind: ClassVar[EventKind] = EventKind.ADVICE_CHANGED
    stadium_id: str
    ts: datetime
    lanes: LaneAdvice | None
    gate_id: None = None


ControlEvent = StateChanged | AnomalyStarted | AnomalyEnded | AdviceChanged | LaneAdviceChanged


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the feed serves it: with a position to resume from."""

    id: int
    event: ControlEvent


def status_changes(old: GateStatus | None, new: GateStatus) -> list[ControlEvent]:
    """State and alarm events for the step from ``old`` to ``new`` status of one gate.

    A gate's first status is a state change from nothing. Advice is the planner's to
    change, and its events come from there (``domain.planning``).
    """
    events: list[ControlEvent] = []
    gate = (new.stadium_id, new.gate_id)
    if old is None or old.state is not new.state:
        events.append(StateChanged(*gate, new.ts, old.state if old else None, new.state, new.wait))
    was_anomalous = old is not None and old.anomaly
    if new.anomaly_kind is not None and (
        not was_anomalous or (old is not None and old.anomaly_kind != new.anomaly_kind)
    ):
        events.append(AnomalyStarted(*gate, new.ts, new.anomaly_kind, new.anomaly_score))
    if was_anomalous and not new.anomaly:
        events.append(AnomalyEnded(*gate, new.ts, old.anomaly_kind if old else None))
    return events
