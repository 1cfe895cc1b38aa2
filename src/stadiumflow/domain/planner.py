"""Redirection planner: send a share of a congested gate's arrivals where walk + wait is lower.

Sending everyone to the emptiest gate only moves the queue, so the planner counts the load
its own advice adds: each gate is a fluid queue (its wait now, capacity and arrivals), and
flow is moved in small steps, worst source first, only while a fan who moves still does
clearly better (walk + the target's wait *with* the extra fans) than one who stays (the
source's wait *after* the relief). Several sources draw on the same targets' spare
capacity in turn, so no target is promised twice. Advice is kept steady: an existing
advice needs less gain to stay than a new one to start, a target is only swapped for one
clearly better, and shares move in a dead band. Pure functions, standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from stadiumflow.domain.flow import GateLoad, expected_inflow, mean_wait
from stadiumflow.domain.recommendation import Recommendation

Walk = Callable[[str, str], float]


@dataclass(frozen=True, slots=True)
class PlannerConfig:
    """Thresholds in minutes (of walk + wait) and shares of a gate's arrivals."""

    horizon_minutes: float = 15.0  # waits are averaged over the fans of this window
    max_share: float = 1.0  # cap per gate; 0.5 measured too timid (AGADIR p95 16 vs 6 min)
    assumed_compliance: float = 0.6  # share of advised fans who follow (unknown: assumed)
    start_wait_minutes: float = 5.0  # a gate is a source once its projected wait reaches this
    keep_wait_minutes: float = 3.0  # ... and stays one until it falls below this
    start_gain_minutes: float = 2.0  # a new advice must save a moving fan this much
    keep_gain_minutes: float = 0.5  # an existing advice lasts while it saves this much
    switch_gain_minutes: float = 2.0  # another target must beat the current one by this much
    share_step: float = 0.05
    share_deadband: float = 0.1  # a share changes only when it moves by this much


@dataclass(slots=True)
class _Plan:
    loads: dict[str, GateLoad]
    walk: Walk
    config: PlannerConfig
    demand: dict[str, float]  # fans/min each gate would get without any advice
    extra: dict[str, float]  # fans/min the plan adds (+) or takes away (-)
    now: dict[str, float] = field(default_factory=dict)  # cost(gate) until the gate moves

    def cost(self, gate: str, delta: float = 0.0, start: float = 0.0) -> float:
        if delta == 0.0 and start == 0.0:
            cached = self.now.get(gate)
            if cached is None:
                cached = self.now[gate] = self._wait(gate, 0.0, 0.0)
            return cached
        return self._wait(gate, delta, start)

    def _wait(self, gate: str, delta: float, start: float) -> float:
        load = self.loads[gate]
        inflow = self.demand[gate] + self.extra[gate] + delta
        return mean_wait(load, inflow, start, self.config.horizon_minutes)

    def move(self, source: str, target: str, fans_per_minute: float) -> None:
        self.extra[source] -= fans_per_minute
        self.extra[target] += fans_per_minute
        self.now.pop(source, None)
        self.now.pop(target, None)

    def arrival_cost(self, source: str, target: str, delta: float) -> float:
        walk = self.walk(source, target)
        return walk + self.cost(target, delta, start=walk)


def natural_demand(
    loads: Mapping[str, GateLoad], previous: Mapping[str, Recommendation], compliance: float
) -> dict[str, float]:
    """Arrivals without the advice in force: add back what left a source, remove what came."""
    demand = {g: expected_inflow(load) for g, load in loads.items()}
    for source, advice in previous.items():
        target, share = advice.to_gate_id, advice.share
        if source not in demand or target not in demand:
            continue
        kept = max(1.0 - share * compliance, 0.2)
        moved = demand[source] / kept - demand[source]
        demand[source] += moved
        demand[target] = max(demand[target] - moved, 0.0)
    return demand


