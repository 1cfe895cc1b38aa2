"""An oracle advisor: the same fluid optimiser as the planner, fed the simulation's truth.

It reads the live stadium instead of readings: true queues, lanes open now, the gates'
true mean service times, fans' true arrival counts, the layout's walking times and the
day's compliance. It uses no hysteresis and no share cap, so each minute it picks the
shares that balance walk + wait as well as the fluid model can. The planner is judged
against it: the gap is what noisy readings, learned capacity and unknown walks cost.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime

from stadiumflow.domain.flow import GateLoad
from stadiumflow.domain.planner import PlannerConfig, plan_redirects
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.recommendation import Recommendation
from stadiumflow.simulation.stadium import Stadium

ARRIVAL_MINUTES = 5  # arrivals are averaged over this many past minutes


def oracle_config(compliance: float) -> PlannerConfig:
    return PlannerConfig(
        max_share=1.0,
        assumed_compliance=max(compliance, 0.05),
        start_wait_minutes=1.0,
        keep_wait_minutes=1.0,
        start_gain_minutes=0.25,
        keep_gain_minutes=0.25,
        switch_gain_minutes=0.0,
        share_deadband=0.0,
    )


class OracleAdvisor:
    """Advisor with full knowledge; ``seen`` is the list ``watch_stadiums`` fills."""

    def __init__(self, seen: Sequence[Stadium], compliance: float) -> None:
        self.seen = seen
        self.config = oracle_config(compliance)
        self.history: deque[dict[str, int]] = deque(maxlen=ARRIVAL_MINUTES + 1)
        self.previous: dict[str, Recommendation] = {}

    def loads(self, stadium: Stadium) -> list[GateLoad]:
        """True gate states; arrivals as a gate sees them (advice in force included)."""
        self.history.append(dict(stadium.arrived))
        first, last = self.history[0], self.history[-1]
        minutes = max(len(self.history) - 1, 1)
        seen = {g: (last[g] - first.get(g, 0)) / minutes for g in stadium.gates}
        for source, advice in self.previous.items():
            moved = seen[source] * advice.share * self.config.assumed_compliance
            seen[source] -= moved
            seen[advice.to_gate_id] += moved
        loads = []
        for gate_id, gate in stadium.gates.items():
            lane_rate = 60.0 / stadium.service_means[gate_id]
            capacity = max(gate.lanes_open * lane_rate, 0.5)
            loads.append(
                GateLoad(
                    gate_id,
                    wait=gate.queue_length / capacity,
                    capacity=capacity,
                    arrivals=seen[gate_id],
                    usable=gate.lanes_open > 0,
                    lane_rate=lane_rate,
                )
            )
        return loads

    def __call__(
        self, now: datetime, readings: Sequence[Reading]
    ) -> Mapping[str, tuple[str, float]]:
        stadium = self.seen[0]
        loads = self.loads(stadium)
        advice = plan_redirects(loads, stadium.layout.walk_minutes, self.previous, self.config)
        self.previous = advice
        return {gate: (a.to_gate_id, a.share) for gate, a in advice.items()}
