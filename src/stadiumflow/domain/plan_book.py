"""A stadium's plans as the operator keeps them: their limits, and which one to show.

:mod:`domain.plan` says which plan a *reading* falls under; this module holds the rules
both ways of writing plans share (the HTTP API and a layout's ``[[plans]]``), so the two
accept exactly the same plans, and which plan the API answers when asked for "the plan"
without a kickoff.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from stadiumflow.domain.plan import MatchPlan, plan_in_force

MAX_PLAN_GATES = 500
"""Gates in one plan: the largest grounds have about a hundred entry gates."""
MAX_EXPECTED_FANS = 1_000_000
"""Fans expected at one gate over a match day: far above any stadium's capacity."""
MAX_PLAN_LANES = 200
"""Lanes at one gate, as a layout allows (``layouts.MAX_LANES``)."""
EARLIEST_KICKOFF = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_KICKOFF = datetime(2100, 1, 1, tzinfo=UTC)
"""A kickoff is in [EARLIEST_KICKOFF, LATEST_KICKOFF): anything else is a typo (a year
of 0025), and keeping to it means no time zone arithmetic can overflow."""


def kickoff_in_range(kickoff: datetime) -> bool:
    """Whether a timezone-aware ``kickoff`` is one a plan may have.

    >>> from datetime import timedelta, timezone
    >>> kickoff_in_range(datetime(2025, 7, 14, 20, tzinfo=UTC))
    True
    >>> kickoff_in_range(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))))
    False
    """
    try:
        return EARLIEST_KICKOFF <= kickoff.astimezone(UTC) < LATEST_KICKOFF
    except OverflowError:  # year 1 east of UTC, year 9999 west of it
        return False


def first_duplicate(ids: Iterable[str]) -> int | None:
    """The position of the first id already seen, or None.

    >>> first_duplicate(["G1", "G2", "G1"]), first_duplicate(["G1", "G2"])
    (2, None)
    """
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value in seen:
            return i
        seen.add(value)
    return None


def plan_to_show(plans: Sequence[MatchPlan], at: datetime) -> MatchPlan | None:
    """The plan meant by "the stadium's plan" at ``at`` (its newest reading's ts, or the
    wall clock for a stadium with no readings): the one in force then, else the next
    kickoff after it, else the latest kickoff.

    >>> day = MatchPlan("AGADIR", datetime(2025, 7, 14, 20, tzinfo=UTC), ())
    >>> later = MatchPlan("AGADIR", datetime(2025, 7, 18, 20, tzinfo=UTC), ())
    >>> plan_to_show([day, later], datetime(2025, 7, 14, 18, tzinfo=UTC)) is day
    True
    >>> plan_to_show([day, later], datetime(2025, 7, 16, tzinfo=UTC)) is later
    True
    >>> plan_to_show([day, later], datetime(2025, 8, 1, tzinfo=UTC)) is later
    True
    >>> plan_to_show([], datetime(2025, 8, 1, tzinfo=UTC)) is None
    True
    """
    in_force = plan_in_force(plans, at)
    if in_force is not None:
        return in_force
    upcoming = [p for p in plans if p.kickoff > at]
    if upcoming:
        return min(upcoming, key=lambda p: p.kickoff)
    return max(plans, key=lambda p: p.kickoff, default=None)
