"""Lead time and false warnings counted the way #16's outside check counts them, on
small hand-made series of one gate (a minute a reading unless said otherwise)."""

from __future__ import annotations

import numpy as np
import pytest

from stadiumflow.training.forecast_metrics import (
    false_warning_minutes,
    forecast_scores,
    is_warned,
    meets_targets,
    onset_leads,
    red_onsets,
    warning_scores,
)

NAN = float("nan")


def day(minutes: int = 120) -> np.ndarray:
    return np.arange(float(minutes))


def red_from(t: np.ndarray, start: float, end: float = np.inf) -> np.ndarray:
    """True wait: 3 minutes, and 12 (red) in [start, end)."""
    return np.where((t >= start) & (t < end), 12.0, 3.0)


def warned_at(t: np.ndarray, *spans: tuple[float, float]) -> np.ndarray:
    return np.any([(t >= a) & (t < b) for a, b in spans], axis=0)


def test_an_onset_warned_12_minutes_ahead_counts_for_10_and_5():
    t = day()
    truth = red_from(t, 60)
    leads = onset_leads(t, truth, warned_at(t, (48, 120)))
    assert leads.tolist() == [12.0]
    scores = warning_scores([(t, truth, warned_at(t, (48, 120)))])
    assert (scores.red_onsets, scores.warned_10, scores.warned_5) == (1, 1, 1)
    assert scores.median_lead == 12.0


def test_a_warning_7_minutes_ahead_counts_for_5_not_10():
    t = day()
    scores = warning_scores([(t, red_from(t, 60), warned_at(t, (53, 120)))])
    assert (scores.warned_10, scores.warned_5) == (0, 1)


def test_a_warning_40_minutes_before_then_calm_is_no_lead():
    t = day()
    leads = onset_leads(t, red_from(t, 60), warned_at(t, (20, 22)))
    assert leads.tolist() == [0.0]


def test_a_warning_at_the_onset_itself_is_no_lead():
    t = day()
    assert onset_leads(t, red_from(t, 60), warned_at(t, (60, 120))).tolist() == [0.0]


def test_a_warning_held_for_45_minutes_counts_from_30_minutes_before():
    t = day()
    assert onset_leads(t, red_from(t, 60), warned_at(t, (15, 120))).tolist() == [30.0]


def test_red_after_fewer_than_10_calm_minutes_is_not_a_new_onset():
    t = day()
    truth = np.where(((t >= 40) & (t < 50)) | (t >= 59), 12.0, 3.0)  # 9 calm minutes
    assert red_onsets(t, truth).tolist() == [40]
    truth = np.where(((t >= 40) & (t < 50)) | (t >= 60), 12.0, 3.0)  # 10 calm minutes
    assert red_onsets(t, truth).tolist() == [40, 60]


def test_exactly_10_is_not_red_and_the_first_minutes_of_a_day_are_no_onset():
    t = day(40)
    assert red_onsets(t, np.where(t >= 20, 10.0, 3.0)).tolist() == []
    assert red_onsets(t, red_from(t, 5)).tolist() == []  # not 10 minutes of calm seen


def test_jittered_ticks_still_see_ten_calm_minutes():
    t = day() + np.random.default_rng(1).uniform(-0.1, 0.1, 120)
    assert red_onsets(t, red_from(t, 59.5)).tolist() == [60]


def test_a_warning_followed_by_red_within_20_minutes_is_not_false():
    t = day()
    truth = red_from(t, 60)
    assert false_warning_minutes(t, truth, warned_at(t, (45, 46))) == 0  # red 15 min later
    assert false_warning_minutes(t, truth, warned_at(t, (40, 41))) == 0  # exactly 20 later
    assert false_warning_minutes(t, truth, warned_at(t, (39, 40))) == 1  # 21 later: false
    assert false_warning_minutes(t, truth, warned_at(t, (65, 70))) == 0  # red now: right


def test_false_warnings_count_per_gate_per_match_day():
    t = day()
    calm = np.full(120, 3.0)
    nervous = (t, calm, warned_at(t, (10, 13)))  # 3 false minutes
    quiet = (t, calm, np.zeros(120, dtype=bool))
    scores = warning_scores([nervous, quiet, quiet, quiet])
    assert scores.as_dict()["falseWarningsPerGateDay"] == 0.75
    assert scores.as_dict()["shareWarned10"] is None  # no onset: no share


def test_readings_every_20_s_count_false_minutes_once():
    t = np.arange(0.0, 60.0, 1 / 3)
    assert false_warning_minutes(t, np.zeros_like(t), (t >= 10) & (t < 12)) == 2


def test_warned_is_red_now_or_red_in_15_or_red_expected_within_15():
    red_now = np.array([True, False, False, False, False, False])
    in_15 = np.array([NAN, 10.01, 10.0, NAN, NAN, 3.0])
    red_in = np.array([NAN, NAN, NAN, 15.0, 15.5, NAN])
    assert is_warned(red_now, in_15, red_in).tolist() == [True, True, False, True, False, False]


def test_forecasts_are_scored_at_their_target_minute_and_none_is_no_forecast():
    truth_ahead = np.array([0.0, 6.0, 11.0, 20.0])
    scores = forecast_scores(np.array([1.0, 8.0, 9.0, 21.0]), truth_ahead)
    assert scores is not None
    assert scores.mae == pytest.approx(1.5)
    assert scores.mae_peak == pytest.approx(5 / 3)  # truth over 5: the last three
    assert scores.red_recall == 0.5  # 11 forecast as 9: missed; 20 as 21: caught
    assert forecast_scores(np.full(4, NAN), truth_ahead) is None
    partial = forecast_scores(np.array([NAN, NAN, 11.0, 20.0]), truth_ahead)
    assert partial is not None and (partial.n, partial.mae) == (2, 0.0)


def test_targets_with_and_without_a_plan():
    good = {"n": 10, "mae": 0.5, "maePeak": 1.4, "redRecall": 0.9}
    warnings = {"shareWarned10": 0.8, "shareWarned5": 0.9, "falseWarningsPerGateDay": 1.2}
    assert meets_targets(good, warnings, with_plan=True) == {
        "mae15Peak": True,
        "shareWarned10": True,
        "falseWarningsPerGateDay": False,
    }
    assert meets_targets(None, warnings, with_plan=False) == {
        "mae15Peak": False,  # no forecast: not met
        "shareWarned5": True,
    }
