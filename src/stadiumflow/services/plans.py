"""Match plans: an operator's saves, reads and deletes, and the plans of layout files.

Plans are written one at a time by the operator (the HTTP API) or at start-up from the
layouts' ``[[plans]]``, never by the worker, which reads them (``load_plans``) inside
its unit of work.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from stadiumflow.domain.errors import NotFound
from stadiumflow.domain.plan import MatchPlan
from stadiumflow.domain.plan_book import plan_to_show
from stadiumflow.ports import Clock, GateStore

log = logging.getLogger(__name__)


def put_plan(store: GateStore, plan: MatchPlan) -> MatchPlan:
    """Store ``plan``, replacing the stadium's plan at that kickoff; the plan stored."""
    store.save_plan(plan)
    return plan


def stadium_plans(store: GateStore, stadium_id: str) -> list[MatchPlan]:
    """Every plan of the stadium in kickoff order (empty if it has none)."""
    return store.plans(stadium_id)


def find_plan(
    store: GateStore, stadium_id: str, kickoff: datetime | None, clock: Clock
) -> MatchPlan:
    """The plan at ``kickoff``; without one, the plan to show at the stadium's newest
    reading (the wall clock if it has none): see ``plan_book.plan_to_show``. NotFound
    when there is no such plan."""
    plans = store.plans(stadium_id)
    if kickoff is not None:
        found = next((p for p in plans if p.kickoff == kickoff), None)
    else:
        newest = max((s.ts for s in store.stadium_statuses(stadium_id)), default=None)
        found = plan_to_show(plans, newest or clock.now())
    if found is None:
        at = "" if kickoff is None else " at that kickoff"
        raise NotFound(f"no plan for stadium {stadium_id}{at}")
    return found


def remove_plans(store: GateStore, stadium_id: str, kickoff: datetime | None) -> int:
    """Delete the plan at ``kickoff``, or all the stadium's; NotFound if none was there."""
    deleted = store.delete_plans(stadium_id, kickoff)
    if deleted == 0:
        at = "" if kickoff is None else " at that kickoff"
        raise NotFound(f"no plan for stadium {stadium_id}{at}")
    return deleted


def seed_plans(store: GateStore, plans: Iterable[MatchPlan]) -> int:
    """Store the plans of layout files, each unless the store already holds a plan for
    its stadium and kickoff (an operator's PUT wins over the file). How many were added."""
    added = 0
    for plan in plans:
        if store.add_plan(plan):
            added += 1
            log.info("plan %s %s: from its layout", plan.stadium_id, plan.kickoff.isoformat())
        else:
            log.info(
                "plan %s %s: the stored plan is kept, not the layout's",
                plan.stadium_id,
                plan.kickoff.isoformat(),
            )
    return added
