"""Randomised match days for training data: layouts, demand, services, sensors, incidents.

The product is judged on match days from a simulator it has never seen, so training days
vary everything that could differ: stadium shapes (shipped and randomly generated), lane
counts 2-20, service distributions (lognormal, gamma, exponential, bag-check mixtures,
nearly deterministic) with means 2-8 s, arrival curves, peak utilisation from
comfortable to heavily overloaded, balking, sensor noise, report phase, jitter and loss.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np

from stadiumflow.domain.layout import GateLayout, SectorLayout, StadiumLayout
from stadiumflow.layouts import SHIPPED_LAYOUTS, load_layout
from stadiumflow.simulation.params import (
    ArrivalCurve,
    BehaviourSpec,
    MatchDayParams,
    SensorSpec,
    ServiceFamily,
    ServiceSpec,
)

SHIPPED_SHARE = 0.35  # share of training days on the shipped stadiums
GATES_RANGE = (4, 16)
LANES_RANGE = (2, 20)
FANS_RANGE = (20_000.0, 70_000.0)
SERVICE_MEAN_SECONDS = (2.0, 8.0)
PEAK_UTILISATION = (0.4, 1.2)  # arrivals / capacity at a gate's peak, day average
MAX_GATE_UTILISATION = 1.5  # beyond this, waits of hours: rare in practice, dominant in errors
FIRST_KICKOFF = datetime(2025, 6, 1, tzinfo=UTC)


def random_match_day(day_seed: np.random.SeedSequence) -> tuple[StadiumLayout, MatchDayParams, int]:
    """A layout, parameters and a simulation seed for one training day."""
    rng = np.random.default_rng(day_seed)
    curve = _curve(rng)
    if rng.random() < SHIPPED_SHARE:
        layout = load_layout(SHIPPED_LAYOUTS[int(rng.integers(len(SHIPPED_LAYOUTS)))])
        attendance = float(rng.uniform(0.55, 1.0))
    else:
        layout = random_layout(rng, curve, f"SIM{int(rng.integers(10_000)):04d}")
        attendance = 1.0
    services = {g.gate_id: random_service(rng, g.service_mean_seconds) for g in layout.gates}
    sensors = {g.gate_id: random_sensor(rng) for g in layout.gates}
    kickoff = FIRST_KICKOFF + timedelta(
        days=int(rng.integers(120)), hours=float(rng.uniform(13, 22))
    )
    params = MatchDayParams(
        kickoff=kickoff.replace(second=0, microsecond=0),
        open_minutes_before=float(rng.uniform(120, 200)),
        observe_minutes_after=float(rng.uniform(10, 40)),
        attendance=attendance,
        demand_spread=float(rng.uniform(0.05, 0.4)),
        curve=curve,
        behaviour=BehaviourSpec(
            balk_probability=float(rng.uniform(0.1, 0.6)) if rng.random() < 0.4 else 0.0,
            balk_tolerance_minutes=float(rng.uniform(8, 30)),
        ),
        gate_services=services,
        gate_sensors=sensors,
        incident_rate=float(rng.uniform(0.0, 4.0)),
    )
    return layout, params, int(rng.integers(2**31))


def random_layout(rng: np.random.Generator, curve: ArrivalCurve, stadium_id: str) -> StadiumLayout:
    """A stadium that does not exist: one sector per gate, some gates sharing a neighbour's.

    20k-70k fans split unevenly over sectors; each gate's lanes are then sized from a
    target peak utilisation (clipped to 2-20 lanes), so demand relative to capacity spans
    comfortable to heavily overloaded whatever the service times.
    """
    n = int(rng.integers(GATES_RANGE[0], GATES_RANGE[1] + 1))
    angles = np.sort(rng.uniform(0, 360, n))
    fans = rng.uniform(*FANS_RANGE)
    shares = rng.lognormal(0.0, 0.5, n)
    seats = np.maximum(200, fans * shares / shares.sum()).astype(int)
    sectors = tuple(SectorLayout(f"S{i + 1}", int(seats[i])) for i in range(n))
    served = [[f"S{i + 1}"] for i in range(n)]
    for i in range(n):
        if n > 1 and rng.random() < 0.4:  # gate i also takes half of sector i+1's fans
            served[i].append(f"S{(i + 1) % n + 1}")
    demand = np.zeros(n)
    for j in range(n):
        takers = [i for i in range(n) if f"S{j + 1}" in served[i]]
        demand[takers] += seats[j] / len(takers)
    day_load = rng.uniform(*PEAK_UTILISATION)
    peak_share = peak_share_per_minute(curve)
    gates = []
    for i in range(n):
        mean = float(rng.uniform(*SERVICE_MEAN_SECONDS))
        load = min(day_load * rng.lognormal(0.0, 0.3), MAX_GATE_UTILISATION)
        needed = demand[i] * peak_share * mean / (60.0 * load)  # lanes for that utilisation
        lanes = int(np.clip(round(needed), *LANES_RANGE))
        gates.append(GateLayout(f"G{i + 1}", lanes, tuple(served[i]), float(angles[i]), 1.0, mean))
    perimeter = float(rng.uniform(8, 25))
    return StadiumLayout(stadium_id, stadium_id, tuple(gates), sectors, perimeter)


def random_service(rng: np.random.Generator, layout_mean: float) -> ServiceSpec:
    families = list(ServiceFamily)
    weights = np.array([0.15, 0.3, 0.2, 0.05, 0.3])  # same order as ServiceFamily
    family = families[int(rng.choice(len(families), p=weights / weights.sum()))]
    mean = float(np.clip(layout_mean * rng.lognormal(0.0, 0.25), *SERVICE_MEAN_SECONDS))
    cv = (
        float(rng.uniform(0.05, 0.3))
        if family is ServiceFamily.DETERMINISTIC
        else float(rng.uniform(0.2, 1.2))
    )
    if family is ServiceFamily.DETERMINISTIC:
        family = ServiceFamily.GAMMA  # nearly deterministic: a gamma with a small cv
    return ServiceSpec(
        family=family,
        mean_seconds=mean,
        cv=cv,
        bag_share=float(rng.uniform(0.1, 0.5)),
        bag_extra_seconds=float(rng.uniform(4.0, 20.0)),
    )


def random_sensor(rng: np.random.Generator) -> SensorSpec:
    return SensorSpec(
        queue_rel_noise=float(rng.uniform(0.0, 0.15)),
        queue_abs_noise=float(rng.uniform(0.0, 3.0)),
        offset_seconds=float(rng.uniform(0, 59)) if rng.random() < 0.5 else 0.0,
        jitter_seconds=float(rng.uniform(0, 6)) if rng.random() < 0.3 else 0.0,
        missing_probability=float(rng.uniform(0.0, 0.05)) if rng.random() < 0.5 else 0.0,
        processing_decimals=int(rng.integers(1, 3)),
    )


def _curve(rng: np.random.Generator) -> ArrivalCurve:
    return ArrivalCurve(
        peak_minutes_before=float(rng.uniform(30, 70)),
        shape=float(rng.uniform(2.5, 6.0)),
        floor_minutes=float(rng.uniform(3, 15)),
        early_share=float(rng.uniform(0.03, 0.2)),
        late_share=float(rng.uniform(0.01, 0.1)),
        late_until_minutes_after=float(rng.uniform(5, 25)),
        gate_peak_jitter_minutes=float(rng.uniform(0, 8)),
    )


def peak_share_per_minute(curve: ArrivalCurve) -> float:
    """Share of a gate's fans arriving in the peak minute (the gamma density at its mode).

    >>> round(peak_share_per_minute(ArrivalCurve()), 4)
    0.0153
    """
    k = curve.shape
    theta = max(curve.peak_minutes_before - curve.floor_minutes, 1.0) / max(k - 1, 0.2)
    mode = (k - 1) * theta
    log_pdf = (k - 1) * math.log(mode) - mode / theta - math.lgamma(k) - k * math.log(theta)
    return (1.0 - curve.early_share - curve.late_share) * math.exp(log_pdf)
