"""The match plan a simulated day would have had, and what an anchor forecaster needs.

An operator's plan (``domain.plan.MatchPlan``) names the kickoff and, per gate, the fans
expected and the lanes installed. A simulated day knows how many fans really entered by
each gate; its plan says that count times a ticket-allocation error: lognormal with a
``ALLOCATION_SD`` spread, capped at +-``ALLOCATION_CAP``, drawn from a stream of its own
so that no other draw of the day moves.

``GateProfile`` is the rest of what the simulation knows about a gate and a plan does
not carry: the mean service time and the shape of its arrivals over the day (the share
of its fans arriving in each minute after the gates open, without incidents). Together
with a plan's expected fans it gives planned arrivals per minute.

>>> from datetime import UTC
>>> kickoff = datetime(2025, 7, 14, 20, tzinfo=UTC)
>>> plan = simulated_plan("X", kickoff, {"G1": 1000}, {"G1": 4}, np.random.SeedSequence(7))
>>> plan.gates[0].lanes, 700 <= plan.gates[0].expected_fans <= 1300
(4, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from stadiumflow.domain.plan import GatePlan, MatchPlan

ALLOCATION_SD = 0.15  # sigma of the multiplicative (lognormal) error of expected fans
ALLOCATION_CAP = 0.30  # the error never exceeds +-30%


def allocation_errors(n: int, seed: np.random.SeedSequence) -> np.ndarray:
    """``n`` factors by which a plan's expected fans miss the fans that came.

    >>> factors = allocation_errors(10_000, np.random.SeedSequence(1))
    >>> bool(factors.min() >= 0.7 and factors.max() <= 1.3)
    True
    >>> 0.13 < float(np.log(factors).std()) < 0.16
    True
    """
    rng = np.random.default_rng(seed)
    factors: np.ndarray = np.clip(
        rng.lognormal(0.0, ALLOCATION_SD, n), 1.0 - ALLOCATION_CAP, 1.0 + ALLOCATION_CAP
    )
    return factors


def simulated_plan(
    stadium_id: str,
    kickoff: datetime,
    entered: Mapping[str, int],
    lanes: Mapping[str, int],
    seed: np.random.SeedSequence,
) -> MatchPlan:
    """The plan of a day whose gates saw ``entered`` fans: each count off by an
    allocation error (one factor per gate, in ``entered``'s order)."""
    factors = allocation_errors(len(entered), seed)
    gates = tuple(
        GatePlan(gate_id, round(fans * float(factor)), lanes[gate_id])
        for (gate_id, fans), factor in zip(entered.items(), factors, strict=True)
    )
    return MatchPlan(stadium_id, kickoff, gates)


@dataclass(frozen=True, slots=True)
class GateProfile:
    """What a simulation knows of one gate besides its readings, its truth and its plan."""

    gate_id: str
    opened: datetime  # minute 0 of the series below starts here (the gates open)
    service_mean_seconds: float  # the true mean of the gate's service time
    arrival_shares: tuple[float, ...]  # share of the gate's fans arriving in each minute
    arrivals: tuple[int, ...] = ()  # fans who really joined its queue in each minute

    def planned_arrivals(self, expected_fans: float, since: datetime, minutes: int) -> np.ndarray:
        """Fans expected to arrive in each of the ``minutes`` minutes after ``since``,
        when ``expected_fans`` come over the day.

        >>> from datetime import UTC
        >>> g = GateProfile("G1", datetime(2025, 1, 1, tzinfo=UTC), 4.0, (0.5, 0.5), (3, 1))
        >>> g.planned_arrivals(100, datetime(2025, 1, 1, 0, 0, 30, tzinfo=UTC), 3).tolist()
        [50.0, 25.0, 0.0]
        >>> g.true_arrivals(datetime(2025, 1, 1, 0, 0, 30, tzinfo=UTC), 2).tolist()
        [2.0, 0.5]
        """
        return expected_fans * _per_minute(self.arrival_shares, self.opened, since, minutes)

    def true_arrivals(self, since: datetime, minutes: int) -> np.ndarray:
        """The fans who really arrived in each of the ``minutes`` minutes after ``since``
        (spread evenly within each minute of ``arrivals``)."""
        return _per_minute(self.arrivals, self.opened, since, minutes)


def _per_minute(
    per_minute: Sequence[float], opened: datetime, since: datetime, minutes: int
) -> np.ndarray:
    """``per_minute`` (minute 0 at ``opened``) summed over each minute after ``since``."""
    cumulative = np.concatenate([[0.0], np.cumsum(np.asarray(per_minute, dtype=float))])
    start = (since - opened).total_seconds() / 60.0
    edges = start + np.arange(minutes + 1, dtype=float)
    at = np.interp(edges, np.arange(len(cumulative), dtype=float), cumulative)
    found: np.ndarray = np.diff(at)
    return found


def minute_counts(arrival_seconds: np.ndarray, minutes: int) -> tuple[int, ...]:
    """Arrivals (seconds since opening) per minute; later ones count in the last minute.

    >>> minute_counts(np.array([10.0, 70.0, 80.0, 130.0]), 2)
    (1, 3)
    """
    counts = np.bincount(
        np.clip((np.asarray(arrival_seconds) // 60).astype(int), 0, minutes - 1),
        minlength=minutes,
    )
    return tuple(int(c) for c in counts)


def shares_of(arrival_seconds: np.ndarray, minutes: int) -> tuple[float, ...]:
    """The shape of realised arrivals (seconds since opening): share per minute.

    >>> shares_of(np.array([10.0, 70.0, 80.0, 130.0]), 3)
    (0.25, 0.5, 0.25)
    """
    counts = minute_counts(arrival_seconds, minutes)
    total = max(sum(counts), 1)
    return tuple(c / total for c in counts)
