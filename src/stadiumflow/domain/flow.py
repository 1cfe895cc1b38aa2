"""A gate as a fluid queue: what the planner knows of it, learned from its own readings.

The service is never told a gate's lanes, so capacity is learned: while a queue stands,
every lane is busy and the fans passed per minute *are* the capacity; a gate that never
had a queue has shown only a lower bound, so a lane's worth of headroom is assumed (the
headroom is re-learned as soon as redirected fans make a queue appear there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

from stadiumflow.domain.status import GateStatus
from stadiumflow.domain.window import WindowPoint, index_after

SECONDS_PER_MINUTE = 60.0
DEFAULT_SECONDS_PER_FAN = 6.0
SATURATED_QUEUE = 5  # fans waiting: every lane is busy, throughput = capacity
RECENT_SECONDS = 10 * 60.0  # capacity from the last 10 minutes when they were saturated
RECENT_SATURATED = 5  # ... averaged over at most this many saturated minutes
UNSATURATED_HEADROOM = 1.3  # an unqueued gate can pass at least this much more
MIN_CAPACITY = 1.0  # fans/min: keeps a fresh gate from dividing by zero
_count = attrgetter("per_minute_count")


@dataclass(frozen=True, slots=True)
class GateLoad:
    """One gate for the planner; rates in fans per minute, waits in minutes."""

    gate_id: str
    wait: float  # for a fan joining now (the wait model's estimate)
    capacity: float
    arrivals: float  # joining the queue, as observed (advice in force included)
    wait_in_15: float | None = None
    usable: bool = True  # may receive redirected fans (reporting, no alarm)
    lane_rate: float = SECONDS_PER_MINUTE / DEFAULT_SECONDS_PER_FAN  # one lane's fans/min


def mean_wait(load: GateLoad, inflow: float, start: float, horizon: float) -> float:
    """Mean wait of fans joining in [start, start + horizon] minutes at ``inflow`` fans/min.

    The queue starts at wait x capacity and grows (or drains, never below zero) at
    inflow - capacity.

    >>> gate = GateLoad("G1", wait=10.0, capacity=50.0, arrivals=50.0)
    >>> mean_wait(gate, 50.0, 0.0, 15.0), mean_wait(gate, 60.0, 0.0, 10.0)
    (10.0, 11.0)
    >>> mean_wait(gate, 0.0, 0.0, 20.0)
    2.5
    """
    mu = max(load.capacity, MIN_CAPACITY)
    q0 = max(load.wait, 0.0) * mu
    rate = inflow - mu
    a, b = start, start + horizon
    if rate >= 0:
        return (q0 + rate * (a + b) / 2.0) / mu
    empty_at = q0 / -rate
    if empty_at <= a:
        return 0.0
    end = min(b, empty_at)
    area = q0 * (end - a) + rate * (end * end - a * a) / 2.0
    return area / (b - a) / mu


def gate_load(points: Sequence[WindowPoint], status: GateStatus, lanes: int | None) -> GateLoad:
    """The planner's view of a gate from its rolling window, status and (if known) lanes."""
    last = points[-1] if points else WindowPoint(status.ts.timestamp(), 0, 0.0, 0)
    busy = [p.avg_processing_time for p in points[-15:] if p.per_minute_count > 0]
    seconds = sum(busy) / len(busy) if busy else status.avg_processing_time
    seconds = seconds if seconds > 0 else DEFAULT_SECONDS_PER_FAN
    lane_rate = SECONDS_PER_MINUTE / seconds
    capacity = learned_capacity(points, lane_rate, last.ts)
    if lanes is not None and not _saturated_recently(points, last.ts):
        capacity = max(capacity, lanes * lane_rate)
    return GateLoad(
        gate_id=status.gate_id,
        wait=status.wait,
        capacity=max(capacity, MIN_CAPACITY),
        arrivals=observed_arrivals(points),
        wait_in_15=status.wait_in_15,
        usable=not status.anomaly,
        lane_rate=lane_rate,
    )


def _saturated_recently(points: Sequence[WindowPoint], now: float) -> bool:
    return any(p.queue_length >= SATURATED_QUEUE and p.ts > now - RECENT_SECONDS for p in points)


def learned_capacity(points: Sequence[WindowPoint], lane_rate: float, now: float) -> float:
    """Fans/min the gate passes when busy: recent saturated minutes, else the hour's best.

    >>> pts = [WindowPoint(60.0 * i, 30, 4.0, 40) for i in range(6)]
    >>> learned_capacity(pts, 15.0, 300.0)
    30.0
    >>> learned_capacity([WindowPoint(0.0, 10, 4.0, 0)], 15.0, 0.0)
    25.0
    """
    cutoff = now - RECENT_SECONDS
    recent: list[int] = []
    for p in reversed(points):  # in ts order: the recent minutes are at the end
        if p.ts <= cutoff or len(recent) == RECENT_SATURATED:
            break
        if p.queue_length >= SATURATED_QUEUE:
            recent.append(p.per_minute_count)
    if recent:
        return sum(recent) / len(recent)
    saturated = [p.per_minute_count for p in points if p.queue_length >= SATURATED_QUEUE]
    best = float(max((p.per_minute_count for p in points), default=0))
    if saturated:
        top = sorted(saturated)[-3:]
        return max(sum(top) / len(top), best)
    return max(best * UNSATURATED_HEADROOM, best + lane_rate)


def observed_arrivals(points: Sequence[WindowPoint], minutes: float = 5.0) -> float:
    """Fans/min joining: throughput plus queue growth over the last ``minutes``.

    >>> observed_arrivals([WindowPoint(0.0, 20, 3.0, 40), WindowPoint(60.0, 20, 3.0, 60)])
    40.0
    """
    if not points:
        return 0.0
    now = points[-1].ts
    cutoff = now - minutes * SECONDS_PER_MINUTE
    first_recent = index_after(points, cutoff, 0, len(points) - 1)
    first = points[first_recent]
    span = (now - first.ts) / SECONDS_PER_MINUTE
    growth = (points[-1].queue_length - first.queue_length) / span if span > 0 else 0.0
    served_n = len(points) - 1 - first_recent
    if served_n == 0:
        served = float(first.per_minute_count)
    else:
        served = sum(map(_count, points[first_recent + 1 :])) / served_n
    return max(served + growth, 0.0)


def expected_inflow(load: GateLoad, horizon: float = 15.0) -> float:
    """Fans/min joining over the next minutes: observed arrivals, blended with the rate
    the wait model's forecast implies (it sees the crowd building before the queue does).

    >>> expected_inflow(GateLoad("G1", wait=4.0, capacity=30.0, arrivals=30.0, wait_in_15=9.0))
    35.0
    """
    if load.wait_in_15 is None:
        return load.arrivals
    implied = load.capacity + (load.wait_in_15 - load.wait) * load.capacity / horizon
    return max(0.5 * (load.arrivals + implied), 0.0)
