"""The wait interval, calibrated on what fans at the same stadium really waited.

The 10%-90% quantile models learned how uncertain waits were on our simulated days. A
stadium whose sensors are exact and whose queues are steady deserves a narrower interval,
a wilder one a wider one. The readings say which, a few minutes late:

    realised wait  a fan who joined behind q fans (FIFO) reaches a turnstile once q more
                   have passed; the per-minute counts say when (``realised_wait``)
    score          how far outside the interval given then that wait fell, in units of
                   the interval's half-width on its side (<= 1: inside)
    scale          the 80% quantile of the stadium's recent scores: the factor by which
                   the half-widths must stretch (or shrink) to hold 80% of them

Split conformal prediction, run per stadium on the gates of each worker batch; a batch
of few gates (gates posting one by one) reads more realised waits from each. A batch
with fewer than MIN_SCORES realised waits of a stadium takes the scale its gates'
statuses got from a batch that had enough, if that is at most CARRY_SECONDS older in
event time; else the model's own interval (a quiet hour). Carrying a scale longer
measured worse: a rush began with the scale of a calmer hour. Only readings whose wait
was predicted at CALIBRATE_FROM_MINUTES or more count: the interval matters where waits
do, and near an empty queue it is trivially right.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.domain.window import WindowPoint, index_from

SECONDS_PER_MINUTE = 60.0
TARGET = 0.8  # the share of realised waits the 10%-90% interval should hold
CALIBRATE_FROM_MINUTES = 4.0
PER_GATE = 3  # the newest realised waits of each gate of a batch...
MAX_PER_GATE = 10  # (more when few gates share it)
LOOK_BACK_SECONDS = 30 * 60.0  # ...among its readings of the last 30 minutes...
MIN_SCORES = 8  # ...and at least this many in a stadium to set a new scale
SCALE_RANGE = (0.25, 4.0)
CARRY_SECONDS = 120.0
QUEUE_MINUTES = 2.0  # a cheap first cut: a queue of 2 minutes' throughput or more
MAX_GAP_SECONDS = 150.0  # readings further apart: the fans through between are unknown


class Calibration(NamedTuple):
    """A stadium's interval scale, and the event time of the readings it was computed from
    (None: the model's own interval, uncalibrated)."""

    scale: float = 1.0
    at: datetime | None = None


UNCALIBRATED = Calibration()


def fans_through(points: Sequence[WindowPoint], i: int) -> float:
    """Fans through between ``points[i - 1]`` and ``points[i]``: the reading's rate (per
    minute) times the time since the one before, whatever the reporting interval. At one
    reading a minute this is its count; at one each 30 s, half of it (each count covers
    the same minute as its neighbour's); after a gap of more than MAX_GAP_SECONDS, none
    can be told, so the readings on either side are not read together (:func:`realised`).

    >>> from stadiumflow.domain.window import WindowPoint as P
    >>> pts = [P(0.0, 20, 3.0, 5), P(60.0, 20, 3.0, 5), P(90.0, 20, 3.0, 5)]
    >>> fans_through(pts, 1), fans_through(pts, 2)
    (20.0, 10.0)
    """
    gap = points[i].ts - points[i - 1].ts if i > 0 else SECONDS_PER_MINUTE
    return points[i].per_minute_count * gap / SECONDS_PER_MINUTE


def realised_wait(points: Sequence[WindowPoint], k: int) -> float | None:
    """Minutes waited by a fan who joined behind the queue of ``points[k]``, if the
    counts after it show them through by the last point; None while still queueing.

    >>> from stadiumflow.domain.window import WindowPoint as P
    >>> pts = [P(60.0 * i, 10, 3.0, 20) for i in range(4)]  # 10 fans/min, 20 waiting
    >>> realised_wait(pts, 0), realised_wait(pts, 2)
    (2.0, None)
    """
    passed = list(itertools.accumulate(fans_through(points, i) for i in range(k + 1, len(points))))
    return _through(points, k, passed)


def _through(points: Sequence[WindowPoint], k: int, passed: Sequence[float]) -> float | None:
    """realised_wait, given ``passed[m]``: fans through from points[k + 1] to [k + 1 + m]."""
    ahead = points[k].queue_length
    m = bisect.bisect_left(passed, ahead)
    if m == len(passed):
        return None
    j = k + 1 + m
    before = passed[m - 1] if m > 0 else 0.0
    through = passed[m] - before
    share = (ahead - before) / through if through > 0 else 1.0
    waited = points[j - 1].ts - points[k].ts + share * (points[j].ts - points[j - 1].ts)
    return max(waited, 0.0) / SECONDS_PER_MINUTE


def per_gate(gates: int) -> int:
    """Realised waits to take from each of a stadium's ``gates`` in a batch: PER_GATE, or
    more when few gates share the batch (gates posting one by one), so that a batch can
    still gather MIN_SCORES twice over; at most MAX_PER_GATE.

    >>> per_gate(12), per_gate(2), per_gate(1)
    (3, 8, 10)
    """
    return min(max(PER_GATE, -(-2 * MIN_SCORES // max(gates, 1))), MAX_PER_GATE)


def realised(points: Sequence[WindowPoint], limit: int = PER_GATE) -> list[tuple[int, float]]:
    """(index, realised wait) of a gate's newest readings (at most ``limit``, within
    LOOK_BACK_SECONDS of the newest) whose fans are through, newest first; only readings
    whose queue was QUEUE_MINUTES or more of the minute's throughput (where the model may
    say 4 min), and none whose fans passed across a gap of more than MAX_GAP_SECONDS."""
    n = len(points)
    if n < 2:
        return []
    newest = points[-1].ts
    start = index_from(points, newest - LOOK_BACK_SECONDS)
    for i in range(n - 1, start, -1):  # only the run since the last gap can be read
        if points[i].ts - points[i - 1].ts > MAX_GAP_SECONDS:
            start = i
            break
    total = list(itertools.accumulate(fans_through(points, i) for i in range(start, n)))
    found: list[tuple[int, float]] = []
    for k in range(n - 2, start - 1, -1):
        p = points[k]
        if p.queue_length < QUEUE_MINUTES * max(p.per_minute_count, 1):
            continue
        done = total[k - start]
        if total[-1] - done < p.queue_length:
            continue  # still queueing
        wait = _through(points, k, [c - done for c in total[k - start + 1 :]])
        if wait is not None:
            found.append((k, wait))
            if len(found) == limit:
                break
    return found


def score(realised: float, estimate: WaitEstimate) -> float | None:
    """How far outside the interval ``realised`` fell, per half-width on its side."""
    if estimate.low is None or estimate.high is None:
        return None
    point = estimate.wait
    if realised >= point:
        return (realised - point) / max(estimate.high - point, 1e-6)
    return (point - realised) / max(point - estimate.low, 1e-6)


def interval_scale(scores: Sequence[float]) -> float | None:
    """The TARGET quantile of ``scores``; None when there are too few to say.

    >>> interval_scale([0.1 * i for i in range(10)])
    0.72
    >>> interval_scale([0.5, 0.5]) is None
    True
    """
    if len(scores) < MIN_SCORES:
        return None
    ordered = sorted(scores)
    rank = TARGET * (len(ordered) - 1)
    lower = int(rank)
    upper = min(lower + 1, len(ordered) - 1)
    value = ordered[lower] + (rank - lower) * (ordered[upper] - ordered[lower])
    return min(max(round(value, 3), SCALE_RANGE[0]), SCALE_RANGE[1])


def scaled(estimate: WaitEstimate, scale: float) -> WaitEstimate:
    """The interval's half-widths times ``scale``, around the same point."""
    if scale == 1.0 or estimate.low is None or estimate.high is None:
        return estimate
    point = estimate.wait
    return estimate._replace(
        low=max(point - scale * (point - estimate.low), 0.0),
        high=point + scale * (estimate.high - point),
    )


def stadium_calibration(
    scores: Sequence[float], earlier: Sequence[Calibration], now: datetime
) -> Calibration:
    """The stadium's calibration at event time ``now``: from this batch's ``scores`` when
    there are enough, else carried from its gates' ``earlier`` calibrations.

    >>> from datetime import datetime as d
    >>> t = d(2025, 7, 14, 18, 0)
    >>> stadium_calibration([0.5] * MIN_SCORES, [], t)
    Calibration(scale=0.5, at=datetime.datetime(2025, 7, 14, 18, 0))
    >>> stadium_calibration([0.5], [Calibration(0.7, t)], t.replace(minute=1)).scale
    0.7
    """
    scale = interval_scale(scores)
    if scale is not None:
        return Calibration(scale, now)
    return carried(earlier, now)


def carried(earlier: Sequence[Calibration], now: datetime) -> Calibration:
    """The most recent of ``earlier`` computed within CARRY_SECONDS before ``now``, else
    the model's own interval.

    >>> from datetime import datetime as d
    >>> t = d(2025, 7, 14, 18, 0)
    >>> carried([Calibration(0.5, t), Calibration(0.7, t.replace(minute=1))], t.replace(minute=2))
    Calibration(scale=0.7, at=datetime.datetime(2025, 7, 14, 18, 1))
    >>> carried([Calibration(0.5, t)], t.replace(minute=5))
    Calibration(scale=1.0, at=None)
    """
    fresh = [
        (c.at, c.scale)
        for c in earlier
        if c.at is not None and (now - c.at).total_seconds() <= CARRY_SECONDS
    ]
    if not fresh:
        return UNCALIBRATED
    at, scale = max(fresh)
    return Calibration(scale, at)
