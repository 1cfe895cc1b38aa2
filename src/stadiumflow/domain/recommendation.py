"""A redirection advice: what a gate's signage tells its arriving fans."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Advice for fans arriving at ``from_gate_id``: send ``share`` of them to ``to_gate_id``."""

    from_gate_id: str
    to_gate_id: str
    share: float  # of the source gate's arrivals, in steps of PlannerConfig.share_step
    walk_minutes: float
    expected_saving_minutes: float  # walk + wait saved by a fan who follows it

    @property
    def message(self) -> str:
        """What signage and stewards show."""
        walk = max(1, round(self.walk_minutes))
        return f"Gate {self.from_gate_id} busy: use Gate {self.to_gate_id} ({walk} min walk)"
