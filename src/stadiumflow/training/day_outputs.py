"""What the product said at each gate-minute of simulated days, beside the truth.

One ``DayOutputs`` gathers every day of an evaluation: per reported gate-minute the
truth (now, 15 and 30 minutes on), the product's wait, interval, state and forecasts,
the features the baselines read, and the anchor (``forecast_anchor``) computed from the
day's plan. Runners (in process, or through the HTTP API) add the product's part;
``add_context`` adds the rest once a day is through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np

from stadiumflow.domain.plan import MatchPlan
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.simulation.plans import GateProfile
from stadiumflow.simulation.results import ObservedMinute
from stadiumflow.training.forecast_anchor import AnchorForecast, ArrivalSource, anchor_day


@dataclass
class DayOutputs:
    """Per reported gate-minute: truth, the model's outputs, the baselines' inputs."""

    stadium: list[str] = field(default_factory=list)
    gate: list[str] = field(default_factory=list)
    ts: list[datetime] = field(default_factory=list)
    truth: list[float] = field(default_factory=list)
    truth_in_15: list[float] = field(default_factory=list)
    incident: list[str] = field(default_factory=list)
    lanes: list[float] = field(default_factory=list)
    wait: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    in_15: list[float] = field(default_factory=list)
    features: list[list[float]] = field(default_factory=list)
    # Per day, per minute, per gate: the alarm the status showed (None when normal).
    alarms: list[dict[tuple[str, datetime], str | None]] = field(default_factory=list)
    # Forecasts and warnings: the product's (NaN where it says nothing), the truth 30
    # minutes on, the anchor's (NaN where the day has no plan), the day, the kickoff.
    day: list[int] = field(default_factory=list)
    truth_in_30: list[float] = field(default_factory=list)
    state: list[str] = field(default_factory=list)
    in_30: list[float] = field(default_factory=list)
    red_expected_in: list[float] = field(default_factory=list)
    anchors: dict[str, AnchorRows] = field(
        default_factory=lambda: {name: AnchorRows() for name in ANCHORS}
    )
    to_kickoff: list[float] = field(default_factory=list)  # minutes; negative before it
    current_day: int = 0  # the day the rows being added belong to

    def array(self, name: str) -> np.ndarray:
        return np.asarray(getattr(self, name))

    def add(
        self,
        stadium: str,
        minute: ObservedMinute,
        ts: datetime,
        estimate: WaitEstimate,
        features: list[float],
        *,
        state: str = "",
        in_30: float | None = None,
        red_expected_in: float | None = None,
    ) -> None:
        """One gate-minute: its truth, what the product said at ``ts`` (its wait, state
        and forecasts), its features."""
        self.day.append(self.current_day)
        self.truth_in_30.append(minute.wait_true_in_30)
        self.state.append(state)
        self.in_30.append(np.nan if in_30 is None else in_30)
        self.red_expected_in.append(np.nan if red_expected_in is None else red_expected_in)
        self.stadium.append(stadium)
        self.gate.append(minute.reading.gate_id)
        self.ts.append(ts)
        self.truth.append(minute.wait_true)
        self.truth_in_15.append(minute.wait_true_in_15)
        self.incident.append(minute.incident)
        self.lanes.append(float(minute.lanes_open))
        self.wait.append(estimate.wait)
        self.low.append(np.nan if estimate.low is None else estimate.low)
        self.high.append(np.nan if estimate.high is None else estimate.high)
        self.in_15.append(np.nan if estimate.in_15 is None else estimate.in_15)
        self.features.append(features)

    def add_context(self, day: SimulatedDay, since: int) -> None:
        """The anchor and the minutes to kickoff of the rows from ``since`` on (``day``'s)."""
        plan = day.plan
        rows = list(zip(self.gate[since:], self.ts[since:], strict=True))
        for name, arrivals in ANCHORS.items():
            found = (
                {}
                if plan is None
                else anchor_day(day.minutes, plan, day.profiles, arrivals=arrivals)
            )
            for key in rows:
                self.anchors[name].append(found.get(key))
        for _gate, ts in rows:
            self.to_kickoff.append(
                np.nan if plan is None else (ts - plan.kickoff).total_seconds() / 60.0
            )


ANCHORS: dict[str, ArrivalSource] = {
    "anchor": "plan",
    "anchorRescaledPlan": "rescaled",
    "anchorTrueArrivals": "true",
}
"""The anchors evaluated, by the arrivals they roll forward (``forecast_anchor``)."""


@dataclass
class AnchorRows:
    """One anchor's forecasts per gate-minute (NaN where the day has no plan)."""

    now: list[float] = field(default_factory=list)
    in_15: list[float] = field(default_factory=list)
    in_30: list[float] = field(default_factory=list)
    red_in: list[float] = field(default_factory=list)

    def array(self, name: str) -> np.ndarray:
        return np.asarray(getattr(self, name), dtype=float)

    def append(self, forecast: AnchorForecast | None) -> None:
        if forecast is None:
            for values in (self.now, self.in_15, self.in_30, self.red_in):
                values.append(np.nan)
            return
        self.now.append(forecast.now)
        self.in_15.append(forecast.in_15)
        self.in_30.append(forecast.in_30)
        red_in = forecast.red_expected_in
        self.red_in.append(np.nan if red_in is None else red_in)


class SimulatedDay(Protocol):
    """A day of readings with their truth: ours (MatchDayResult) or the Ciw cross-check's."""

    @property
    def stadium_id(self) -> str: ...

    @property
    def minutes(self) -> Sequence[ObservedMinute]: ...

    @property
    def plan(self) -> MatchPlan | None:
        """The operator's plan for the day (None when the simulation has none)."""

    @property
    def profiles(self) -> Sequence[GateProfile]:
        """Each gate's true service mean and arrival shape, for the anchor."""

    def readings(self) -> list[Reading]: ...
