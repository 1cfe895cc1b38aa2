"""The independent Ciw match days: sound on their own, and usable to score the model."""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.bootstrap import load_wait_model, shipped_model_dir
from stadiumflow.simulation.plans import ALLOCATION_CAP
from stadiumflow.simulation.results import ObservedMinute
from stadiumflow.training.ciw_days import OPEN_MINUTES_BEFORE, CiwDay, ciw_match_day
from stadiumflow.training.evaluate import (
    WorkerRunner,
    evaluate_cross_check,
    score_days,
    through_worker,
)
from stadiumflow.training.forecast_anchor import anchor_day


@pytest.fixture(scope="module")
def day() -> CiwDay:
    return ciw_match_day(0)


def _by_gate(day: CiwDay) -> dict[str, list[ObservedMinute]]:
    gates: dict[str, list[ObservedMinute]] = defaultdict(list)
    for minute in day.minutes:
        gates[minute.reading.gate_id].append(minute)
    return gates


def test_a_day_is_the_same_for_its_index_and_reports_every_gate_each_minute(day):
    again = ciw_match_day(0)
    assert again.readings() == day.readings()
    assert again.plan == day.plan and again.profiles == day.profiles
    assert ciw_match_day(1).readings() != day.readings()
    for minutes in _by_gate(day).values():
        steps = {b.reading.ts - a.reading.ts for a, b in itertools.pairwise(minutes)}
        assert steps == {timedelta(minutes=1)}


def test_day_0_is_pinned(day):
    """Its readings and truth (now and 15 minutes on), as they were before days had
    plans: the plan draws from a stream of its own."""
    digest = hashlib.sha256()
    for m in day.minutes:
        waits = (round(m.wait_true, 9), round(m.wait_true_in_15, 9))
        fields = (m.reading, m.reported, m.queue_true, m.lanes_open, *waits, m.incident)
        digest.update(repr(fields).encode())
    assert digest.hexdigest()[:16] == "b7e5de9fef8c78da"


def test_the_plan_is_the_fans_who_entered_off_by_at_most_30_percent(day):
    plan = day.plan
    assert plan is not None
    assert plan.kickoff == day.minutes[0].reading.ts + timedelta(minutes=OPEN_MINUTES_BEFORE - 1)
    assert len(plan.gates) == day.gates == len(day.profiles)
    errors = []
    for profile in day.profiles:
        planned = plan.gate(profile.gate_id)
        assert planned is not None and planned.lanes is not None and planned.lanes >= 2
        errors.append(planned.expected_fans / sum(profile.arrivals) - 1)
    assert max(abs(e) for e in errors) <= ALLOCATION_CAP + 1e-3
    assert np.std(errors) > 0.03


def test_the_anchor_with_true_arrivals_follows_the_truth(day):
    """Rolled with the fans who really came, the fluid queue is near the truth 15
    minutes on: the roll-forward itself is sound, whatever the plan's error adds."""
    assert day.plan is not None
    anchor = anchor_day(day.minutes, day.plan, day.profiles, arrivals="true")
    ahead = np.array([m.wait_true_in_15 for m in day.minutes])
    rolled = np.array([anchor[(m.reading.gate_id, m.reading.ts)].in_15 for m in day.minutes])
    peak = ahead > 5
    assert peak.sum() > 50
    assert np.abs(rolled - ahead)[peak].mean() < 1.0
    planned = anchor_day(day.minutes, day.plan, day.profiles)
    by_plan = np.array([planned[(m.reading.gate_id, m.reading.ts)].in_15 for m in day.minutes])
    assert np.abs(by_plan - ahead)[peak].mean() > np.abs(rolled - ahead)[peak].mean()


def test_sensors_reporting_every_30_s_see_the_same_day(day):
    fast = ciw_match_day(0, report_seconds=30)
    for minutes in _by_gate(fast).values():
        steps = {b.reading.ts - a.reading.ts for a, b in itertools.pairwise(minutes)}
        assert steps == {timedelta(seconds=30)}
    on_the_minute = [r for r in fast.readings() if r.ts.second == day.readings()[0].ts.second]
    assert on_the_minute == day.readings()  # counts are still the minute before ts


def test_the_truth_agrees_with_what_the_sensors_saw(day):
    """A fan joining behind q fans waits until the turnstiles have passed q more: the
    truth and the readings come from one queue, not two unrelated streams."""
    errors = []
    for minutes in _by_gate(day).values():
        through = np.cumsum([m.reading.per_minute_count for m in minutes])
        for k, m in enumerate(minutes):
            q = m.reading.queue_length
            if q < 20 or m.incident:
                continue
            ahead = through[k + 1 :] - through[k]
            reached = np.flatnonzero(ahead >= q)
            if len(reached):
                errors.append(abs(reached[0] + 0.5 - m.wait_true))
    assert len(errors) > 100
    assert np.median(errors) < 0.6  # minute ticks: half a minute of rounding
    assert np.percentile(errors, 95) < 1.5


def test_days_hold_red_gates_and_both_kinds_of_incident():
    days = [ciw_match_day(i) for i in range(3)]
    truth = np.array([m.wait_true for d in days for m in d.minutes])
    kinds = {m.incident for d in days for m in d.minutes}
    assert (truth > 10).sum() > 50
    assert (truth == 0).mean() > 0.2  # idle minutes before the rush and after kickoff
    assert {"lanes_closed", "surge"} <= kinds


def test_the_shipped_model_beats_queue_over_throughput_there():
    model = load_wait_model(shipped_model_dir())
    assert not model.is_fallback
    report, outputs, stadiums = evaluate_cross_check(through_worker(model), 1)
    assert report["simulator"] == "ciw" and stadiums == ["CIW0000"]
    assert report["gateMinutes"] == len(outputs.truth) > 1000
    ours, baseline = report["model"], report["baselineQueueOverThroughput"]
    assert ours["mae_peak"] < baseline["mae_peak"]
    assert ours["state_accuracy"] > 0.98
    forecast = report["forecast"]
    assert set(forecast) == {"product", "anchor", "anchorRescaledPlan", "anchorTrueArrivals"}
    assert forecast["product"]["in15"]["n"] == report["gateMinutes"]
    assert forecast["anchor"]["warnings"]["redOnsets"] >= 1
    assert forecast["anchor"]["warnings"]["gateDays"] == 12
    assert forecast["anchorTrueArrivals"]["in15"]["maePeak"] < 1.0
    assert "withPlans" not in report


def test_with_plans_each_day_is_run_again_after_its_plan_is_saved(day):
    model = load_wait_model(shipped_model_dir())
    stores: list[MemoryGateStore] = []

    def new_store() -> MemoryGateStore:
        stores.append(MemoryGateStore())
        return stores[-1]

    two_gates = replace(
        day, minutes=tuple(m for m in day.minutes if m.reading.gate_id in {"G1", "G2"})
    )
    runner = WorkerRunner(model, plans=True, new_store=new_store)
    assert runner.plans_refused is None
    report, _, _ = score_days(
        lambda _index: two_gates, through_worker(model), 1, "ciw", with_plans=runner
    )
    assert [s.plans(day.stadium_id) for s in stores] == [[day.plan]]
    with_plans = report["withPlans"]
    assert with_plans["given"] and with_plans["gateMinutes"] == report["gateMinutes"]
    assert set(with_plans["forecast"]) == {"product"}  # the anchors are the same: once
