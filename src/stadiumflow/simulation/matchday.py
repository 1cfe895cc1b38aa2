"""One match day at one stadium: build the actors, run SimPy, join readings with truth.

Every random choice draws from streams spawned from ``seed`` (numpy SeedSequence), one
per concern (demand, arrivals, incidents, each gate's services and sensor, fans'
behaviour, the plan's allocation error), so a run is reproducible and changing one
concern does not reshuffle others.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
import simpy

from stadiumflow.domain.layout import StadiumLayout
from stadiumflow.simulation.arrivals import (
    add_surge,
    curve_arrival_seconds,
    expected_arrival_shares,
    gate_demand,
)
from stadiumflow.simulation.control import Advisor, ControlRoom, tick_reading
from stadiumflow.simulation.gate import Gate
from stadiumflow.simulation.incidents import draw_incidents, turnstile_failure
from stadiumflow.simulation.params import (
    SECONDS_PER_MINUTE,
    IncidentKind,
    IncidentSpec,
    MatchDayParams,
    ServiceFamily,
    ServiceSpec,
)
from stadiumflow.simulation.plans import GateProfile, minute_counts, shares_of, simulated_plan
from stadiumflow.simulation.results import GateSummary, MatchDayResult, ObservedMinute, red_minutes
from stadiumflow.simulation.sensors import GateSensor, Window
from stadiumflow.simulation.service_times import ServiceSampler
from stadiumflow.simulation.stadium import Stadium, fan_stream
from stadiumflow.simulation.truth import FORECAST_30_SECONDS, FORECAST_HORIZON_SECONDS, WaitTruth

# demand, arrivals, incidents, behaviour, services (spawned), sensors (spawned), plan. A
# stream added last leaves the others as they were: spawn(n) begins with spawn(n - 1).
_STREAMS = 7


def service_spec_for(layout: StadiumLayout, params: MatchDayParams, gate_id: str) -> ServiceSpec:
    """The gate's service distribution: an explicit override, else the layout's mean and cv."""
    if gate_id in params.gate_services:
        return params.gate_services[gate_id]
    gate = layout.gate(gate_id)
    return ServiceSpec(ServiceFamily.LOGNORMAL, gate.service_mean_seconds, gate.service_cv)


def run_match_day(
    layout: StadiumLayout,
    params: MatchDayParams | None = None,
    seed: int = 0,
    *,
    advisor: Advisor | None = None,
    arrivals: Mapping[str, np.ndarray] | None = None,
    on_minute: Callable[[int, int], None] | None = None,
) -> MatchDayResult:
    """Simulate one match day; ``arrivals`` (seconds since opening, per gate) replaces the
    arrival curve when given; ``on_minute(done, total)`` reports progress."""
    params = params or MatchDayParams()
    streams = np.random.SeedSequence(seed).spawn(_STREAMS)
    rng_demand, rng_arrivals, rng_incidents, rng_behaviour = (
        np.random.default_rng(s) for s in streams[:4]
    )
    gate_ids = layout.gate_ids
    service_seeds = streams[4].spawn(len(gate_ids))
    sensor_seeds = streams[5].generate_state(len(gate_ids)).tolist()
    plan_seed = streams[6]

    incidents = params.incidents
    if incidents is None:
        incidents = draw_incidents(layout, params, rng_incidents)
    until = params.seconds_from_open(params.observe_minutes_after)

    env = simpy.Environment()
    specs = {gid: service_spec_for(layout, params, gid) for gid in gate_ids}
    gates = {
        gid: Gate(
            env, gid, layout.gate(gid).lanes, ServiceSampler(specs[gid], np.random.default_rng(s))
        )
        for gid, s in zip(gate_ids, service_seeds, strict=True)
    }
    times = (
        dict(arrivals)
        if arrivals is not None
        else _curve_arrivals(layout, params, rng_demand, rng_arrivals)
    )
    sensors = []
    for gid, sensor_seed in zip(gate_ids, sensor_seeds, strict=True):
        spec = params.gate_sensors.get(gid, params.default_sensor)
        stuck = _windows(incidents, params, gid, IncidentKind.STUCK_SENSOR)
        dropout = _windows(incidents, params, gid, IncidentKind.DROPOUT)
        sensor = GateSensor(gates[gid], spec, random.Random(sensor_seed), until, stuck, dropout)
        sensors.append(sensor)
        env.process(sensor.run())
    for inc in incidents:
        start, end = (
            params.seconds_from_open(inc.start_minute),
            params.seconds_from_open(inc.end_minute),
        )
        if inc.gate_id not in gates:
            raise ValueError(f"incident at unknown gate {inc.gate_id!r}")
        if inc.kind is IncidentKind.SURGE:
            times[inc.gate_id] = add_surge(
                times.get(inc.gate_id, np.empty(0)), start, end, inc.magnitude, rng_arrivals
            )
        elif inc.kind is IncidentKind.TURNSTILE_FAILURE:
            env.process(turnstile_failure(env, gates[inc.gate_id], start, end, inc.magnitude))

    stadium = Stadium(
        env,
        layout,
        gates,
        params.behaviour,
        random.Random(int(rng_behaviour.integers(2**63))),
        {gid: spec.mean_seconds for gid, spec in specs.items()},
    )
    for gid in gate_ids:
        env.process(fan_stream(env, stadium, gid, np.asarray(times.get(gid, [])).tolist()))
    if advisor is not None:
        env.process(ControlRoom(stadium, sensors, advisor, params.gates_open, until).run())

    total = int(until // SECONDS_PER_MINUTE)
    for minute in range(1, total + 1):
        env.run(until=minute * SECONDS_PER_MINUTE)
        if on_minute is not None:
            on_minute(minute, total)
    env.run()  # drain: every fan who joined gets served, so every wait is known
    result = _result(layout, params, seed, incidents, gates, sensors, stadium)
    plan = simulated_plan(
        layout.stadium_id,
        params.kickoff,
        {gid: len(gates[gid].waits) for gid in gate_ids},  # the fans who entered there
        {gid: gates[gid].lanes for gid in gate_ids},
        plan_seed,
    )
    return replace(result, plan=plan, profiles=_profiles(params, specs, arrivals, gates))


def _profiles(
    params: MatchDayParams,
    specs: Mapping[str, ServiceSpec],
    arrivals: Mapping[str, np.ndarray] | None,
    gates: Mapping[str, Gate],
) -> tuple[GateProfile, ...]:
    """Each gate's service mean, arrival shape (the curve's expectation, or the shape of
    the arrivals given instead of it) and the fans who really joined it, per minute."""
    minutes = math.ceil(params.open_minutes_before + params.curve.late_until_minutes_after) + 1
    curve = tuple(expected_arrival_shares(params.curve, params.open_minutes_before).tolist())
    return tuple(
        GateProfile(
            gid,
            params.gates_open,
            specs[gid].mean_seconds,
            curve if arrivals is None else shares_of(np.asarray(arrivals.get(gid, [])), minutes),
            minute_counts(np.asarray(gate.join_times), minutes),
        )
        for gid, gate in gates.items()
    )


def _curve_arrivals(
    layout: StadiumLayout,
    params: MatchDayParams,
    rng_demand: np.random.Generator,
    rng_arrivals: np.random.Generator,
) -> dict[str, np.ndarray]:
    demand = gate_demand(layout, params, rng_demand)
    return {
        gid: curve_arrival_seconds(
            demand[gid], params.curve, params.open_minutes_before, rng_arrivals
        )
        for gid in layout.gate_ids
    }


def _windows(
    incidents: tuple[IncidentSpec, ...], params: MatchDayParams, gate_id: str, kind: IncidentKind
) -> list[Window]:
    return [
        (params.seconds_from_open(i.start_minute), params.seconds_from_open(i.end_minute))
        for i in incidents
        if i.gate_id == gate_id and i.kind is kind
    ]


def _result(
    layout: StadiumLayout,
    params: MatchDayParams,
    seed: int,
    incidents: tuple[IncidentSpec, ...],
    gates: dict[str, Gate],
    sensors: list[GateSensor],
    stadium: Stadium,
) -> MatchDayResult:
    opened = params.gates_open
    minutes: list[ObservedMinute] = []
    summaries: list[GateSummary] = []
    for sensor in sensors:
        gate = sensor.gate
        truth = WaitTruth(gate.join_times, gate.waits)
        stamps = np.array([t.ts_seconds for t in sensor.ticks])
        now = truth.wait_at(stamps).tolist()
        ahead = truth.wait_at(stamps + FORECAST_HORIZON_SECONDS).tolist()
        ahead30 = truth.wait_at(stamps + FORECAST_30_SECONDS).tolist()
        for tick, wait, wait15, wait30 in zip(sensor.ticks, now, ahead, ahead30, strict=True):
            minute_rel = tick.ts_seconds / SECONDS_PER_MINUTE - params.open_minutes_before
            active = [
                i.kind.value
                for i in incidents
                if i.gate_id == gate.gate_id and i.start_minute <= minute_rel < i.end_minute
            ]
            minutes.append(
                ObservedMinute(
                    reading=tick_reading(layout.stadium_id, opened, tick),
                    reported=tick.reported,
                    queue_true=tick.queue_true,
                    lanes_open=tick.lanes_open,
                    wait_true=wait,
                    wait_true_in_15=wait15,
                    incident="+".join(active),
                    wait_true_in_30=wait30,
                )
            )
        summaries.append(
            GateSummary(
                gate_id=gate.gate_id,
                lanes=gate.lanes,
                fans_served=len(gate.waits),
                mean_wait=truth.mean_wait_minutes(),
                worst_wait=max(now, default=0.0),
                red_minutes=red_minutes(now),
            )
        )
    return MatchDayResult(
        layout=layout,
        params=params,
        seed=seed,
        incidents=incidents,
        minutes=tuple(minutes),
        gates=tuple(summaries),
        redirected=stadium.redirected,
        balked=stadium.balked,
    )
