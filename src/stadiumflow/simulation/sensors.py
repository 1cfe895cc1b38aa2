"""A gate controller's sensor: one actor per gate that reports a reading every minute.

At each tick ts the sensor reports, exactly:
  per_minute_count     fans whose service completed in (ts - 60 s, ts]
  avg_processing_time  the mean service seconds of those fans (0.0 when none)
  queue_length         fans waiting (not in service) at ts, with sensor noise
and keeps the true queue and open lanes beside it as ground truth. A stuck sensor
repeats the queue length it last reported; a dropped-out gate reports nothing; a lost
report (``missing_probability``) is simply absent.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

from stadiumflow.simulation.clock import SENSOR_PRIORITY, LateTimeout
from stadiumflow.simulation.gate import Gate
from stadiumflow.simulation.params import SECONDS_PER_MINUTE, SensorSpec

Window = tuple[float, float]  # [start, end) in simulation seconds


@dataclass(slots=True)
class GateTick:
    """One tick of a gate's sensor: what it reported (if it did) and the truth beside it."""

    gate_id: str
    ts_seconds: float
    per_minute_count: int
    avg_processing_time: float
    queue_length: int  # as reported (noisy, possibly frozen)
    queue_true: int
    lanes_open: int
    reported: bool


class GateSensor:
    """Observes one gate every minute, from the first minute after opening to ``until``."""

    def __init__(
        self,
        gate: Gate,
        spec: SensorSpec,
        rng: random.Random,
        until_seconds: float,
        stuck: list[Window],
        dropout: list[Window],
    ) -> None:
        self.gate = gate
        self.spec = spec
        self.rng = rng
        self.until_seconds = until_seconds
        self.stuck = stuck
        self.dropout = dropout
        self.ticks: list[GateTick] = []
        self._last_reported_queue = 0
        self._frozen: int | None = None

    def run(self) -> Generator[simpy.Event, Any, None]:
        env = self.gate.env
        spec = self.spec
        minute = 1
        while True:
            jitter = self.rng.uniform(-spec.jitter_seconds, spec.jitter_seconds)
            ts = minute * SECONDS_PER_MINUTE + spec.offset_seconds + jitter
            if ts > self.until_seconds:
                return
            yield LateTimeout(env, max(ts - env.now, 0.0), SENSOR_PRIORITY)
            self.ticks.append(self.observe(env.now))
            minute += 1

    def observe(self, ts: float) -> GateTick:
        gate = self.gate
        times = gate.completion_times
        hi = bisect.bisect_right(times, ts)
        lo = bisect.bisect_right(times, ts - SECONDS_PER_MINUTE, 0, hi)
        count = hi - lo
        avg = sum(gate.completion_services[lo:hi]) / count if count else 0.0
        true_queue = gate.queue_length
        reported = (
            not _inside(ts, self.dropout) and self.rng.random() >= self.spec.missing_probability
        )
        queue = self._reported_queue(ts, true_queue)
        if reported:
            self._last_reported_queue = queue
        return GateTick(
            gate.gate_id,
            ts,
            count,
            round(avg, self.spec.processing_decimals),
            queue,
            true_queue,
            gate.lanes_open,
            reported,
        )

    def _reported_queue(self, ts: float, true_queue: int) -> int:
        if _inside(ts, self.stuck):
            if self._frozen is None:
                self._frozen = self._last_reported_queue
            return self._frozen
        self._frozen = None
        spec = self.spec
        noisy = true_queue * (1.0 + self.rng.gauss(0.0, spec.queue_rel_noise))
        noisy += self.rng.gauss(0.0, spec.queue_abs_noise)
        return max(0, round(noisy))


def _inside(t: float, windows: list[Window]) -> bool:
    return any(start <= t < end for start, end in windows)
