"""Ordering of simultaneous events: observers look after everything else has happened.

SimPy processes events of the same time by priority, then by scheduling order. A sensor
that reads a gate at ts must see every arrival, service start and completion at ts, so
that ``perMinuteCount`` counts completions in (ts - 60 s, ts] exactly and the queue at ts
is the queue after all of ts's events. Sensors therefore wake with a priority below
SimPy's NORMAL, and the control room (which reads the sensors) below the sensors.
"""

from __future__ import annotations

from typing import Any

import simpy
from simpy.events import Event, EventPriority

SENSOR_PRIORITY = 2  # after every NORMAL (1) and URGENT (0) event of the same time
CONTROL_PRIORITY = 3  # after the sensors of the same time


class LateTimeout(Event):
    """A timeout that fires after all ordinary events scheduled for the same time."""

    def __init__(self, env: simpy.Environment, delay: float, priority: int) -> None:
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        super().__init__(env)
        # Mark the event as already succeeded, as simpy.Timeout does, then schedule it.
        self._ok = True
        self._value: Any = None
        env.schedule(self, EventPriority(priority), delay)
