"""The operator's match plan: what a stadium knows before its gates report anything.

A plan names the kickoff and, per gate, the fans expected to enter there over the day
(the ticket allocation: it may be off by a fifth or more) and the lanes installed. It is
optional, per stadium, and several match days may be planned ahead: a plan applies to
the readings of its own match day (:func:`plan_in_force`), so one for a day the readings
have not reached yet waits until they do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

MATCH_DAY_BEFORE = timedelta(hours=12)
"""A plan applies from this long before its kickoff..."""
MATCH_DAY_AFTER = timedelta(hours=6)
"""...until this long after it."""


@dataclass(frozen=True, slots=True)
class GatePlan:
    gate_id: str
    expected_fans: int  # to enter by this gate over the match day
    lanes: int | None = None  # turnstiles installed, if the operator says


@dataclass(frozen=True, slots=True)
class MatchPlan:
    stadium_id: str
    kickoff: datetime  # timezone-aware UTC
    gates: tuple[GatePlan, ...]

    def gate(self, gate_id: str) -> GatePlan | None:
        return next((g for g in self.gates if g.gate_id == gate_id), None)

    def applies_at(self, ts: datetime) -> bool:
        return self.kickoff - MATCH_DAY_BEFORE <= ts <= self.kickoff + MATCH_DAY_AFTER


def plan_in_force(plans: Iterable[MatchPlan], ts: datetime) -> MatchPlan | None:
    """The plan whose match day ``ts`` falls in (the nearest kickoff if several do).

    >>> from datetime import UTC
    >>> day = MatchPlan("AGADIR", datetime(2025, 7, 14, 20, tzinfo=UTC), ())
    >>> later = MatchPlan("AGADIR", datetime(2025, 7, 18, 20, tzinfo=UTC), ())
    >>> plan_in_force([later, day], datetime(2025, 7, 14, 18, tzinfo=UTC)) is day
    True
    >>> plan_in_force([later, day], datetime(2025, 7, 16, 18, tzinfo=UTC)) is None
    True
    """
    fitting = [p for p in plans if p.applies_at(ts)]
    if not fitting:
        return None
    return min(fitting, key=lambda p: abs((p.kickoff - ts).total_seconds()))
