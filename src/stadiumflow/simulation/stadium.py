"""Fans reaching a stadium: one arrival actor per gate, and the routing each fan applies.

A fan reaching gate g first looks at the advice for g (from the control room): with
probability share x compliance they walk to the advised gate instead. Otherwise, if
balking is on and the visible wait beats their patience, they walk to the nearest gate
that shares a sector with g. A fan moves at most once; walking takes the layout's minutes.

Each moved fan's walk is kept (``walked``, by target gate and join time) so that a fan's
walk + wait can be told after the day; ``watch_stadiums`` lets an evaluation (an oracle
advisor) see the live stadium of a run it starts.
"""

from __future__ import annotations

import random
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import simpy

from stadiumflow.domain.layout import StadiumLayout
from stadiumflow.simulation.gate import Gate
from stadiumflow.simulation.params import SECONDS_PER_MINUTE, BehaviourSpec

Advice = dict[str, tuple[str, float]]
"""Per gate id: (gate to send fans to, share of arriving fans to send)."""

_WATCHERS: ContextVar[list[Stadium] | None] = ContextVar("stadium_watchers", default=None)


@contextmanager
def watch_stadiums() -> Iterator[list[Stadium]]:
    """Collect every Stadium built inside the block (in this thread/context), live."""
    seen: list[Stadium] = []
    token = _WATCHERS.set(seen)
    try:
        yield seen
    finally:
        _WATCHERS.reset(token)


class Stadium:
    """The gates of one stadium and the fans' choices between them."""

    def __init__(
        self,
        env: simpy.Environment,
        layout: StadiumLayout,
        gates: dict[str, Gate],
        behaviour: BehaviourSpec,
        rng: random.Random,
        service_means: dict[str, float],
    ) -> None:
        self.env = env
        self.layout = layout
        self.gates = gates
        self.behaviour = behaviour
        self.rng = rng
        self.service_means = service_means
        self.advice: Advice = {}
        self.redirected = 0
        self.balked = 0
        self.balk_target = {g: _balk_target(layout, g) for g in gates}
        self.arrived = dict.fromkeys(gates, 0)  # fans heading for each gate, before any move
        self.walked: dict[tuple[str, float], float] = {}  # (gate, join time) -> walk minutes
        watchers = _WATCHERS.get()
        if watchers is not None:
            watchers.append(self)

    def arrive(self, gate_id: str, moved: bool = False, walked: float = 0.0) -> None:
        """A fan reaches ``gate_id`` now: follow advice, balk, or join its queue."""
        if not moved:
            self.arrived[gate_id] += 1
            target = self._advised(gate_id) or self._balks(gate_id)
            if target is not None:
                self._walk(gate_id, target)
                return
        if walked:
            self.walked[(gate_id, self.env.now)] = walked
        self.gates[gate_id].join(self.env.now)

    def _advised(self, gate_id: str) -> str | None:
        advice = self.advice.get(gate_id)
        if advice is None:
            return None
        to_gate, share = advice
        if to_gate == gate_id or to_gate not in self.gates:
            return None
        if self.rng.random() < share * self.behaviour.compliance:
            self.redirected += 1
            return to_gate
        return None

    def _balks(self, gate_id: str) -> str | None:
        behaviour = self.behaviour
        target = self.balk_target[gate_id]
        if behaviour.balk_probability <= 0 or target is None:
            return None
        gate = self.gates[gate_id]
        visible = gate.queue_length * self.service_means[gate_id] / max(gate.lanes_open, 1)
        patience = self.rng.expovariate(1.0 / behaviour.balk_tolerance_minutes)
        if (
            visible / SECONDS_PER_MINUTE > patience
            and self.rng.random() < behaviour.balk_probability
        ):
            self.balked += 1
            return target
        return None

    def _walk(self, from_gate: str, to_gate: str) -> None:
        minutes = self.layout.walk_minutes(from_gate, to_gate)
        walk = self.env.timeout(minutes * SECONDS_PER_MINUTE)
        walk.callbacks.append(lambda _event: self.arrive(to_gate, moved=True, walked=minutes))


def fan_stream(
    env: simpy.Environment, stadium: Stadium, gate_id: str, times: Sequence[float]
) -> Generator[simpy.Event, Any, None]:
    """Actor: the fans heading for ``gate_id``, reaching it at ``times`` (ascending seconds)."""
    for t in times:
        if t > env.now:
            yield env.timeout(t - env.now)
        stadium.arrive(gate_id)


def _balk_target(layout: StadiumLayout, gate_id: str) -> str | None:
    gate = layout.gate(gate_id)
    sharing = [
        g.gate_id
        for g in layout.gates
        if g.gate_id != gate_id and set(g.sectors) & set(gate.sectors)
    ]
    if not sharing:
        return layout.nearest_other_gate(gate_id)
    return min(sharing, key=lambda other: layout.walk_minutes(gate_id, other))
