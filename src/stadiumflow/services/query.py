"""Read side: statuses of a stadium, the list of stadiums, a gate's history."""

from __future__ import annotations

from datetime import datetime

from stadiumflow.domain.errors import NotFound
from stadiumflow.domain.ordering import natural_key
from stadiumflow.domain.status import GateStatus, ProcessedReading, StadiumSummary
from stadiumflow.ports import GateStore


def stadium_status(store: GateStore, stadium_id: str) -> list[GateStatus]:
    """The gates of one stadium in natural order (G2 before G10). Unknown: NotFound."""
    statuses = store.stadium_statuses(stadium_id)
    if not statuses:
        raise NotFound(f"unknown stadium: {stadium_id}")
    return sorted(statuses, key=lambda s: natural_key(s.gate_id))


def list_stadiums(store: GateStore) -> list[StadiumSummary]:
    return sorted(store.stadiums(), key=lambda s: natural_key(s.stadium_id))


def gate_history(
    store: GateStore,
    stadium_id: str,
    gate_id: str,
    *,
    since: datetime | None,
    until: datetime | None,
    after: datetime | None,
    limit: int,
) -> list[ProcessedReading]:
    statuses = store.stadium_statuses(stadium_id)
    if not statuses:
        raise NotFound(f"unknown stadium: {stadium_id}")
    if gate_id not in {s.gate_id for s in statuses}:
        raise NotFound(f"unknown gate: {gate_id}")
    return store.history(stadium_id, gate_id, since=since, until=until, after=after, limit=limit)
