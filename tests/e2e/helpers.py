"""Readings as turnstiles send them, for end-to-end tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

BASE = datetime(2025, 7, 14, 17, 0, tzinfo=UTC)


def wire(
    gate: str = "G1",
    minute: int = 0,
    *,
    stadium: str = "AGADIR",
    count: int = 40,
    seconds: float = 3.0,
    queue: int = 80,
) -> dict[str, Any]:
    ts = BASE + timedelta(minutes=minute)
    return {
        "stadiumId": stadium,
        "gateId": gate,
        "ts": ts.isoformat().replace("+00:00", "Z"),
        "perMinuteCount": count,
        "avgProcessingTime": seconds,
        "queueLength": queue,
    }
