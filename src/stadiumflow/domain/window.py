"""A gate's rolling window: the recent readings that features and detectors need.

Points are kept in ts order. The window is bounded both in time and in count, and
it is plain data (tuples of numbers) so that any store can persist it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from operator import attrgetter
from typing import NamedTuple

from stadiumflow.domain.readings import Reading

WINDOW_HORIZON_SECONDS = 60 * 60.0
"""Keep an hour of history: the longest look-back of any feature or detector."""
WINDOW_MAX_POINTS = 120
"""Upper bound on points per gate, whatever the reporting interval."""


class WindowPoint(NamedTuple):
    ts: float  # seconds since the Unix epoch (UTC)
    per_minute_count: int
    avg_processing_time: float
    queue_length: int

    @classmethod
    def of(cls, reading: Reading) -> WindowPoint:
        return cls(
            reading.ts.timestamp(),
            reading.per_minute_count,
            reading.avg_processing_time,
            reading.queue_length,
        )

    def as_row(self) -> tuple[float, int, float, int]:
        return (self.ts, self.per_minute_count, self.avg_processing_time, self.queue_length)


_ts = attrgetter("ts")


def index_after(
    points: Sequence[WindowPoint], ts: float, lo: int = 0, hi: int | None = None
) -> int:
    """The first index of ``points[lo:hi]`` (in ts order) whose ts is after ``ts``, else hi.

    >>> pts = [WindowPoint(t, 1, 1.0, 1) for t in (0.0, 60.0, 120.0)]
    >>> index_after(pts, 60.0), index_from(pts, 60.0), index_after(pts, 120.0, 0, 2)
    (2, 1, 2)
    """
    return bisect.bisect_right(points, ts, lo, len(points) if hi is None else hi, key=_ts)


def index_from(points: Sequence[WindowPoint], ts: float, lo: int = 0, hi: int | None = None) -> int:
    """The first index of ``points[lo:hi]`` (in ts order) whose ts is ``ts`` or later, else hi."""
    return bisect.bisect_left(points, ts, lo, len(points) if hi is None else hi, key=_ts)


MINUTE_SPACING_SECONDS = 50.0
"""Readings closer than this are more than one a minute (jitter allowed)."""


def minute_spaced(points: Sequence[WindowPoint]) -> Sequence[WindowPoint]:
    """``points`` thinned to about one a minute, the newest kept: the cadence the
    detectors count readings in. A count is always the minute before its reading, so a
    thinned point says the same as before; only the readings between are dropped.
    ``points`` itself when the last ten came a minute or more apart on average.

    >>> pts = [WindowPoint(30.0 * i, 20, 3.0, 5) for i in range(8)]
    >>> [p.ts for p in minute_spaced(pts)]
    [30.0, 90.0, 150.0, 210.0]
    >>> minute_spaced(pts[::2]) == pts[::2]
    True
    """
    n = len(points)
    if n < 2:
        return points
    k = max(n - 10, 0)
    if (points[-1].ts - points[k].ts) / (n - 1 - k) >= MINUTE_SPACING_SECONDS:
        return points
    kept = [points[-1]]
    for point in reversed(points[:-1]):
        if kept[-1].ts - point.ts >= MINUTE_SPACING_SECONDS:
            kept.append(point)
    kept.reverse()
    return kept


class Placement(StrEnum):
    NEWEST = "newest"  # newer than anything seen: moves the status forward
    LATE = "late"  # older than the newest: kept for history, never moves the status back
    DUPLICATE = "duplicate"  # this ts was seen already: ignored (idempotency)


@dataclass(slots=True)
class GateWindow:
    points: list[WindowPoint] = field(default_factory=list)
    newest_ts: float | None = None
    """ts of the newest reading ever applied, kept even when points age out."""

    def add(self, point: WindowPoint) -> Placement:
        """Insert ``point`` in ts order and say where it landed.

        >>> w = GateWindow()
        >>> [w.add(WindowPoint(t, 10, 3.0, 5)).value for t in (60.0, 120.0, 120.0, 90.0)]
        ['newest', 'newest', 'duplicate', 'late']
        >>> [p.ts for p in w.points]
        [60.0, 90.0, 120.0]
        """
        if self.newest_ts is not None and point.ts <= self.newest_ts:
            i = index_from(self.points, point.ts)
            if (i < len(self.points) and self.points[i].ts == point.ts) or (
                point.ts == self.newest_ts
            ):
                return Placement.DUPLICATE
            if self.points and point.ts < self.points[0].ts:
                return Placement.LATE  # older than the whole window: history only
            self.points.insert(i, point)
            return Placement.LATE
        self.points.append(point)
        self.newest_ts = point.ts
        self._trim()
        return Placement.NEWEST

    def extend(self, points: list[WindowPoint]) -> None:
        """Append ``points``, each newer than the one before and than the window's newest.

        >>> w = GateWindow()
        >>> w.extend([WindowPoint(60.0, 1, 3.0, 5), WindowPoint(120.0, 1, 3.0, 5)])
        >>> w.newest_ts, len(w.points)
        (120.0, 2)
        """
        if not points:
            return
        previous = self.newest_ts
        for point in points:
            if previous is not None and point.ts <= previous:
                raise ValueError("extend takes points newer than the window's, in ts order")
            previous = point.ts
        self.points += points
        self.newest_ts = previous
        self._trim()

    def _trim(self) -> None:
        if self.newest_ts is None:
            return
        horizon = self.newest_ts - WINDOW_HORIZON_SECONDS
        drop = 0
        while drop < len(self.points) and self.points[drop].ts < horizon:
            drop += 1
        drop = max(drop, len(self.points) - WINDOW_MAX_POINTS)
        if drop > 0:
            del self.points[:drop]

    def upto(self, ts: float) -> list[WindowPoint]:
        """The points at or before ``ts`` (what was known when that reading arrived)."""
        return self.points[: index_after(self.points, ts)]

    def to_rows(self) -> list[tuple[float, int, float, int]]:
        return [p.as_row() for p in self.points]

    @classmethod
    def from_rows(
        cls, rows: list[tuple[float, int, float, int]], newest_ts: float | None
    ) -> GateWindow:
        points = [WindowPoint(float(t), int(c), float(a), int(q)) for t, c, a, q in rows]
        return cls(points=points, newest_ts=newest_ts)

    @classmethod
    def of_points(cls, points: list[WindowPoint], newest_ts: float | None) -> GateWindow:
        """A window over ``points`` (already WindowPoints in ts order), taking the list."""
        return cls(points=points, newest_ts=newest_ts)
