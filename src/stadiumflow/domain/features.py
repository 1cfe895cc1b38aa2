"""Features of a gate at the time of its newest reading: one function, training and serving.

Both the worker (from each gate's rolling window) and the training-data generator call
:func:`compute_features`, so a model never sees features computed two ways. The model's
metadata lists :data:`FEATURE_NAMES`; a model built for another list is refused at load.

Every feature is a rate, a trend, a ratio or a capacity estimate that means the same
thing in any stadium: no gate identities, no clock times, no kickoff assumptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from stadiumflow.domain.window import (
    WINDOW_HORIZON_SECONDS,
    WINDOW_MAX_POINTS,
    WindowPoint,
    index_after,
    index_from,
)

FEATURES_VERSION = 2

FEATURE_NAMES: tuple[str, ...] = (
    "queue_length",  # fans waiting now (as the sensor says)
    "per_minute_count",  # fans through in the last minute
    "avg_processing_time",  # s per fan over the last minute
    "queue_mean_5m",  # smooths sensor noise
    "throughput_mean_5m",  # fans/min
    "throughput_mean_15m",
    "throughput_max_60m",  # the best the gate has shown: a capacity proxy
    "count_ratio_15m",  # this minute's count over the 15-min mean: drops and surges
    "lanes_estimate",  # busy lanes at the best throughput and recent service time
    "queue_slope_1m",  # fans/min the queue grew over the last reading
    "queue_slope_5m",  # fans/min over ~5 minutes
    "arrival_rate_5m",  # throughput + queue growth: fans/min joining
    "utilisation",  # arrivals over capacity
    "wait_queue_over_count",  # the naive baseline: queue / this minute's count
    "wait_queue_over_throughput",  # queue / 5-min (else best) throughput: the residual base
    "wait_queue_times_service",  # queue x s/fan / (60 x lanes): the second baseline
    "minutes_since_previous",  # reporting gap
)

SECONDS_PER_MINUTE = 60.0
MAX_WAIT_MINUTES = 240.0
"""No estimate exceeds four hours: beyond that the number carries no information."""
DEFAULT_SECONDS_PER_FAN = 6.0
"""Used only when a gate has never reported a processing time."""
_MIN_RATE = 1e-6  # fans/min: below this a throughput counts as zero

BASE_INDEX = FEATURE_NAMES.index("wait_queue_over_throughput")
_queue = attrgetter("queue_length")


def _queue_over(queue: float, rate: float, seconds_per_fan: float) -> float:
    """Minutes to clear ``queue`` at ``rate`` fans/min; one lane's pace if no rate."""
    if queue <= 0:
        return 0.0
    if rate > _MIN_RATE:
        return min(queue / rate, MAX_WAIT_MINUTES)
    seconds = seconds_per_fan if seconds_per_fan > 0 else DEFAULT_SECONDS_PER_FAN
    return min(queue * seconds / SECONDS_PER_MINUTE, MAX_WAIT_MINUTES)


def compute_features(points: Sequence[WindowPoint]) -> list[float]:
    """Features of the last point of ``points`` (ts order), in :data:`FEATURE_NAMES` order.

    >>> from stadiumflow.domain.window import WindowPoint as P
    >>> f = dict(zip(FEATURE_NAMES, compute_features([P(0, 20, 3.0, 40), P(60, 20, 3.0, 60)])))
    >>> f["throughput_mean_5m"], f["queue_slope_5m"], f["wait_queue_over_throughput"]
    (20.0, 20.0, 3.0)
    """
    if not points:
        raise ValueError("features need at least one reading")
    return features_of_run(points, len(points) - 1)[0]


