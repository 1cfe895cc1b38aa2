"""The anchor beside the product's forecasts: the true queue rolled forward with the plan.

At each gate-minute t it starts from the simulation's truth (the queue really waiting,
the lanes really open, the gate's true mean service time) and rolls a fluid queue
forward minute by minute with the arrivals of the *plan*: the gate's expected fans
spread over the day by the simulation's own arrival shape (``GateProfile``: its curve
in expectation, surges not included). Capacity stays what it is at t:

    queue(k) = max(0, queue(k - 1) + arrivals(k) - capacity),  capacity = lanes x 60 / service
    wait(k)  = queue(k) / capacity                              (minutes, a fan joining at t + k)

It knows more than any product can (the true queue, lanes and service) and less than
the simulation (the plan's fans are off by an allocation error, arrivals are their
expectation): what lead time a plan makes reachable. Two variants bracket it:

    plan        (the anchor) the plan's arrivals as they are
    rescaled    the plan's arrivals scaled by the fans who came so far over those it
                planned so far (shrunk to 1 by ``PRIOR_FANS``): what a product can
                learn from its own readings (queue change + fans through = arrivals)
    true        the fans who really came, minute by minute (surges included): a
                perfect plan; what is left is the roll-forward's own error
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from stadiumflow.domain.classify import RED_ABOVE_MINUTES
from stadiumflow.domain.plan import MatchPlan
from stadiumflow.simulation.params import SECONDS_PER_MINUTE
from stadiumflow.simulation.plans import GateProfile
from stadiumflow.simulation.results import ObservedMinute

HORIZON_MINUTES = 30
PRIOR_FANS = 300.0  # the rescaled plan trusts arrivals so far once this many are in
ArrivalSource = Literal["plan", "rescaled", "true"]


@dataclass(frozen=True, slots=True)
class AnchorForecast:
    now: float
    in_15: float
    in_30: float
    red_expected_in: float | None  # minutes until the rolled wait is first red (0: now)


def roll_forward(queue: float, capacity: float, arrivals: Sequence[float]) -> np.ndarray:
    """The wait of a fan joining now and after each minute of ``arrivals``.

    >>> roll_forward(20.0, 10.0, [15.0, 15.0, 0.0, 0.0, 0.0]).tolist()
    [2.0, 2.5, 3.0, 2.0, 1.0, 0.0]
    """
    waits = np.empty(len(arrivals) + 1)
    waits[0] = queue / capacity
    for k, arriving in enumerate(arrivals, start=1):
        queue = max(0.0, queue + arriving - capacity)
        waits[k] = queue / capacity
    return waits


def first_red(waits: np.ndarray) -> float | None:
    """Minutes until ``waits`` (one a minute from now) first exceeds the red threshold.

    >>> first_red(np.array([3.0, 9.0, 10.0, 10.5])), first_red(np.array([11.0])), first_red(
    ...     np.array([1.0]))
    (3.0, 0.0, None)
    """
    red = np.flatnonzero(waits > RED_ABOVE_MINUTES)
    return float(red[0]) if len(red) else None


def anchor_forecast(
    minute: ObservedMinute, profile: GateProfile, arrivals: Sequence[float]
) -> AnchorForecast:
    """The anchor at one gate-minute, given the arrivals of the next 30 minutes. A gate
    with every lane down is rolled as if one were open: with none, the fluid wait has
    no end."""
    capacity = max(minute.lanes_open, 1) * SECONDS_PER_MINUTE / profile.service_mean_seconds
    waits = roll_forward(float(minute.queue_true), capacity, arrivals)
    return AnchorForecast(float(waits[0]), float(waits[15]), float(waits[30]), first_red(waits))


def anchor_day(
    minutes: Iterable[ObservedMinute],
    plan: MatchPlan,
    profiles: Iterable[GateProfile],
    *,
    arrivals: ArrivalSource = "plan",
) -> dict[tuple[str, datetime], AnchorForecast]:
    """The anchor at every gate-minute of a day, by (gate, ts), rolled with ``arrivals``
    (see the module doc); gates the plan or the profiles do not name are left out."""
    by_gate = {p.gate_id: p for p in profiles}
    out: dict[tuple[str, datetime], AnchorForecast] = {}
    for minute in minutes:
        gate_id, ts = minute.reading.gate_id, minute.reading.ts
        profile, planned = by_gate.get(gate_id), plan.gate(gate_id)
        if profile is None or planned is None:
            continue
        out[(gate_id, ts)] = anchor_forecast(
            minute, profile, _arrivals(arrivals, profile, planned.expected_fans, ts).tolist()
        )
    return out


def _arrivals(
    source: ArrivalSource, profile: GateProfile, expected_fans: float, ts: datetime
) -> np.ndarray:
    if source == "true":
        return profile.true_arrivals(ts, HORIZON_MINUTES)
    ahead = profile.planned_arrivals(expected_fans, ts, HORIZON_MINUTES)
    if source == "plan":
        return ahead
    came = float(profile.true_arrivals(profile.opened, _minutes_since(profile, ts)).sum())
    planned = float(
        profile.planned_arrivals(expected_fans, profile.opened, _minutes_since(profile, ts)).sum()
    )
    found: np.ndarray = ahead * (came + PRIOR_FANS) / (planned + PRIOR_FANS)
    return found


def _minutes_since(profile: GateProfile, ts: datetime) -> int:
    """Whole minutes from the gates' opening to ``ts`` (the arrivals a product has seen)."""
    return max(int((ts - profile.opened).total_seconds() // 60), 0)
