"""Shingled, scale-free features of a gate for multivariate anomaly scoring, and the
local scorer: robust streaming statistics against the gate's own recent past.

The same shingle goes to the SageMaker Random Cut Forest endpoint when one is set, so
both scorers see the same thing. Every series is a ratio, so one model serves gates of
any size:

    count_ratio      fans through now / the gate's 15-minute mean
    arrival_ratio    fans joining now / the gate's 15-minute mean throughput
    service_ratio    seconds per fan now / the gate's 15-minute median
    queue_minutes    queue / 15-minute mean throughput (minutes of queue)

Why our own statistics rather than rrcf or river (see NOTES): rrcf costs ~10 ms a
point, too slow per reading at scale; river's HalfSpaceTrees separate poorly on raw
queue data and need a running threshold anyway. A median/MAD z-score per series, over
the gate's last half hour, costs microseconds, is explainable ("arrivals 6 deviations
above this gate's norm"), and needs no training.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from stadiumflow.domain.health import ScorerHealth
from stadiumflow.domain.window import WindowPoint

SHINGLE_LENGTH = 4  # readings per shingle
HISTORY_MINUTES = 30.0
HISTORY_POINTS = 32  # and at most this many readings (a gate reporting every few seconds)
MIN_HISTORY = 8
_MIN_RATE = 1.0  # fans/min: ratios below this rate are unstable
_SCALE_FLOOR = (0.25, 0.5, 0.15, 1.0)  # per series above: the smallest deviation that counts


def _reference(points: Sequence[WindowPoint]) -> tuple[float, float]:
    """(mean throughput, median seconds per fan) over the newest point's last 15 minutes
    (at most the HISTORY_POINTS + 2 newest readings, as the score reads)."""
    now = points[-1].ts
    k = len(points) - 1
    oldest = max(len(points) - HISTORY_POINTS - 2, 0)  # a chatty gate: its newest readings
    while k > oldest and now - points[k - 1].ts <= 15 * 60.0:  # from the newest back
        k -= 1
    ref = points[k:]
    thr = max(statistics.fmean([p.per_minute_count for p in ref]), _MIN_RATE)
    busy = [p.avg_processing_time for p in ref if p.per_minute_count > 0]
    return thr, (statistics.median(busy) if busy else 0.0)


def _series(
    points: Sequence[WindowPoint], i: int, thr: float, service: float
) -> tuple[float, float, float, float]:
    """The four scale-free values at points[i], relative to the newest reference."""
    p = points[i]
    if i > 0:
        gap = max((p.ts - points[i - 1].ts) / 60.0, 1e-6)
        arrivals = p.per_minute_count + (p.queue_length - points[i - 1].queue_length) / gap
    else:
        arrivals = float(p.per_minute_count)
    return (
        p.per_minute_count / thr,
        arrivals / thr,
        p.avg_processing_time / service if service > 0 else 1.0,
        p.queue_length / thr,
    )


def shingle(points: Sequence[WindowPoint]) -> list[float]:
    """The last SHINGLE_LENGTH readings' series, oldest first (padded by repetition)."""
    thr, service = _reference(points)
    n = len(points)
    rows = [_series(points, i, thr, service) for i in range(max(0, n - SHINGLE_LENGTH), n)]
    while len(rows) < SHINGLE_LENGTH:
        rows.insert(0, rows[0])
    return [value for row in rows for value in row]


def robust_score(points: Sequence[WindowPoint]) -> float:
    """How far the newest readings sit from this gate's last half hour, in robust z.

    The root mean square over the newest two readings of each series' z, mapped so that
    ~0 is normal and 3 is alarming. 0 while the history is too short.
    """
    now = points[-1].ts
    first = max(0, len(points) - HISTORY_POINTS)
    start = next(
        (i for i in range(first, len(points)) if now - points[i].ts <= HISTORY_MINUTES * 60.0),
        first,
    )
    if len(points) - 2 - start < MIN_HISTORY:
        return 0.0
    thr, service = _reference(points)
    history = [_series(points, i, thr, service) for i in range(start, len(points) - 2)]
    recent = [_series(points, i, thr, service) for i in range(len(points) - 2, len(points))]
    squares = []
    for k, values in enumerate(zip(*history, strict=True)):
        centre = statistics.median(values)
        mad = statistics.median([abs(v - centre) for v in values]) * 1.4826
        scale = max(mad, _SCALE_FLOOR[k])
        squares += [((r[k] - centre) / scale) ** 2 for r in recent]
    rms = math.sqrt(sum(squares) / len(squares))
    return max(0.0, rms - 1.0) * 0.75  # ~0 for typical noise, 3 at rms 5


class LocalRobustScorer:
    """AnomalyScorer port: robust z-scores in process, the default."""

    name = "local-robust"
    is_fallback = False

    def score(self, windows: Sequence[Sequence[WindowPoint]]) -> list[float]:
        return [robust_score(points) if len(points) > 1 else 0.0 for points in windows]

    def health(self) -> ScorerHealth:
        return ScorerHealth(self.name, self.is_fallback)
