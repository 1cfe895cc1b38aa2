"""The planner step of batch processing: per stadium, advice from the fresh statuses.

Runs inside the batch's unit of work, after the statuses are computed and before they
are saved, so a status and the advice it shows are written together. An advice change
(another target or share) is published once as ``advice_changed``; a fresher
``expectedSavingMinutes`` updates the status quietly. The stadium-level lane advice is
published as a stadium-level ``advice_changed`` when its gate changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from stadiumflow.domain.advice import LayoutLookup, fitting_layout, lane_advice, stadium_walk
from stadiumflow.domain.events import ControlEvent, EventKind
from stadiumflow.domain.flow import gate_load
from stadiumflow.domain.planner import PlannerConfig, Recommendation, plan_redirects
from stadiumflow.domain.readings import GateKey
from stadiumflow.domain.status import GateStatus
from stadiumflow.domain.window import GateWindow
from stadiumflow.ports import GateStoreSession

_MEANINGFUL = ("toGateId", "share")


def _same_advice(a: Recommendation | None, b: Recommendation | None) -> bool:
    if a is None or b is None:
        return a is b
    return all(a.get(k) == b.get(k) for k in _MEANINGFUL)


def plan_stadium(
    statuses: dict[str, GateStatus],
    windows: dict[str, GateWindow],
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
    session: GateStoreSession,
    previous: dict[GateKey, GateStatus],
    current: dict[GateKey, GateStatus],
    windows: dict[GateKey, GateWindow],
    stadiums: Iterable[str],
    layouts: LayoutLookup,
) -> tuple[dict[GateKey, GateStatus], list[ControlEvent]]:
    """Statuses whose advice changed, and the events to publish, for each stadium."""
    changed: dict[GateKey, GateStatus] = {}
    events: list[ControlEvent] = []
    wanted = set(stadiums)
    by_stadium: dict[str, dict[GateKey, GateStatus]] = {s: {} for s in wanted}
    for key, status in current.items():  # one pass, not one per stadium
        if key[0] in wanted:
            by_stadium[key[0]][key] = status
    before_by_stadium: dict[str, list[GateStatus]] = {s: [] for s in wanted}
    for key, status in previous.items():
        if key[0] in wanted:
            before_by_stadium[key[0]].append(status)
    missing = [g for gates in by_stadium.values() for g in gates if g not in windows]
    loaded = session.load_windows(missing) if missing else {}
    for stadium in sorted(wanted):
        gates = by_stadium[stadium]
        if not gates:
            continue
        advice = plan_stadium(
            {g[1]: s for g, s in gates.items()},
            {g[1]: w for g in gates if (w := windows.get(g) or loaded.get(g)) is not None},
            layouts,
        )
        now = max(s.ts for s in gates.values())
        for key, status in gates.items():
            new = advice.get(key[1])
            if new == status.recommendation:
                continue
            changed[key] = replace(status, recommendation=new)
            if not _same_advice(status.recommendation, new):
                events.append(
                    ControlEvent(EventKind.ADVICE_CHANGED, *key, status.ts, {"advice": new})
                )
        events += _lane_events(stadium, now, before_by_stadium[stadium], gates.values())
    return changed, events


def _lane_events(
    stadium: str, now: datetime, before: Iterable[GateStatus], after: Iterable[GateStatus]
) -> list[ControlEvent]:
    old, new = lane_advice(before), lane_advice(after)
    if (old and (old.gate_id, old.from_gate_id)) == (new and (new.gate_id, new.from_gate_id)):
        return []
    data = {"lanes": new.as_dict() if new is not None else None}
    return [ControlEvent(EventKind.ADVICE_CHANGED, stadium, None, now, data)]
