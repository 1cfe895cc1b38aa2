"""A gate: a FIFO queue of fans in front of its lanes (turnstiles), each lane an actor.

Fans are represented by the time they joined the queue. A lane takes the fan at the
head of the queue, serves them for a time drawn from the gate's service distribution and
records the fan's wait (service start - join) and service seconds. Lanes above
``lanes_open`` are out of order: they finish the fan they are serving and then park.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any

import simpy

from stadiumflow.simulation.service_times import ServiceSampler


class Gate:
    """State of one gate shared by its lanes, its sensor and the fans who join it."""

    def __init__(
        self, env: simpy.Environment, gate_id: str, lanes: int, sampler: ServiceSampler
    ) -> None:
        self.env = env
        self.gate_id = gate_id
        self.lanes = lanes
        self.lanes_open = lanes
        self.sampler = sampler
        self.waiting: deque[float] = deque()  # join times of fans queueing, head first
        self.idle: list[Lane] = []  # lanes open and waiting for a fan
        self.parked: list[Lane] = []  # lanes out of order
        # What the turnstiles log: completion times (ascending) and service seconds.
        self.completion_times: list[float] = []
        self.completion_services: list[float] = []
        # Ground truth, one entry per fan at service start.
        self.join_times: list[float] = []
        self.waits: list[float] = []
        self.lane_actors = [Lane(self, i) for i in range(lanes)]
        for lane in self.lane_actors:
            env.process(lane.run())

    @property
    def queue_length(self) -> int:
        """Fans waiting (not in service) right now."""
        return len(self.waiting)

    def join(self, join_time: float) -> None:
        """A fan joins the queue now; a free lane takes them at once."""
        if self.idle:
            lane = self.idle.pop()
            lane.wake_with(join_time)
        else:
            self.waiting.append(join_time)

    def set_lanes_open(self, lanes_open: int) -> None:
        """Take lanes out of order or bring them back (lanes above the count are down)."""
        self.lanes_open = max(0, min(lanes_open, self.lanes))
        for lane in [x for x in self.idle if x.index >= self.lanes_open]:
            self.idle.remove(lane)
            self.parked.append(lane)
        for lane in [x for x in self.parked if x.index < self.lanes_open]:
            self.parked.remove(lane)
            lane.wake_with(None)


class Lane:
    """One turnstile: an actor serving fans from its gate's queue, first come first served."""

    __slots__ = ("gate", "index", "wake")

    def __init__(self, gate: Gate, index: int) -> None:
        self.gate = gate
        self.index = index
        self.wake: simpy.Event | None = None

    def wake_with(self, join_time: float | None) -> None:
        assert self.wake is not None
        self.wake.succeed(join_time)

    def run(self) -> Generator[simpy.Event, Any, None]:
        gate = self.gate
        env = gate.env
        while True:
            if self.index >= gate.lanes_open:
                self.wake = env.event()
                gate.parked.append(self)
                yield self.wake  # restored by set_lanes_open
                continue
            if gate.waiting:
                join_time = gate.waiting.popleft()
            else:
                self.wake = env.event()
                gate.idle.append(self)
                join_time = yield self.wake
                if join_time is None:  # woken only to re-check (restored after a failure)
                    continue
            start = env.now
            service = gate.sampler.next()
            gate.join_times.append(join_time)
            gate.waits.append(start - join_time)
            yield env.timeout(service)
            gate.completion_times.append(env.now)
            gate.completion_services.append(service)
