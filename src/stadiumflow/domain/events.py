"""Control events: what changed at a gate, for signage, stewards and partner services.

Published on the control feed (``gates-control``) and streamed to dashboards. Each event
says what happened, where, and at which event time; ``data`` carries the details.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from stadiumflow.domain.status import GateStatus


class EventKind(StrEnum):
    STATE_CHANGED = "state_changed"
    ANOMALY_STARTED = "anomaly_started"
    ANOMALY_ENDED = "anomaly_ended"
    ADVICE_CHANGED = "advice_changed"


@dataclass(frozen=True, slots=True)
class ControlEvent:
    kind: EventKind
    stadium_id: str
    gate_id: str | None  # None: a stadium-level event
    ts: datetime  # event time (the reading's ts), never the wall clock
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the feed serves it: with a position to resume from."""

    id: int
    event: ControlEvent


def status_changes(old: GateStatus | None, new: GateStatus) -> list[ControlEvent]:
    """Events for the step from ``old`` to ``new`` status of one gate.

    A gate's first status is a state change from nothing.
    """
    events: list[ControlEvent] = []
    gate = (new.stadium_id, new.gate_id)
    if old is None or old.state is not new.state:
        events.append(
            ControlEvent(
                EventKind.STATE_CHANGED,
                *gate,
                new.ts,
                {
                    "from": old.state.value if old else None,
                    "to": new.state.value,
                    "wait": round(new.wait, 2),
                },
            )
        )
    was_anomalous = old is not None and old.anomaly
    if new.anomaly and (not was_anomalous or (old and old.anomaly_kind != new.anomaly_kind)):
        events.append(
            ControlEvent(
                EventKind.ANOMALY_STARTED,
                *gate,
                new.ts,
                {"kind": new.anomaly_kind, "score": round(new.anomaly_score, 3)},
            )
        )
    if was_anomalous and not new.anomaly:
        events.append(
            ControlEvent(
                EventKind.ANOMALY_ENDED,
                *gate,
                new.ts,
                {"kind": old.anomaly_kind if old else None},
            )
        )
    if (old.recommendation if old else None) != new.recommendation:
        events.append(
            ControlEvent(EventKind.ADVICE_CHANGED, *gate, new.ts, {"advice": new.recommendation})
        )
    return events
