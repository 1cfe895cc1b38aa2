"""A simulated day's plan: the fans who came, off by a bounded, reproducible error."""

from __future__ import annotations

import numpy as np
import pytest

from stadiumflow.layouts import load_layout
from stadiumflow.simulation.arrivals import curve_arrival_seconds, expected_arrival_shares
from stadiumflow.simulation.matchday import run_match_day
from stadiumflow.simulation.params import ArrivalCurve, MatchDayParams
from stadiumflow.simulation.plans import ALLOCATION_CAP, allocation_errors
from stadiumflow.simulation.results import MatchDayResult


@pytest.fixture(scope="module")
def agadir() -> MatchDayResult:
    return run_match_day(load_layout("AGADIR"), seed=7)  # the golden day


def test_the_plan_is_the_fans_who_entered_off_by_at_most_30_percent(agadir):
    plan = agadir.plan
    assert plan is not None
    assert plan.stadium_id == "AGADIR" and plan.kickoff == agadir.params.kickoff
    assert [g.gate_id for g in plan.gates] == list(agadir.layout.gate_ids)
    errors = []
    for summary in agadir.gates:
        planned = plan.gate(summary.gate_id)
        assert planned is not None
        assert planned.lanes == agadir.layout.gate(summary.gate_id).lanes
        errors.append(planned.expected_fans / summary.fans_served - 1)
    assert max(abs(e) for e in errors) <= ALLOCATION_CAP + 1e-3
    assert any(abs(e) > 0.01 for e in errors)  # not the truth itself


def test_the_plan_is_reproducible_and_its_own_stream(agadir):
    again = run_match_day(load_layout("AGADIR"), seed=7)
    assert again.plan == agadir.plan
    assert run_match_day(load_layout("AGADIR"), seed=8).plan != agadir.plan


def test_allocation_errors_spread_about_15_percent_within_the_cap():
    factors = allocation_errors(20_000, np.random.SeedSequence(3))
    assert 0.13 < np.log(factors).std() < 0.16
    assert abs(np.log(factors).mean()) < 0.01
    assert factors.min() >= 1 - ALLOCATION_CAP and factors.max() <= 1 + ALLOCATION_CAP


def test_profiles_hold_each_gates_service_mean_shape_and_arrivals(agadir):
    assert [p.gate_id for p in agadir.profiles] == list(agadir.layout.gate_ids)
    for profile, summary in zip(agadir.profiles, agadir.gates, strict=True):
        assert profile.opened == agadir.params.gates_open
        assert sum(profile.arrival_shares) == pytest.approx(1.0)
        assert sum(profile.arrivals) == summary.fans_served  # every fan who joined
        assert profile.service_mean_seconds > 0


def test_the_expected_arrival_shape_is_what_the_arrivals_are_drawn_from():
    curve = ArrivalCurve(peak_minutes_before=50, shape=3.0, gate_peak_jitter_minutes=6.0)
    params = MatchDayParams(open_minutes_before=150.0, curve=curve)
    shares = expected_arrival_shares(curve, params.open_minutes_before)
    rng = np.random.default_rng(11)
    drawn = np.concatenate(
        [curve_arrival_seconds(5_000, curve, params.open_minutes_before, rng) for _ in range(80)]
    )
    counts = np.bincount((drawn // 60).astype(int), minlength=len(shares)) / len(drawn)
    assert len(counts) == len(shares)
    # total variation, sampling included (without the peak jitter averaged in: 0.026)
    assert 0.5 * np.abs(counts - shares).sum() < 0.021
    assert abs(int(np.argmax(shares)) - int(np.argmax(counts))) <= 4
