"""The independent Ciw match days: sound on their own, and usable to score the model."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import timedelta

import numpy as np
import pytest

from stadiumflow.bootstrap import load_wait_model, shipped_model_dir
from stadiumflow.simulation.results import ObservedMinute
from stadiumflow.training.ciw_days import CiwDay, ciw_match_day
from stadiumflow.training.evaluate import evaluate_cross_check, through_worker


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
    assert ciw_match_day(1).readings() != day.readings()
    for minutes in _by_gate(day).values():
        steps = {b.reading.ts - a.reading.ts for a, b in itertools.pairwise(minutes)}
        assert steps == {timedelta(minutes=1)}


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
