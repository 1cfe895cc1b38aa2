"""Evaluate a wait model on fresh simulated match days, through the worker's own path.

Readings of each day go through ``services.process.process_batch`` minute by minute (as
a live worker sees them) on an in-memory store; the outputs in history are compared
with the simulation's truth. Days are drawn from a seed sequence that training never
uses, half on the shipped stadiums and half on random ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

import numpy as np

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.domain.features import compute_features
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.domain.window import GateWindow, WindowPoint
from stadiumflow.ports import WaitModel
from stadiumflow.services.process import process_batch
from stadiumflow.simulation.matchday import run_match_day
from stadiumflow.simulation.randomise import random_match_day
from stadiumflow.simulation.results import MatchDayResult, ObservedMinute
from stadiumflow.training.anomaly_eval import IncidentDay, score_alarms
from stadiumflow.training.metrics import baseline_service, baseline_throughput, score

EVAL_ENTROPY = 0x5F10_E7A1  # never a training seed: a distinct root of the seed tree


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

    def array(self, name: str) -> np.ndarray:
        return np.asarray(getattr(self, name))

    def add(
        self,
        stadium: str,
        minute: ObservedMinute,
        ts: datetime,
        estimate: WaitEstimate,
        features: list[float],
    ) -> None:
        """One gate-minute: its truth, what the product said at ``ts``, its features."""
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


class SimulatedDay(Protocol):
    """A day of readings with their truth: ours (MatchDayResult) or the Ciw cross-check's."""

    @property
    def stadium_id(self) -> str: ...

    @property
    def minutes(self) -> Sequence[ObservedMinute]: ...

    def readings(self) -> list[Reading]: ...


def eval_day(seed_index: int) -> tuple[MatchDayResult, str]:
    layout, params, sim_seed = random_match_day(np.random.SeedSequence([EVAL_ENTROPY, seed_index]))
    return run_match_day(layout, params, sim_seed), layout.stadium_id


DayRunner = Callable[[SimulatedDay, DayOutputs], None]
"""Runs a day's readings through the product and appends what it said to the outputs."""


def through_worker(model: WaitModel) -> DayRunner:
    """Days run in process, through the worker's own processing with ``model``."""
    return lambda day, out: run_day_through_worker(day, model, out)


def run_day_through_worker(result: SimulatedDay, model: WaitModel, out: DayOutputs) -> None:
    """Feed a day's readings minute by minute to the worker's processing; collect outputs."""
    store = MemoryGateStore()
    by_minute: dict[datetime, list[Reading]] = defaultdict(list)
    for reading in result.readings():
        by_minute[reading.ts.replace(second=0, microsecond=0)].append(reading)
    alarms: dict[tuple[str, datetime], str | None] = {}
    for stamp in sorted(by_minute):
        process_batch(by_minute[stamp], store=store, model=model)
        for status in store.stadium_statuses(result.stadium_id):
            alarms[(status.gate_id, stamp)] = status.anomaly_kind if status.anomaly else None
    out.alarms.append(alarms)
    truth = {(m.reading.gate_id, m.reading.ts): m for m in result.minutes if m.reported}
    for gate in dict.fromkeys(m.reading.gate_id for m in result.minutes):
        window = GateWindow()
        for item in store.history(result.stadium_id, gate, limit=10**6):
            r = item.reading
            window.add(WindowPoint.of(r))
            minute = truth.get((gate, r.ts))
            if minute is None or item.late:
                continue
            out.add(result.stadium_id, minute, r.ts, item.estimate, compute_features(window.points))


def summarise(out: DayOutputs) -> dict[str, Any]:
    truth, incident = out.array("truth"), out.array("incident")
    features = np.asarray(out.features)
    low, high = out.array("low"), out.array("high")
    has_interval = not np.isnan(low).all()
    report: dict[str, Any] = {
        "model": score(
            out.array("wait"),
            truth,
            incident,
            low if has_interval else None,
            high if has_interval else None,
        ).as_dict(),
        "baselineQueueOverThroughput": score(
            baseline_throughput(features), truth, incident
        ).as_dict(),
        "baselineQueueTimesService": score(
            baseline_service(features, out.array("lanes")), truth, incident
        ).as_dict(),
    }
    in_15 = out.array("in_15")
    if not np.isnan(in_15).all():
        report["forecast15"] = score(in_15, out.array("truth_in_15"), incident).as_dict()
    return report


D = TypeVar("D", bound=SimulatedDay)


def _score_days(
    make_day: Callable[[int], D],
    run_day: DayRunner,
    days: int,
    simulator: str,
    on_day: Callable[[int], None] | None,
) -> tuple[dict[str, Any], DayOutputs, list[D]]:
    out = DayOutputs()
    made = []
    for index in range(days):
        day = make_day(index)
        run_day(day, out)
        made.append(day)
        if on_day is not None:
            on_day(index + 1)
    report = summarise(out)
    report["simulator"] = simulator
    report["days"] = days
    report["gateMinutes"] = len(out.truth)
    return report, out, made


def evaluate(
    run_day: DayRunner, days: int, *, on_day: Callable[[int], None] | None = None
) -> tuple[dict[str, Any], DayOutputs, list[MatchDayResult]]:
    """Waits and anomalies on fresh days of our simulator."""
    report, out, results = _score_days(
        lambda index: eval_day(index)[0], run_day, days, "simpy", on_day
    )
    report["anomalies"] = score_alarms([IncidentDay.of(r) for r in results], out.alarms)
    return report, out, results


def evaluate_cross_check(
    run_day: DayRunner,
    days: int,
    *,
    on_day: Callable[[int], None] | None = None,
    report_seconds: int = 60,
) -> tuple[dict[str, Any], DayOutputs, list[str]]:
    """The same scores on days of the independent Ciw simulator (``ciw_days``), whose
    sensors report every ``report_seconds``."""
    from stadiumflow.training.ciw_days import ciw_match_day  # Ciw is a training extra

    report, out, made = _score_days(
        lambda index: ciw_match_day(index, report_seconds), run_day, days, "ciw", on_day
    )
    report["reportSeconds"] = report_seconds
    report["anomalies"] = score_alarms([day.incident_day() for day in made], out.alarms)
    return report, out, [day.stadium_id for day in made]
