"""Shared test helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stadiumflow.domain.readings import Reading

BASE_TS = datetime(2025, 7, 14, 17, 0, tzinfo=UTC)

# Locust's load file is run by locust, not collected: importing it monkey-patches gevent.
collect_ignore = ["locustfile.py"]


def reading(
    gate: str = "G1",
    minute: float = 0,
    *,
    stadium: str = "AGADIR",
    count: int = 40,
    seconds: float = 3.0,
    queue: int = 80,
) -> Reading:
    """A reading ``minute`` minutes after BASE_TS."""
    return Reading(stadium, gate, BASE_TS + timedelta(minutes=minute), count, seconds, queue)
