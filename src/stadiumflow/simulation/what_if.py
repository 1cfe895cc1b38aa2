"""Capacity planning: a layout and an arrival forecast in, the expected wait per gate out.

The forecast is either a number of fans (spread by the standard arrival curve) or a
stadium-wide arrival rate per minute from gate opening; fans split over gates as sector
demand does. Lanes can be overridden per gate to compare options. No incidents, no
sensor noise: this answers "what would the waits be", not "what would we observe".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from stadiumflow.domain.layout import StadiumLayout
from stadiumflow.simulation.arrivals import gate_demand, rate_arrival_seconds
from stadiumflow.simulation.matchday import run_match_day
from stadiumflow.simulation.params import (
    SECONDS_PER_MINUTE,
    ArrivalCurve,
    MatchDayParams,
    SensorSpec,
)
from stadiumflow.simulation.results import red_minutes

_EXACT_SENSOR = SensorSpec(queue_rel_noise=0.0, queue_abs_noise=0.0)


@dataclass(frozen=True, slots=True)
class Forecast:
    """Either ``total_fans`` (with the curve's peak) or ``arrivals_per_minute``."""

    total_fans: float | None = None
    peak_minutes_before: float = 45.0
    arrivals_per_minute: Sequence[float] | None = None


@dataclass(frozen=True, slots=True)
class GateProfile:
    gate_id: str
    lanes: int
    fans: int
    peak_wait: float
    red_minutes: int
    minutes: list[float]  # minutes relative to kickoff
    waits: list[float]  # expected wait (minutes) of a fan joining at that minute


def with_lanes(layout: StadiumLayout, lanes: Mapping[str, int]) -> StadiumLayout:
    unknown = set(lanes) - set(layout.gate_ids)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    gates = tuple(replace(g, lanes=lanes.get(g.gate_id, g.lanes)) for g in layout.gates)
    return replace(layout, gates=gates)


def what_if(
    layout: StadiumLayout, forecast: Forecast, *, seed: int = 0, replications: int = 1
) -> list[GateProfile]:
    """Mean wait profile per gate over ``replications`` seeded runs."""
    base = MatchDayParams(
        attendance=1.0,
        demand_spread=0.0,
        curve=ArrivalCurve(peak_minutes_before=forecast.peak_minutes_before),
        default_sensor=_EXACT_SENSOR,
        incidents=(),
    )
    if forecast.total_fans is not None:
        base = replace(base, attendance=forecast.total_fans / layout.capacity)
    runs = []
    for r in range(replications):
        arrivals = None
        if forecast.arrivals_per_minute is not None:
            rng = np.random.default_rng([seed, r])
            demand = gate_demand(layout, base, rng)
            total = sum(demand.values()) or 1.0
            rates = np.asarray(forecast.arrivals_per_minute, dtype=float)
            arrivals = {g: rate_arrival_seconds(rates * d / total, rng) for g, d in demand.items()}
        runs.append(run_match_day(layout, base, seed + 7919 * r, arrivals=arrivals))
    profiles = []
    for i, gate in enumerate(layout.gates):
        rows = [[m for m in run.minutes if m.reading.gate_id == gate.gate_id] for run in runs]
        waits = np.mean([[m.wait_true for m in rs] for rs in rows], axis=0).tolist()
        minutes = [
            round(
                (m.reading.ts - base.gates_open).total_seconds() / SECONDS_PER_MINUTE
                - base.open_minutes_before,
                2,
            )
            for m in rows[0]
        ]
        profiles.append(
            GateProfile(
                gate_id=gate.gate_id,
                lanes=gate.lanes,
                fans=round(float(np.mean([run.gates[i].fans_served for run in runs]))),
                peak_wait=max(waits, default=0.0),
                red_minutes=red_minutes(waits),
                minutes=minutes,
                waits=[round(w, 3) for w in waits],
            )
        )
    return profiles
