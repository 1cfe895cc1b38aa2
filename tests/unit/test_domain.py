"""The domain: classification, ordering, windows, features, the queueing estimator."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stadiumflow.domain.classify import GateState, classify_wait
from stadiumflow.domain.features import (
    FEATURE_NAMES,
    MAX_WAIT_MINUTES,
    compute_features,
    features_of_run,
    wait_base,
)
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


_points = st.lists(
    st.tuples(
        st.sampled_from([0.5, 1.0, 7.0, 30.0, 60.0, 61.5, 240.0, 900.0]),  # gap, s
        st.integers(0, 400),  # fans through
        st.one_of(st.just(0.0), st.floats(0.1, 60.0)),  # s per fan
        st.integers(0, 3000),  # queue
    ),
    min_size=1,
    max_size=300,
)


def _naive_features(points):
    """The features by their definitions, with comprehensions: the oracle."""
    last, now = points[-1], points[-1].ts
    in5 = [p for p in points if p.ts > now - 300]
    in15 = [p for p in points if p.ts > now - 900]
    q, c, a = last.queue_length, last.per_minute_count, last.avg_processing_time
    thr5 = sum(p.per_minute_count for p in in5) / len(in5)
    thr15 = sum(p.per_minute_count for p in in15) / len(in15)
    best = max(p.per_minute_count for p in points)
    busy = [p.avg_processing_time for p in in15 if p.per_minute_count > 0]
    service = sum(busy) / len(busy) if busy else a
    lanes = best * service / 60 if service > 0 else 0.0
    prev = points[-2] if len(points) > 1 else None
    gap = (now - prev.ts) / 60 if prev else 1.0
    span5 = (now - in5[0].ts) / 60
    slope5 = (q - in5[0].queue_length) / span5 if span5 > 0 else 0.0
    arrivals = max(thr5 + slope5, 0.0)

    def over(rate):
        if q <= 0:
            return 0.0
        if rate > 1e-6:
            return min(q / rate, MAX_WAIT_MINUTES)
        return min(q * (a if a > 0 else 6.0) / 60, MAX_WAIT_MINUTES)

    return [
        q,
        c,
        a,
        sum(p.queue_length for p in in5) / len(in5),
        thr5,
        thr15,
        best,
        c / thr15 if thr15 > 1e-6 else 1.0,
        lanes,
        (q - prev.queue_length) / gap if prev else 0.0,
        slope5,
        arrivals,
        arrivals / best if best > 1e-6 else 0.0,
        over(c),
        over(thr5 if thr5 > 1e-6 else best),
        q * a / (60 * max(lanes, 1.0)),
        gap,
    ]


@settings(max_examples=150, deadline=None)
@given(_points, st.data())
def test_a_run_of_readings_has_the_features_each_had_as_it_arrived(raw, data):
    """The worker computes a gate's backlog in one pass; it must equal, reading by
    reading, the features of the window as it grew (what training computes)."""
    points, ts = [], 1.7e9
    for gap, count, seconds, queue in raw:
        ts += gap
        points.append(WindowPoint(ts, count, seconds, queue))
    split = data.draw(st.integers(0, len(points) - 1))
    window = GateWindow()
    for point in points[:split]:
        window.add(point)
    before = list(window.points)
    expected = []
    for point in points[split:]:
        window.add(point)
        expected.append(compute_features(window.points))
        assert expected[-1] == pytest.approx(_naive_features(window.points), rel=1e-9, abs=1e-9)
    got = features_of_run(before + points[split:], len(before))
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        assert row == pytest.approx(want, rel=1e-9, abs=1e-9)


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
