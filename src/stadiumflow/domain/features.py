"""Features of a gate at the time of its newest reading: one function, training and serving.

Both the worker (from each gate's rolling window) and the training-data generator call
:func:`compute_features`, so a model never sees features computed two ways. The model's
metadata lists :data:`FEATURE_NAMES`; a model built for another list is refused at load.

Every feature is a rate, a trend, a ratio or a capacity estimate that means the same
thing in any stadium: no gate identities, no clock times, no kickoff assumptions.
"""

from __future__ import annotations

from collections.abc import Sequence

from stadiumflow.domain.window import WindowPoint

FEATURES_VERSION = 1

FEATURE_NAMES: tuple[str, ...] = (
    "queue_length",
    "per_minute_count",
    "avg_processing_time",
    "throughput_mean_5m",
    "throughput_mean_15m",
    "throughput_max_60m",
    "lanes_estimate",
    "queue_slope_5m",
    "arrival_rate_5m",
    "utilisation",
    "wait_queue_over_throughput",
    "wait_queue_times_service",
    "minutes_since_previous",
)

SECONDS_PER_MINUTE = 60.0
_MIN_RATE = 1e-6  # fans/min: below this a throughput counts as zero


def _since(points: Sequence[WindowPoint], now: float, minutes: float) -> list[WindowPoint]:
    cut = now - minutes * SECONDS_PER_MINUTE
    return [p for p in points if p.ts > cut]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def compute_features(points: Sequence[WindowPoint]) -> list[float]:
    """Features of the last point of ``points`` (ts order), in :data:`FEATURE_NAMES` order.

    >>> from stadiumflow.domain.window import WindowPoint as P
    >>> f = dict(zip(FEATURE_NAMES, compute_features([P(0, 20, 3.0, 40), P(60, 20, 3.0, 60)])))
    >>> f["throughput_mean_5m"], f["queue_slope_5m"], f["wait_queue_over_throughput"]
    (20.0, 20.0, 3.0)
    """
    if not points:
        raise ValueError("features need at least one reading")
    last = points[-1]
    now = last.ts
    q = float(last.queue_length)
    c = float(last.per_minute_count)
    a = float(last.avg_processing_time)

    recent5 = _since(points, now, 5)
    recent15 = _since(points, now, 15)
    thr5 = _mean([float(p.per_minute_count) for p in recent5])
    thr15 = _mean([float(p.per_minute_count) for p in recent15])
    thr_max = max(float(p.per_minute_count) for p in points)
    service = _mean([p.avg_processing_time for p in recent15 if p.per_minute_count > 0]) or a
    # Busy lanes needed to pass thr_max fans/min at `service` s/fan: a lane-count estimate.
    lanes = thr_max * service / SECONDS_PER_MINUTE if service > 0 else 0.0

    first5 = recent5[0]
    span_min = (now - first5.ts) / SECONDS_PER_MINUTE
    slope = (q - first5.queue_length) / span_min if span_min > 0 else 0.0
    arrivals = max(thr5 + slope, 0.0)
    utilisation = arrivals / thr_max if thr_max > _MIN_RATE else 0.0

    wait_thr = q / thr5 if thr5 > _MIN_RATE else q * max(a, 1.0) / SECONDS_PER_MINUTE
    wait_service = q * a / (SECONDS_PER_MINUTE * max(lanes, 1.0))
    gap = (now - points[-2].ts) / SECONDS_PER_MINUTE if len(points) > 1 else 1.0

    return [
        q,
        c,
        a,
        thr5,
        thr15,
        thr_max,
        lanes,
        slope,
        arrivals,
        utilisation,
        wait_thr,
        wait_service,
        gap,
    ]
