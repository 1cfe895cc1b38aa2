"""The control room: consults a redirection advisor every simulated minute.

The advisor sees exactly what the service would see (the readings the gates reported in
the last minute, noise and gaps included) and answers, per gate, where to send a share
of arriving fans. A later issue plugs the product's planner in here to measure how much
redirection shortens waits.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import simpy

from stadiumflow.domain.readings import Reading
from stadiumflow.simulation.clock import CONTROL_PRIORITY, LateTimeout
from stadiumflow.simulation.params import SECONDS_PER_MINUTE
from stadiumflow.simulation.sensors import GateSensor, GateTick
from stadiumflow.simulation.stadium import Stadium

Advisor = Callable[[datetime, Sequence[Reading]], Mapping[str, tuple[str, float]]]
"""(now, readings of the last minute) -> {gate_id: (to_gate_id, share in [0, 1])}."""


def tick_reading(stadium_id: str, opened: datetime, tick: GateTick) -> Reading:
    """The reading a tick reports, with ts as a UTC datetime (to the millisecond)."""
    ts = opened + timedelta(milliseconds=round(tick.ts_seconds * 1000.0))
    return Reading(
        stadium_id,
        tick.gate_id,
        ts,
        tick.per_minute_count,
        tick.avg_processing_time,
        tick.queue_length,
    )


class ControlRoom:
    """Actor: every minute, hand the advisor the fresh readings and apply its advice."""

    def __init__(
        self,
        stadium: Stadium,
        sensors: Sequence[GateSensor],
        advisor: Advisor,
        opened: datetime,
        until_seconds: float,
    ) -> None:
        self.stadium = stadium
        self.sensors = sensors
        self.advisor = advisor
        self.opened = opened
        self.until_seconds = until_seconds
        self.calls = 0

    def run(self) -> Generator[simpy.Event, Any, None]:
        env = self.stadium.env
        seen = [0] * len(self.sensors)
        stadium_id = self.stadium.layout.stadium_id
        while env.now + SECONDS_PER_MINUTE <= self.until_seconds:
            yield LateTimeout(env, SECONDS_PER_MINUTE, CONTROL_PRIORITY)
            fresh: list[Reading] = []
            for i, sensor in enumerate(self.sensors):
                for tick in sensor.ticks[seen[i] :]:
                    if tick.reported:
                        fresh.append(tick_reading(stadium_id, self.opened, tick))
                seen[i] = len(sensor.ticks)
            now = self.opened + timedelta(seconds=env.now)
            advice = self.advisor(now, fresh)
            self.calls += 1
            self.stadium.advice = {
                gate: (to_gate, min(max(float(share), 0.0), 1.0))
                for gate, (to_gate, share) in advice.items()
            }
