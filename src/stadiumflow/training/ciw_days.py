"""A second match-day simulator, built on Ciw instead of our SimPy model, to check that
the wait model holds on days that did not shape it.

The product is judged on a simulator we do not have. Fresh days of our own simulator
(``evaluate``) show the model generalises across seeds, not across modelling choices:
a model can learn how *our* gates, sensors and incidents behave. These days are built
independently of ``simulation`` and deliberately differ from it:

    gates      one Ciw node each: a single FIFO queue in front of c lanes (M_t/G/c_t),
               no sectors, no walking, no balking, no redirection
    arrivals   Poisson, rate piecewise constant per minute, a skewed bell (gamma-shaped)
               per gate peaking 15-70 minutes before kickoff; peak load 0.5-1.35 of
               the gate's capacity, so some gates stay comfortable and some overflow
    service    gamma seconds per fan, mean 2.5-7 s, coefficient of variation 0.3-1.0
    incidents  lanes closed in the gate's rush (a Ciw server schedule), surges (arrivals
               x2-3) in its busy hour
    sensors    exact minute ticks, no noise, no loss, no jitter

What it shares with ours is only the contract: a reading's fields mean what the API
says, and the truth is the mean wait of fans joining in [ts, ts + 1 min) (``WaitTruth``).
Used by ``stadiumflow evaluate --simulator ciw``; never for training or for choosing a
model's parameters (a model tuned to it would be tuned to a third simulator instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import ciw
import numpy as np

from stadiumflow.domain.plan import MatchPlan
from stadiumflow.domain.readings import Reading
from stadiumflow.simulation.plans import GateProfile, minute_counts, simulated_plan
from stadiumflow.simulation.results import ObservedMinute
from stadiumflow.simulation.truth import FORECAST_30_SECONDS, FORECAST_HORIZON_SECONDS, WaitTruth
from stadiumflow.training.anomaly_eval import Incident, IncidentDay

CIW_ENTROPY = 0xC1_3C4E_C4  # its own root of seeds, used by nothing else
OPEN_MINUTES_BEFORE = 150  # gates open this long before kickoff
OBSERVE_MINUTES_AFTER = 20  # readings stop this long after kickoff
GATES = (6, 14)
LANES = (2, 16)
SERVICE_MEAN_SECONDS = (2.5, 7.0)
SERVICE_CV = (0.3, 1.0)
PEAK_LOAD = (0.5, 1.35)  # arrival rate at a gate's peak / its capacity
LANE_CLOSURE_SHARE = 0.25  # of gates, one closure each
SURGE_SHARE = 0.15  # of gates, one surge each
_DRAIN_SECONDS = 6 * 3600.0  # simulate on after the last arrival until every fan is through


@dataclass(frozen=True)
class CiwDay:
    """One simulated match day: per gate and minute, the reading and the truth; the
    operator's plan (expected fans off by an allocation error) and the gates' service
    means and arrival shapes (before surges)."""

    stadium_id: str
    minutes: tuple[ObservedMinute, ...]
    gates: int
    incidents: tuple[Incident, ...]
    plan: MatchPlan | None = None
    profiles: tuple[GateProfile, ...] = ()

    def readings(self) -> list[Reading]:
        return sorted((m.reading for m in self.minutes), key=lambda r: (r.ts, r.gate_id))

    def incident_day(self) -> IncidentDay:
        return IncidentDay(self.gates, self.incidents)


@dataclass(frozen=True)
class _Gate:
    lanes: int
    service_mean: float  # seconds
    service_cv: float
    rates: np.ndarray  # fans per second, one per minute of the open period
    planned: np.ndarray  # the same before any surge: the shape a plan could know
    closure: tuple[float, float, int] | None  # (start s, end s, lanes left)
    surge: tuple[float, float] | None  # (start s, end s)


def _bell(rng: np.random.Generator, minutes: int) -> np.ndarray:
    """A gamma-shaped arrival profile over the open period, 1.0 at its peak."""
    peak = OPEN_MINUTES_BEFORE - rng.uniform(15, 70)  # minutes after opening
    shape = rng.uniform(2.0, 6.0)
    scale = peak / (shape - 1.0)
    t = np.arange(minutes) + 0.5
    log_density = (shape - 1.0) * np.log(t / scale) - t / scale
    profile: np.ndarray = np.exp(log_density - log_density.max())
    late = t > OPEN_MINUTES_BEFORE  # after kickoff, a thin trickle of latecomers
    profile[late] = np.minimum(profile[late], 0.08)
    return profile


def _random_gate(rng: np.random.Generator, minutes: int) -> _Gate:
    lanes = int(rng.integers(LANES[0], LANES[1] + 1))
    mean = float(rng.uniform(*SERVICE_MEAN_SECONDS))
    capacity = lanes / mean  # fans per second
    profile = _bell(rng, minutes)
    planned = rates = profile * capacity * rng.uniform(*PEAK_LOAD)
    busy = np.flatnonzero(profile > 0.4)
    rush = np.flatnonzero(profile > 0.8)  # a failure matters, and shows, when fans queue
    closure = surge = None
    if rng.random() < LANE_CLOSURE_SHARE:
        start = float(rng.choice(rush)) * 60.0
        left = max(1, lanes - int(rng.integers(1, max(2, lanes // 2 + 1))))
        closure = (start, start + rng.uniform(8, 20) * 60.0, left)
    if rng.random() < SURGE_SHARE:
        start = float(rng.choice(busy)) * 60.0
        surge = (start, start + rng.uniform(5, 12) * 60.0)
        first, last = int(surge[0] // 60), int(np.ceil(surge[1] / 60))
        rates = rates.copy()
        rates[first:last] *= rng.uniform(2.0, 3.0)
    return _Gate(lanes, mean, float(rng.uniform(*SERVICE_CV)), rates, planned, closure, surge)


def _servers(gate: _Gate) -> int | ciw.Schedule:
    if gate.closure is None:
        return gate.lanes
    start, end, left = gate.closure
    return ciw.Schedule(
        numbers_of_servers=[gate.lanes, left, gate.lanes],
        shift_end_dates=[start, end, 10 * _DRAIN_SECONDS],  # one cycle outlasts the run
    )


def _service(gate: _Gate) -> ciw.dists.Distribution:
    shape = 1.0 / gate.service_cv**2
    return ciw.dists.Gamma(shape, gate.service_mean / shape)


def _lanes_at(gate: _Gate, t: float) -> int:
    if gate.closure is not None and gate.closure[0] <= t < gate.closure[1]:
        return gate.closure[2]
    return gate.lanes


def _incident_at(gate: _Gate, t: float) -> str:
    if _lanes_at(gate, t) < gate.lanes:
        return "lanes_closed"
    if gate.surge is not None and gate.surge[0] <= t < gate.surge[1]:
        return "surge"
    return ""


def ciw_match_day(index: int, report_seconds: int = 60) -> CiwDay:
    """Day ``index`` of the cross-check: deterministic for its index. Sensors report
    every ``report_seconds`` (a reading's count is still the minute before its ts)."""
    seeds = np.random.SeedSequence([CIW_ENTROPY, index])
    rng = np.random.default_rng(seeds)
    minutes = OPEN_MINUTES_BEFORE + OBSERVE_MINUTES_AFTER
    gates = [_random_gate(rng, minutes) for _ in range(int(rng.integers(GATES[0], GATES[1] + 1)))]
    opening = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(
        days=int(rng.integers(60)), hours=int(rng.integers(11, 19))
    )
    ends = [60.0 * (k + 1) for k in range(minutes)]
    ciw.seed(int(seeds.generate_state(1)[0]))  # before the network: arrivals draw at build
    network = ciw.create_network(
        arrival_distributions=[
            ciw.dists.PoissonIntervals(list(g.rates), ends, ends[-1]) for g in gates
        ],
        service_distributions=[_service(g) for g in gates],
        number_of_servers=[_servers(g) for g in gates],
        routing=[[0.0] * len(gates) for _ in gates],
    )
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(ends[-1] + _DRAIN_SECONDS)
    stadium_id = f"CIW{index:04d}"
    kickoff = opening + timedelta(minutes=OPEN_MINUTES_BEFORE)
    observed: list[ObservedMinute] = []
    incidents: list[Incident] = []
    ticks = np.arange(report_seconds, ends[-1] + 1, report_seconds, dtype=float)
    served: dict[int, list[ciw.DataRecord]] = {node: [] for node in range(1, len(gates) + 1)}
    for record in simulation.get_all_records():
        if record.record_type == "service":
            served[record.node].append(record)
    for node, gate in enumerate(gates, start=1):
        observed += _observe(stadium_id, f"G{node}", gate, served[node], opening, ticks)
        for kind, span in (("lanes_closed", gate.closure), ("surge", gate.surge)):
            if span is not None:
                start, end = (opening + timedelta(seconds=float(t)) for t in span[:2])
                incidents.append(Incident(f"G{node}", kind, start, end))
    plan = simulated_plan(
        stadium_id,
        kickoff,
        {f"G{node}": len(served[node]) for node in range(1, len(gates) + 1)},
        {f"G{node}": g.lanes for node, g in enumerate(gates, start=1)},
        seeds.spawn(1)[0],  # a child stream: no other draw of the day moves
    )
    profiles = tuple(
        GateProfile(
            f"G{node}",
            opening,
            g.service_mean,
            tuple((g.planned / g.planned.sum()).tolist()),
            minute_counts(np.asarray([r.arrival_date for r in served[node]]), len(g.planned)),
        )
        for node, g in enumerate(gates, start=1)
    )
    return CiwDay(stadium_id, tuple(observed), len(gates), tuple(incidents), plan, profiles)


def _observe(
    stadium_id: str,
    gate_id: str,
    gate: _Gate,
    records: list[ciw.DataRecord],
    opening: datetime,
    ticks: np.ndarray,
) -> list[ObservedMinute]:
    """What an exact, noiseless sensor reports each minute, beside the truth."""
    arrivals = np.sort([r.arrival_date for r in records])
    starts = np.sort([r.service_start_date for r in records])
    order = np.argsort([r.service_end_date for r in records])
    ends = np.asarray([records[i].service_end_date for i in order])
    service_sum = np.concatenate([[0.0], np.cumsum([records[i].service_time for i in order])])
    truth = WaitTruth([r.arrival_date for r in records], [r.waiting_time for r in records])
    now, ahead = truth.wait_at(ticks), truth.wait_at(ticks + FORECAST_HORIZON_SECONDS)
    ahead30 = truth.wait_at(ticks + FORECAST_30_SECONDS)
    waiting = np.searchsorted(arrivals, ticks, "right") - np.searchsorted(starts, ticks, "right")
    lo, hi = np.searchsorted(ends, ticks - 60.0, "right"), np.searchsorted(ends, ticks, "right")
    out = []
    for k, t in enumerate(ticks):
        through = int(hi[k] - lo[k])
        seconds = float(service_sum[hi[k]] - service_sum[lo[k]]) / through if through else 0.0
        reading = Reading(
            stadium_id,
            gate_id,
            opening + timedelta(seconds=float(t)),
            through,
            round(seconds, 2),
            int(waiting[k]),
        )
        out.append(
            ObservedMinute(
                reading,
                True,
                int(waiting[k]),
                _lanes_at(gate, float(t)),
                float(now[k]),
                float(ahead[k]),
                _incident_at(gate, float(t)),
                float(ahead30[k]),
            )
        )
    return out
