"""Incidents of a match day: drawn at random from the seed, or given explicitly.

surge              arrivals at one gate x3-x5 for 5-10 minutes (a train, a fan march)
turnstile_failure  most lanes of one gate down for 10-20 minutes (power, network)
stuck_sensor       the gate keeps reporting the same queue length for 10-30 minutes
dropout            the gate reports nothing for 3-10 minutes
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from stadiumflow.domain.layout import StadiumLayout
from stadiumflow.simulation.gate import Gate
from stadiumflow.simulation.params import IncidentKind, IncidentSpec, MatchDayParams

INCIDENT_WINDOW_MINUTES = (-80.0, -10.0)  # incidents start during the ingress rush
DURATION_MINUTES: dict[IncidentKind, tuple[float, float]] = {
    IncidentKind.SURGE: (5.0, 10.0),
    IncidentKind.TURNSTILE_FAILURE: (10.0, 20.0),
    IncidentKind.STUCK_SENSOR: (10.0, 30.0),
    IncidentKind.DROPOUT: (3.0, 10.0),
}
MAGNITUDE: dict[IncidentKind, tuple[float, float]] = {
    IncidentKind.SURGE: (3.0, 5.0),  # arrival multiplier
    IncidentKind.TURNSTILE_FAILURE: (0.6, 0.9),  # share of lanes down
    IncidentKind.STUCK_SENSOR: (1.0, 1.0),
    IncidentKind.DROPOUT: (1.0, 1.0),
}


def draw_incidents(
    layout: StadiumLayout, params: MatchDayParams, rng: np.random.Generator
) -> tuple[IncidentSpec, ...]:
    """A random incident plan: Poisson(``params.incident_rate``) incidents, any kind, any gate."""
    kinds = list(IncidentKind)
    plan = []
    for _ in range(int(rng.poisson(params.incident_rate))):
        kind = kinds[int(rng.integers(len(kinds)))]
        gate = layout.gates[int(rng.integers(len(layout.gates)))].gate_id
        low, high = DURATION_MINUTES[kind]
        mag_low, mag_high = MAGNITUDE[kind]
        plan.append(
            IncidentSpec(
                kind=kind,
                gate_id=gate,
                start_minute=round(float(rng.uniform(*INCIDENT_WINDOW_MINUTES)), 2),
                duration_minutes=round(float(rng.uniform(low, high)), 2),
                magnitude=round(float(rng.uniform(mag_low, mag_high)), 2),
            )
        )
    return tuple(sorted(plan, key=lambda i: (i.start_minute, i.gate_id)))


def lanes_down(lanes: int, share: float) -> int:
    """Lanes a failure takes out: ``share`` of them, rounded up.

    >>> lanes_down(10, 0.75), lanes_down(2, 0.6)
    (8, 2)
    """
    return min(lanes, math.ceil(share * lanes))


def turnstile_failure(
    env: simpy.Environment, gate: Gate, start_s: float, end_s: float, share: float
) -> Generator[simpy.Event, Any, None]:
    """Actor: takes most of ``gate``'s lanes out of order for [start_s, end_s)."""
    yield env.timeout(max(start_s - env.now, 0.0))
    gate.set_lanes_open(gate.lanes - lanes_down(gate.lanes, share))
    yield env.timeout(max(end_s - env.now, 0.0))
    gate.set_lanes_open(gate.lanes)
