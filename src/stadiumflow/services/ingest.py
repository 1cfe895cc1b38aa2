"""Ingest: accept readings that passed the wire schema, enforce event-time rules, enqueue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from stadiumflow.domain.errors import InvalidReading
from stadiumflow.domain.readings import Reading
from stadiumflow.ports import Clock, InflowQueue

MAX_CLOCK_SKEW = timedelta(minutes=5)
"""A reading may be stamped at most this far ahead of the server clock."""


def check_not_future(readings: Sequence[Reading], clock: Clock, *, indexed: bool) -> None:
    """Refuse a reading from the future: any past ts is fine (replays, backfills)."""
    limit = clock.now() + MAX_CLOCK_SKEW
    for i, reading in enumerate(readings):
        if reading.ts > limit:
            raise InvalidReading(
                "ts is more than 5 minutes ahead of the server clock",
                field="ts",
                index=i if indexed else None,
            )


def admit(readings: Sequence[Reading], *, clock: Clock, indexed: bool) -> None:
    """The checks of the service itself, after the wire schema: raises InvalidReading."""
    if not readings:
        raise InvalidReading("at least one reading is required", index=None)
    check_not_future(readings, clock, indexed=indexed)


def ingest(readings: Sequence[Reading], *, queue: InflowQueue, clock: Clock, indexed: bool) -> int:
    """Validate event times, then enqueue durably. Returns the number accepted.

    Nothing of a request with any invalid reading is enqueued.
    """
    admit(readings, clock=clock, indexed=indexed)
    queue.enqueue(readings)
    return len(readings)
