"""The anchor's fluid roll-forward: queue physics on hand-made gates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from stadiumflow.domain.plan import GatePlan, MatchPlan
from stadiumflow.domain.readings import Reading
from stadiumflow.simulation.plans import GateProfile
from stadiumflow.simulation.results import ObservedMinute
from stadiumflow.training.forecast_anchor import anchor_day, first_red, roll_forward

OPEN = datetime(2025, 7, 14, 17, tzinfo=UTC)


def test_a_queue_fed_faster_than_it_drains_grows_by_the_difference():
    waits = roll_forward(0.0, 50.0, [60.0] * 30)
    assert waits[15] == pytest.approx(150 / 50)  # 10 fans a minute more than capacity
    assert waits[30] == pytest.approx(300 / 50)


def test_a_queue_never_goes_below_empty_and_refills_from_zero():
    waits = roll_forward(40.0, 50.0, [0.0, 0.0, 70.0])
    assert waits.tolist() == [0.8, 0.0, 0.0, 0.4]


def test_red_expected_in_is_the_first_minute_over_10():
    # 400 + 10 k fans for 50 a minute: exactly 10 (not red) at k = 10, red from 11
    assert first_red(roll_forward(400.0, 50.0, [60.0] * 30)) == 11.0
    assert first_red(roll_forward(600.0, 50.0, [0.0])) == 0.0
    assert first_red(roll_forward(0.0, 50.0, [50.0] * 30)) is None


def _minute(minute: int, queue: int, lanes: int) -> ObservedMinute:
    ts = OPEN + timedelta(minutes=minute)
    return ObservedMinute(Reading("X", "G1", ts, 0, 4.0, queue), True, queue, lanes, 0.0, 0.0, "")


def test_a_day_rolls_the_plan_or_the_true_arrivals_against_the_lanes_open():
    shares = (1 / 60,) * 60  # a flat hour of arrivals, 60 fans a minute for 3600 fans
    profile = GateProfile("G1", OPEN, 6.0, shares, (80,) * 60)  # 10 fans/min per lane
    plan = MatchPlan("X", OPEN + timedelta(hours=2), (GatePlan("G1", 3600, 5),))
    minutes = [_minute(10, 100, 5), _minute(11, 100, 2)]  # three lanes fail at minute 11
    planned = anchor_day(minutes, plan, [profile])
    first = planned[("G1", minutes[0].reading.ts)]
    assert (first.now, first.in_15) == pytest.approx((2.0, 5.0))  # 100 + 15 x (60 - 50), / 50
    failed = planned[("G1", minutes[1].reading.ts)]
    assert failed.in_15 == pytest.approx((100 + 15 * 40) / 20)
    assert failed.red_expected_in == 3.0  # 100 + 40 k over 20 a minute: over 10 from k = 3
    true = anchor_day(minutes, plan, [profile], arrivals="true")[("G1", minutes[0].reading.ts)]
    assert true.in_15 == pytest.approx((100 + 15 * 30) / 50)


def test_the_rescaled_plan_follows_the_fans_who_came_so_far():
    profile = GateProfile("G1", OPEN, 6.0, (1 / 60,) * 60, (80,) * 60)
    plan = MatchPlan("X", OPEN + timedelta(hours=2), (GatePlan("G1", 3600, 5),))
    late = [_minute(40, 0, 5)]
    planned = anchor_day(late, plan, [profile])[("G1", late[0].reading.ts)]
    rescaled = anchor_day(late, plan, [profile], arrivals="rescaled")[("G1", late[0].reading.ts)]
    true = anchor_day(late, plan, [profile], arrivals="true")[("G1", late[0].reading.ts)]
    assert planned.in_15 < rescaled.in_15 < true.in_15
    # 3200 came of 2400 planned, shrunk by 300 prior fans each: 3500 / 2700
    assert rescaled.in_15 == pytest.approx(15 * (60 * 3500 / 2700 - 50) / 50)


def test_gates_without_a_plan_or_a_profile_have_no_anchor():
    profile = GateProfile("G2", OPEN, 6.0, (1.0,), (10,))
    plan = MatchPlan("X", OPEN, (GatePlan("G1", 100, 2),))
    assert anchor_day([_minute(0, 0, 2)], plan, [profile]) == {}
    assert np.isfinite(roll_forward(1.0, 1.0, []).sum())
