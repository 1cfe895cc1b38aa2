"""A stadium's entry layout: gates, their lanes, the sectors they serve, walking times.

Plain data, standard library only. Layouts are written by operators as TOML files (see
``stadiumflow.layouts``); the simulation, the what-if planner and the redirection advice
all read them through these types, so nothing about a stadium is hard-coded in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stadiumflow.domain.errors import InvalidLayout as InvalidLayout  # its old home
from stadiumflow.domain.plan import MatchPlan

DEGREES_FULL_CIRCLE = 360.0


@dataclass(frozen=True, slots=True)
class SectorLayout:
    """A block of seats; its fans enter through the gates that list it."""

    sector_id: str
    seats: int


@dataclass(frozen=True, slots=True)
class GateLayout:
    """One entry gate.

    lanes: turnstiles (with their security check) that can serve fans in parallel.
    sectors: the sectors whose tickets this gate accepts.
    angle_deg: position around the stadium perimeter, used for walking times.
    attraction: relative pull of this gate among those serving the same sector
        (a gate next to the tram stop attracts more than its share).
    service_mean_seconds / service_cv: the gate's ticket scan + bag check, mean and
        coefficient of variation of seconds per fan.
    """

    gate_id: str
    lanes: int
    sectors: tuple[str, ...]
    angle_deg: float
    attraction: float = 1.0
    service_mean_seconds: float = 4.5
    service_cv: float = 0.6


@dataclass(frozen=True, slots=True)
class StadiumLayout:
    """A stadium: its gates, its sectors and how long fans walk between gates.

    walk_minutes(a, b) is an explicit override from ``walks`` when present, otherwise
    the arc between the two gates' angles as a share of ``perimeter_walk_minutes``.
    ``plans``: match plans the operator wrote in the layout file, in kickoff order
    (stored at start-up unless the store holds one at the same kickoff).
    """

    stadium_id: str
    name: str
    gates: tuple[GateLayout, ...]
    sectors: tuple[SectorLayout, ...]
    perimeter_walk_minutes: float
    walks: dict[tuple[str, str], float] = field(default_factory=dict)
    plans: tuple[MatchPlan, ...] = ()

    @property
    def capacity(self) -> int:
        """Seats over all sectors."""
        return sum(s.seats for s in self.sectors)

    @property
    def gate_ids(self) -> tuple[str, ...]:
        return tuple(g.gate_id for g in self.gates)

    def gate(self, gate_id: str) -> GateLayout:
        for g in self.gates:
            if g.gate_id == gate_id:
                return g
        raise KeyError(gate_id)

    def walk_minutes(self, a: str, b: str) -> float:
        """Minutes a fan walks from gate ``a`` to gate ``b`` (0 for the same gate).

        >>> gates = (GateLayout("G1", 4, ("N",), 0.0), GateLayout("G2", 4, ("N",), 90.0))
        >>> lay = StadiumLayout("X", "X", gates, (SectorLayout("N", 100),), 12.0)
        >>> lay.walk_minutes("G1", "G2"), lay.walk_minutes("G2", "G2")
        (3.0, 0.0)
        """
        if a == b:
            return 0.0
        if (a, b) in self.walks:
            return self.walks[(a, b)]
        if (b, a) in self.walks:
            return self.walks[(b, a)]
        arc = abs(self.gate(a).angle_deg - self.gate(b).angle_deg) % DEGREES_FULL_CIRCLE
        arc = min(arc, DEGREES_FULL_CIRCLE - arc)
        return self.perimeter_walk_minutes * arc / DEGREES_FULL_CIRCLE

    def gates_serving(self, sector_id: str) -> tuple[GateLayout, ...]:
        return tuple(g for g in self.gates if sector_id in g.sectors)

    def nearest_other_gate(self, gate_id: str) -> str | None:
        """The closest other gate by walking time (ties: layout order), or None if alone."""
        others = [g.gate_id for g in self.gates if g.gate_id != gate_id]
        if not others:
            return None
        return min(others, key=lambda other: self.walk_minutes(gate_id, other))
