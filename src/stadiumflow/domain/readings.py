"""A turnstile reading, as the domain sees it (snake_case, timezone-aware UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

GateKey = tuple[str, str]
"""(stadium_id, gate_id): the identity of a gate."""


class Reading(NamedTuple):
    """One gate's telemetry at event time ``ts``.

    A named tuple: immutable, and cheap to make in the worker's hot path.

    per_minute_count: fans through the gate's turnstiles in the minute before ts.
    avg_processing_time: mean seconds per fan over that minute.
    queue_length: fans waiting at ts.
    """

    stadium_id: str
    gate_id: str
    ts: datetime
    per_minute_count: int
    avg_processing_time: float
    queue_length: int

    @property
    def gate(self) -> GateKey:
        return (self.stadium_id, self.gate_id)

    @property
    def key(self) -> tuple[str, str, datetime]:
        """Identity of a reading: the same key twice is the same reading (idempotency)."""
        return (self.stadium_id, self.gate_id, self.ts)
