"""The planner's step in a batch: which stadiums are due, their advice, and its events.

Runs after the statuses are computed and before they are saved, so a status and the
advice it shows are written together. An advice that changes target or share is
published once as :class:`AdviceChanged`; a fresher walk or saving updates the status
quietly. The stadium's lane advice is published as :class:`LaneAdviceChanged` when its
gate or donor changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from stadiumflow.domain.advice import LayoutLookup, fitting_layout, lane_advice, stadium_walk
from stadiumflow.domain.events import AdviceChanged, ControlEvent, LaneAdviceChanged
from stadiumflow.domain.flow import gate_load
from stadiumflow.domain.planner import PlannerConfig, plan_redirects
from stadiumflow.domain.readings import GateKey
from stadiumflow.domain.recommendation import Recommendation
from stadiumflow.domain.status import GateStatus
from stadiumflow.domain.window import GateWindow

PLAN_EVERY = timedelta(minutes=1)


@dataclass(slots=True)
class Advice:
    changed: dict[GateKey, GateStatus] = field(default_factory=dict)
    events: list[ControlEvent] = field(default_factory=list)


def due_for_planning(
    previous: Mapping[GateKey, GateStatus],
    current: Mapping[GateKey, GateStatus],
    stadiums: set[str],
) -> set[str]:
    """Stadiums whose advice may need to change: a gate changed state or alarm, or the
    stadium's event time entered a new minute. Advice is steady by design, and a
    stadium's readings of one minute arrive spread over many batches: planning on each
    would repeat the same answer (it was most of the worker's time under load)."""
    due: set[str] = set()
    newest_before: dict[str, datetime] = {}
    newest_now: dict[str, datetime] = {}
    for key, status in current.items():
        stadium = key[0]
        if stadium not in stadiums:
            continue
        old = previous.get(key)
        if old is None or old.state is not status.state or old.anomaly != status.anomaly:
            due.add(stadium)
        if stadium not in newest_now or status.ts > newest_now[stadium]:
            newest_now[stadium] = status.ts
        if old is not None and (stadium not in newest_before or old.ts > newest_before[stadium]):
            newest_before[stadium] = old.ts
    for stadium, now in newest_now.items():
        before = newest_before.get(stadium)
        if before is None or now - before >= PLAN_EVERY or now.minute != before.minute:
            due.add(stadium)
    return due


def gates_to_plan(current: Mapping[GateKey, GateStatus], stadiums: set[str]) -> list[GateKey]:
    """The gates whose windows the planner reads."""
    return [key for key in current if key[0] in stadiums]


def plan_stadium(
    statuses: dict[str, GateStatus],
    windows: Mapping[str, GateWindow],
    layout_lookup: LayoutLookup,
    config: PlannerConfig | None = None,
) -> dict[str, Recommendation]:
    """The advice for one stadium's gates (by gate id) from their statuses and windows."""
    if not statuses:
        return {}
    stadium_id = next(iter(statuses.values())).stadium_id
    layout = fitting_layout(layout_lookup(stadium_id), list(statuses))
    loads = []
    for gate_id, status in statuses.items():
        window = windows.get(gate_id)
        lanes = layout.gate(gate_id).lanes if layout is not None else None
        loads.append(gate_load(window.points if window else [], status, lanes))
    previous = {g: s.recommendation for g, s in statuses.items() if s.recommendation}
    return plan_redirects(loads, stadium_walk(layout, list(statuses)), previous, config)


def plan_stadiums(
    previous: Mapping[GateKey, GateStatus],
    current: Mapping[GateKey, GateStatus],
    windows: Mapping[GateKey, GateWindow],
    stadiums: Iterable[str],
    layouts: LayoutLookup,
) -> Advice:
    """Statuses whose advice changed, and the events to publish, for each stadium."""
    advice = Advice()
    wanted = set(stadiums)
    after: dict[str, dict[GateKey, GateStatus]] = {s: {} for s in wanted}
    for key, status in current.items():  # one pass, not one per stadium
        if key[0] in wanted:
            after[key[0]][key] = status
    before: dict[str, list[GateStatus]] = {s: [] for s in wanted}
    for key, status in previous.items():
        if key[0] in wanted:
            before[key[0]].append(status)
    for stadium in sorted(wanted):
        gates = after[stadium]
        if not gates:
            continue
        planned = plan_stadium(
            {g[1]: s for g, s in gates.items()},
            {g[1]: w for g in gates if (w := windows.get(g)) is not None},
            layouts,
        )
        for key, status in gates.items():
            new = planned.get(key[1])
            if new == status.recommendation:
                continue
            advice.changed[key] = replace(status, recommendation=new)
            if not _same_advice(status.recommendation, new):
                advice.events.append(AdviceChanged(*key, status.ts, new))
        now = max(s.ts for s in gates.values())
        advice.events += _lane_events(stadium, now, before[stadium], gates.values())
    return advice


def _same_advice(a: Recommendation | None, b: Recommendation | None) -> bool:
    """Same target and share: a fresher walk or saving is no new advice."""
    if a is None or b is None:
        return a is b
    return (a.to_gate_id, a.share) == (b.to_gate_id, b.share)


def _lane_events(
    stadium: str, now: datetime, before: Iterable[GateStatus], after: Iterable[GateStatus]
) -> list[ControlEvent]:
    old, new = lane_advice(before), lane_advice(after)
    if (old is None and new is None) or (new is not None and new.same_place(old)):
        return []
    return [LaneAdviceChanged(stadium, now, new)]