def features_of_run(points: Sequence[WindowPoint], first: int) -> list[list[float]]:
    """Features of each of ``points[first:]`` as it arrived, in one pass.

    ``points`` is a gate's window (ts order, strictly increasing from ``first`` on) with
    newer readings appended; row k is what :func:`compute_features` gave for
    ``points[first + k]`` when the window ended there, trimmed as :class:`GateWindow`
    trims (an hour, at most ``WINDOW_MAX_POINTS``). Sliding sums make a run of n readings
    cost O(window + n), not O(window x n): a backlog of a gate's readings is one call.

    >>> from stadiumflow.domain.window import WindowPoint as P
    >>> pts = [P(60.0 * i, 20 + i, 3.0, 10 * i) for i in range(30)]
    >>> features_of_run(pts, 25)[-1] == compute_features(pts)
    True
    """
    n = len(points)
    if not 0 <= first < n:
        raise ValueError("features need at least one reading")
    counts = [p.per_minute_count for p in points]
    # The first row from scratch, with sums over slices: its window [lo, first] as
    # GateWindow trims it, and the 15- and 5-minute spans [j15, first] and [j5, first].
    now = points[first].ts
    end = first + 1
    lo = index_from(points, now - WINDOW_HORIZON_SECONDS, max(end - WINDOW_MAX_POINTS, 0), end)
    j15 = index_after(points, now - 15 * SECONDS_PER_MINUTE, lo, first)
    j5 = index_after(points, now - 5 * SECONDS_PER_MINUTE, j15, first)
    best = max(counts[lo:end])
    n15, c_sum15 = end - j15, sum(counts[j15:end])
    busy = [p.avg_processing_time for p in points[j15:end] if p.per_minute_count > 0]
    busy_n, busy_sum = len(busy), sum(busy)
    n5, c_sum5 = end - j5, sum(counts[j5:end])
    q_sum5 = sum(map(_queue, points[j5:end]))
    rows: list[list[float]] = []
    for i in range(first, n):
        p = points[i]
        if i > first:  # enter point i, then leave what aged out
            now = p.ts
            count = p.per_minute_count
            n15 += 1
            c_sum15 += count
            if count > 0:
                busy_n += 1
                busy_sum += p.avg_processing_time
            n5 += 1
            c_sum5 += count
            q_sum5 += p.queue_length
            new_lo = max(lo, i - WINDOW_MAX_POINTS + 1)
            while points[new_lo].ts < now - WINDOW_HORIZON_SECONDS:
                new_lo += 1
            if new_lo != lo:
                best = max(counts[new_lo : i + 1])
                lo = new_lo
            elif count > best:
                best = count
            cut15 = now - 15 * SECONDS_PER_MINUTE
            while j15 < lo or points[j15].ts <= cut15:
                gone = points[j15]
                n15 -= 1
                c_sum15 -= gone.per_minute_count
                if gone.per_minute_count > 0:
                    busy_n -= 1
                    busy_sum -= gone.avg_processing_time
                j15 += 1
            cut5 = now - 5 * SECONDS_PER_MINUTE
            while j5 < lo or points[j5].ts <= cut5:
                gone = points[j5]
                n5 -= 1
                c_sum5 -= gone.per_minute_count
                q_sum5 -= gone.queue_length
                j5 += 1
            if busy_n == 0:
                busy_sum = 0.0  # no drift carried into the next busy span
        rows.append(
            _features(
                p,
                points[i - 1] if i > lo else None,
                points[j5],
                n5,
                q_sum5,
                c_sum5,
                n15,
                c_sum15,
                busy_n,
                busy_sum,
                best,
            )
        )
    return rows


def _features(
    last: WindowPoint,
    previous: WindowPoint | None,
    first5: WindowPoint,
    n5: int,
    q_sum5: int,
    c_sum5: int,
    n15: int,
    c_sum15: int,
    busy_n: int,
    busy_sum: float,
    best: int,
) -> list[float]:
    now = last.ts
    q = float(last.queue_length)
    c = float(last.per_minute_count)
    a = float(last.avg_processing_time)
    q5 = q_sum5 / n5
    thr5 = c_sum5 / n5
    thr15 = c_sum15 / n15
    thr_max = float(best)
    service = busy_sum / busy_n if busy_n else a
    lanes = thr_max * service / SECONDS_PER_MINUTE if service > 0 else 0.0

    gap = (now - previous.ts) / SECONDS_PER_MINUTE if previous else 1.0
    slope1 = (q - previous.queue_length) / gap if previous and gap > 0 else 0.0
    span5 = (now - first5.ts) / SECONDS_PER_MINUTE
    slope5 = (q - first5.queue_length) / span5 if span5 > 0 else 0.0
    arrivals = max(thr5 + slope5, 0.0)
    utilisation = arrivals / thr_max if thr_max > _MIN_RATE else 0.0
    ratio15 = c / thr15 if thr15 > _MIN_RATE else 1.0
    rate = thr5 if thr5 > _MIN_RATE else thr_max

    return [
        q,
        c,
        a,
        q5,
        thr5,
        thr15,
        thr_max,
        ratio15,
        lanes,
        slope1,
        slope5,
        arrivals,
        utilisation,
        _queue_over(q, c, a),
        _queue_over(q, rate, a),
        q * a / (SECONDS_PER_MINUTE * max(lanes, 1.0)),
        gap,
    ]


def wait_base(features: Sequence[float]) -> float:
    """The queueing estimate a model corrects: queue over recent throughput, guarded.

    Empty queue: 0. No recent throughput but a queue: the best throughput of the last
    hour, else one lane at the reported (or a default) pace. Trained models predict the
    difference from this base, so they extrapolate with the physics beyond their data.
    """
    return features[BASE_INDEX]
