"""In-memory fake of the Clock port: time that moves only when a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MATCH_DAY = datetime(2025, 7, 14, 17, 0, tzinfo=UTC)


class MemoryClock:
    """Clock fake: stands at ``start`` until :meth:`advance` moves it forward.

    >>> clock = MemoryClock()
    >>> clock.advance(90)
    >>> clock.now().isoformat()
    '2025-07-14T17:01:30+00:00'
    """

    def __init__(self, start: datetime = MATCH_DAY) -> None:
        if start.utcoffset() is None:
            raise ValueError("a clock tells timezone-aware time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go back")
        self._now += timedelta(seconds=seconds)