def plan_redirects(
    loads: Sequence[GateLoad],
    walk: Walk,
    previous: Mapping[str, Recommendation] | None = None,
    config: PlannerConfig | None = None,
) -> dict[str, Recommendation]:
    """Per source gate, the advice to show (gates absent from the result get none).

    >>> busy = GateLoad("G2", wait=14.0, capacity=40.0, arrivals=55.0)
    >>> calm = GateLoad("G4", wait=0.5, capacity=90.0, arrivals=40.0)
    >>> advice = plan_redirects([busy, calm], lambda a, b: 3.0)
    >>> advice["G2"].to_gate_id, advice["G2"].message
    ('G4', 'Gate G2 busy: use Gate G4 (3 min walk)')
    """
    config = config or PlannerConfig()
    previous = previous or {}
    by_id = {load.gate_id: load for load in loads}
    demand = natural_demand(by_id, previous, config.assumed_compliance)
    plan = _Plan(by_id, walk, config, demand, dict.fromkeys(by_id, 0.0))
    shares: dict[str, float] = {}
    targets: dict[str, str] = {}

    def congested(gates: Iterable[str]) -> set[str]:
        """Gates whose wait could make them a source (the rest would be dropped at once)."""
        return {
            g
            for g in gates
            if plan.cost(g)
            >= (config.keep_wait_minutes if g in previous else config.start_wait_minutes)
        }

    # Most gates are not congested: keeping them out of the loop makes it O(sources x
    # gates) instead of O(gates^2). A gate that becomes congested by the load advised
    # to it is looked at once the first round is done.
    open_sources = congested(by_id)
    looked_at = set(open_sources)
    while open_sources:
        source = max(open_sources, key=lambda g: (plan.cost(g), g))
        if not _take_step(plan, source, previous.get(source), shares, targets):
            open_sources.discard(source)
        if not open_sources:
            open_sources = congested(set(by_id) - looked_at)
            looked_at |= open_sources
    return {
        source: _recommendation(plan, source, targets[source], share)
        for source, share in _steady(shares, previous, config).items()
    }


def _take_step(
    plan: _Plan,
    source: str,
    before: Recommendation | None,
    shares: dict[str, float],
    targets: dict[str, str],
) -> bool:
    """Move one more share step from ``source`` if it still pays; False when it does not."""
    config = plan.config
    share = shares.get(source, 0.0) + config.share_step
    if share > config.max_share + 1e-9:
        return False
    advised = before is not None
    threshold = config.keep_wait_minutes if advised else config.start_wait_minutes
    if plan.cost(source) < threshold and source not in shares:
        return False
    step = config.share_step * config.assumed_compliance * plan.demand[source]
    if step <= 0:
        return False
    target = targets.get(source) or _choose_target(plan, source, step, before)
    if target is None:
        return False
    kept = before is not None and before.to_gate_id == target
    gain = plan.cost(source, -step) - plan.arrival_cost(source, target, step)
    if gain < (config.keep_gain_minutes if kept else config.start_gain_minutes):
        return False
    shares[source] = share
    targets[source] = target
    plan.move(source, target, step)
    return True


def _choose_target(
    plan: _Plan, source: str, step: float, before: Recommendation | None
) -> str | None:
    """The usable gate with the lowest walk + wait; the current target unless clearly beaten."""
    options = [
        g
        for g, load in plan.loads.items()
        if g != source and load.usable and plan.extra[g] >= 0 and plan.demand[g] >= 0
    ]
    if not options:
        return None
    best = _cheapest(plan, source, step, options)
    current = before.to_gate_id if before else None
    if current is not None and current in options and current != best:
        margin = plan.arrival_cost(source, current, step) - plan.arrival_cost(source, best, step)
        if margin < plan.config.switch_gain_minutes:
            return current
    return best


def _cheapest(plan: _Plan, source: str, step: float, options: list[str]) -> str:
    """The option with the lowest (walk + wait, gate id), nearest first: a gate whose walk
    alone exceeds the best so far cannot win, so far gates are rarely costed."""
    walks = sorted((plan.walk(source, g), g) for g in options)
    best_key = (math.inf, "")
    for walk, gate in walks:
        if walk > best_key[0]:
            break
        key = (plan.arrival_cost(source, gate, step), gate)
        best_key = min(best_key, key)
    return best_key[1]


def _steady(
    shares: dict[str, float], previous: Mapping[str, Recommendation], config: PlannerConfig
) -> dict[str, float]:
    """Shares after the dead band: an existing advice keeps its share unless it moved enough."""
    steady: dict[str, float] = {}
    for source, share in shares.items():
        old = previous.get(source)
        old_share = old.share if old else None
        if old_share is not None and abs(share - old_share) < config.share_deadband - 1e-9:
            share = min(old_share, config.max_share)
        steady[source] = round(share, 2)
    return steady


def _recommendation(plan: _Plan, source: str, target: str, share: float) -> Recommendation:
    walk = plan.walk(source, target)
    saving = max(plan.cost(source) - plan.arrival_cost(source, target, 0.0), 0.0)
    return Recommendation(source, target, share, walk, saving)
