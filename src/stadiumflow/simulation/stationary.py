"""A single gate under given arrivals, and the Erlang C formula it must agree with.

Used by the simulation API (``POST /simulate``), by capacity what-ifs and by the tests
that check the simulator against queueing theory on stationary M/M/c cases.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from stadiumflow.simulation.gate import Gate
from stadiumflow.simulation.params import ServiceSpec
from stadiumflow.simulation.service_times import ServiceSampler


def erlang_c_probability(offered_load: float, servers: int) -> float:
    """Probability that an arriving customer waits in an M/M/c queue (Erlang C).

    ``offered_load`` is arrival rate x mean service time (Erlangs); it must be < servers.

    >>> round(erlang_c_probability(1.0, 2), 4)
    0.3333
    """
    if servers <= 0 or offered_load >= servers:
        raise ValueError("an M/M/c queue is stable only when offered load < servers")
    term = 1.0
    total = 1.0  # sum of a^k / k! for k < servers, built incrementally
    for k in range(1, servers):
        term *= offered_load / k
        total += term
    top = term * offered_load / servers / (1.0 - offered_load / servers)
    return top / (total + top)


def erlang_c_mean_wait(arrival_rate: float, service_mean: float, servers: int) -> float:
    """Mean time in queue Wq of an M/M/c queue, in the units of ``service_mean``.

    >>> round(erlang_c_mean_wait(0.5, 1.0, 1), 6)  # M/M/1: rho / (mu - lambda)
    1.0
    """
    load = arrival_rate * service_mean
    return erlang_c_probability(load, servers) * service_mean / (servers - load)


@dataclass(frozen=True, slots=True)
class QueueRun:
    """Waits (seconds) of the fans one gate served, in join order."""

    join_times: np.ndarray
    waits: np.ndarray

    def after(self, warmup_seconds: float) -> np.ndarray:
        return self.waits[self.join_times >= warmup_seconds]


def run_gate(
    arrival_seconds: Sequence[float] | np.ndarray, lanes: int, service: ServiceSpec, seed: int
) -> QueueRun:
    """Serve ``arrival_seconds`` at one gate of ``lanes`` lanes; FIFO, no incidents."""
    env = simpy.Environment()
    gate = Gate(env, "G", lanes, ServiceSampler(service, np.random.default_rng(seed)))
    env.process(_feed(env, gate, np.sort(np.asarray(arrival_seconds, dtype=float)).tolist()))
    env.run()
    joins = np.asarray(gate.join_times)
    order = np.argsort(joins, kind="stable")
    return QueueRun(joins[order], np.asarray(gate.waits)[order])


def poisson_arrivals(rate_per_second: float, duration_seconds: float, seed: int) -> np.ndarray:
    """Homogeneous Poisson arrival times on [0, duration)."""
    rng = np.random.default_rng(seed)
    n = int(rng.poisson(rate_per_second * duration_seconds))
    return np.sort(rng.uniform(0.0, duration_seconds, n))


def _feed(
    env: simpy.Environment, gate: Gate, times: list[float]
) -> Generator[simpy.Event, Any, None]:
    for t in times:
        if t > env.now:
            yield env.timeout(t - env.now)
        gate.join(env.now)
