"""The domain: classification, ordering, windows, features, the queueing estimator."""

from __future__ import annotations

import math

import pytest

from stadiumflow.domain.classify import GateState, classify_wait
from stadiumflow.domain.features import FEATURE_NAMES, MAX_WAIT_MINUTES, compute_features, wait_base
from stadiumflow.domain.ordering import natural_key
from stadiumflow.domain.window import (
    WINDOW_HORIZON_SECONDS,
    WINDOW_MAX_POINTS,
    GateWindow,
    Placement,
    WindowPoint,
)


@pytest.mark.parametrize(
    ("wait", "state"),
    [
        (0, GateState.GREEN),
        (4.999, GateState.GREEN),
        (5, GateState.YELLOW),
        (10, GateState.YELLOW),
        (10.0001, GateState.RED),
        (200, GateState.RED),
    ],
)
def test_thresholds(wait, state):
    assert classify_wait(wait) is state


def test_natural_order():
    gates = ["G10", "G2", "G1", "G100", "G11", "A", "g3"]
    assert sorted(gates, key=natural_key) == ["A", "G1", "G2", "g3", "G10", "G11", "G100"]


def test_window_ignores_duplicates_and_keeps_late_points_in_order():
    window = GateWindow()
    assert window.add(WindowPoint(120, 1, 1, 1)) is Placement.NEWEST
    assert window.add(WindowPoint(180, 1, 1, 1)) is Placement.NEWEST
    assert window.add(WindowPoint(120, 9, 9, 9)) is Placement.DUPLICATE
    assert window.add(WindowPoint(150, 1, 1, 1)) is Placement.LATE
    assert [p.ts for p in window.points] == [120, 150, 180]
    assert window.points[0].per_minute_count == 1  # the duplicate changed nothing
    assert window.newest_ts == 180


def test_window_is_bounded_in_time_and_count():
    window = GateWindow()
    for minute in range(3 * 60):
        window.add(WindowPoint(minute * 60.0, 1, 1, 1))
    assert window.points[-1].ts - window.points[0].ts <= WINDOW_HORIZON_SECONDS
    for second in range(1000):  # a chatty gate reporting every second
        window.add(WindowPoint(10_800 + second, 1, 1, 1))
    assert len(window.points) <= WINDOW_MAX_POINTS


def test_a_point_older_than_the_window_is_late_and_not_kept():
    window = GateWindow()
    for minute in range(70):
        window.add(WindowPoint(minute * 60.0, 1, 1, 1))
    assert window.add(WindowPoint(30.0, 1, 1, 1)) is Placement.LATE
    assert 30.0 not in [p.ts for p in window.points]


def test_features_are_finite_and_named():
    window = GateWindow()
    for minute, (count, queue) in enumerate([(30, 100), (32, 120), (0, 150), (0, 0)]):
        window.add(WindowPoint(minute * 60.0, count, 3.0 if count else 0.0, queue))
        features = compute_features(window.points)
        assert len(features) == len(FEATURE_NAMES)
        assert all(math.isfinite(f) for f in features)


def test_features_of_a_first_reading():
    f = dict(zip(FEATURE_NAMES, compute_features([WindowPoint(0, 30, 4.0, 90)]), strict=True))
    assert f["throughput_mean_5m"] == 30
    assert f["queue_slope_5m"] == 0
    assert f["wait_queue_over_throughput"] == 3.0
    assert f["lanes_estimate"] == pytest.approx(2.0)


def test_queueing_estimator_guards():
    def base(*points: tuple[float, int, float, int]) -> float:
        return wait_base(compute_features([WindowPoint(*p) for p in points]))

    assert base((0, 0, 3.0, 0)) == 0.0
    assert base((0, 20, 3.0, 100)) == 5.0
    # Turnstiles stopped for 10 minutes: the best throughput of the hour, 50/min.
    assert base((0, 50, 3.0, 10), (600, 0, 0.0, 100)) == 2.0
    # Never passed a fan: one lane at the reported pace (6 s/fan), else 6 s by default.
    assert base((0, 0, 6.0, 10)) == 1.0
    assert base((0, 0, 0.0, 10)) == 1.0
    assert base((0, 1, 3.0, 100_000)) == MAX_WAIT_MINUTES
