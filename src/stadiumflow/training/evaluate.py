"""Evaluate a wait model on fresh simulated match days, through the worker's own path.

Readings of each day go through ``services.process.process_batch`` minute by minute (as
a live worker sees them) on an in-memory store; the outputs in history are compared
with the simulation's truth. Days are drawn from a seed sequence that training never
uses, half on the shipped stadiums and half on random ones.

Beside the waits: the forecasts and warnings (``forecast_eval``), next to an anchor that
rolls the true queue forward with the day's plan (``forecast_anchor``); and, given a
second runner that hands the product each day's plan first, all of it again with plans.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import numpy as np

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.domain.features import compute_features
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.window import GateWindow, WindowPoint
from stadiumflow.ports import GateStore, WaitModel
from stadiumflow.services.process import process_batch
from stadiumflow.simulation.matchday import run_match_day
from stadiumflow.simulation.randomise import random_match_day
from stadiumflow.simulation.results import MatchDayResult
from stadiumflow.training.anomaly_eval import IncidentDay, score_alarms
from stadiumflow.training.day_outputs import ANCHORS, DayOutputs, SimulatedDay
from stadiumflow.training.forecast_eval import forecast_report
from stadiumflow.training.metrics import baseline_service, baseline_throughput, score

__all__ = [  # DayOutputs and SimulatedDay live in day_outputs; runners import them here too
    "EVAL_ENTROPY",
    "DayOutputs",
    "DayRunner",
    "PlanRunner",
    "SimulatedDay",
    "WorkerRunner",
    "eval_day",
    "evaluate",
    "evaluate_cross_check",
    "run_day_through_worker",
    "score_days",
    "summarise",
    "through_worker",
]

EVAL_ENTROPY = 0x5F10_E7A1  # never a training seed: a distinct root of the seed tree


def eval_day(seed_index: int) -> tuple[MatchDayResult, str]:
    layout, params, sim_seed = random_match_day(np.random.SeedSequence([EVAL_ENTROPY, seed_index]))
    return run_match_day(layout, params, sim_seed), layout.stadium_id


DayRunner = Callable[[SimulatedDay, DayOutputs], None]
"""Runs a day's readings through the product and appends what it said to the outputs."""


class PlanRunner(Protocol):
    """A DayRunner that gives the product each day's plan before its readings."""

    def __call__(self, day: SimulatedDay, out: DayOutputs) -> None: ...

    @property
    def plans_refused(self) -> str | None:
        """Why plans cannot be given (None while they can); once set, a day run adds
        nothing to the outputs."""


def through_worker(model: WaitModel) -> DayRunner:
    """Days run in process, through the worker's own processing with ``model``."""
    return WorkerRunner(model)


@dataclass
class WorkerRunner:
    """Days through the worker's processing, on a fresh store each (``new_store``);
    with ``plans``, the day's plan saved to the store first (``save_plan``)."""

    model: WaitModel
    plans: bool = False
    new_store: Callable[[], GateStore] = MemoryGateStore

    @property
    def plans_refused(self) -> str | None:
        """Why the days cannot be run with their plans (every store keeps plans: never)."""
        return None

    def __call__(self, day: SimulatedDay, out: DayOutputs) -> None:
        store = self.new_store()
        if self.plans:
            if day.plan is None:
                return
            store.save_plan(day.plan)
        run_day_through_worker(day, self.model, out, store)


def run_day_through_worker(
    result: SimulatedDay, model: WaitModel, out: DayOutputs, store: GateStore | None = None
) -> None:
    """Feed a day's readings minute by minute to the worker's processing; collect outputs."""
    store = store if store is not None else MemoryGateStore()
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
            out.add(
                result.stadium_id,
                minute,
                r.ts,
                item.estimate,
                compute_features(window.points),
                state=str(item.state),  # no waitIn30 / redExpectedIn yet: scored as n/a
            )


def summarise(out: DayOutputs, *, with_plan: bool = False) -> dict[str, Any]:
    """The waits' scores beside the baselines', and the forecasts' beside the anchor's
    (the product judged by the issue's targets with a plan, or without one)."""
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
    report["forecast"] = forecast_report(out, with_plan=with_plan)
    return report


D = TypeVar("D", bound=SimulatedDay)


def _run(run_day: DayRunner, day: SimulatedDay, index: int, out: DayOutputs) -> None:
    out.current_day = index
    since = len(out.truth)
    run_day(day, out)
    out.add_context(day, since)


def score_days(
    make_day: Callable[[int], D],
    run_day: DayRunner,
    days: int,
    simulator: str,
    *,
    on_day: Callable[[int], None] | None = None,
    with_plans: PlanRunner | None = None,
) -> tuple[dict[str, Any], DayOutputs, list[D]]:
    """Days 0 .. ``days`` - 1 of ``make_day`` through ``run_day`` (and ``with_plans``),
    scored; the anomalies are the caller's (each simulator tells its incidents)."""
    out, planned = DayOutputs(), DayOutputs()
    made = []
    for index in range(days):
        day = make_day(index)
        _run(run_day, day, index, out)
        if with_plans is not None and with_plans.plans_refused is None:
            _run(with_plans, day, index, planned)
        made.append(day)
        if on_day is not None:
            on_day(index + 1)
    report = summarise(out)
    report["simulator"] = simulator
    report["days"] = days
    report["gateMinutes"] = len(out.truth)
    if with_plans is not None:
        report["withPlans"] = _with_plans(planned, with_plans.plans_refused)
    return report, out, made


def _with_plans(out: DayOutputs, refused: str | None) -> dict[str, Any]:
    """The second pass's scores (the product given each day's plan), or why there is none."""
    if refused is not None:
        return {"given": False, "reason": refused}
    scored = summarise(out, with_plan=True)
    for name in ANCHORS:  # the same truth, the same anchors: reported once
        scored["forecast"].pop(name, None)
    return {"given": True, "gateMinutes": len(out.truth), **scored}


def evaluate(
    run_day: DayRunner,
    days: int,
    *,
    on_day: Callable[[int], None] | None = None,
    with_plans: PlanRunner | None = None,
) -> tuple[dict[str, Any], DayOutputs, list[MatchDayResult]]:
    """Waits, forecasts and anomalies on fresh days of our simulator; with ``with_plans``,
    the same again with the product given each day's plan (``report["withPlans"]``)."""
    report, out, results = score_days(
        lambda index: eval_day(index)[0],
        run_day,
        days,
        "simpy",
        on_day=on_day,
        with_plans=with_plans,
    )
    report["anomalies"] = score_alarms([IncidentDay.of(r) for r in results], out.alarms)
    return report, out, results


def evaluate_cross_check(
    run_day: DayRunner,
    days: int,
    *,
    on_day: Callable[[int], None] | None = None,
    report_seconds: int = 60,
    with_plans: PlanRunner | None = None,
) -> tuple[dict[str, Any], DayOutputs, list[str]]:
    """The same scores on days of the independent Ciw simulator (``ciw_days``), whose
    sensors report every ``report_seconds``."""
    from stadiumflow.training.ciw_days import ciw_match_day  # Ciw is a training extra

    report, out, made = score_days(
        lambda index: ciw_match_day(index, report_seconds),
        run_day,
        days,
        "ciw",
        on_day=on_day,
        with_plans=with_plans,
    )
    report["reportSeconds"] = report_seconds
    report["anomalies"] = score_alarms([day.incident_day() for day in made], out.alarms)
    return report, out, [day.stadium_id for day in made]
