"""How much lead time forecasts give, the way issue #16's outside check counts it.

Per gate-minute a forecaster says ``waitIn15`` / ``waitIn30`` (minutes, None when it
has none), ``redExpectedIn`` (minutes until red within 30, None otherwise) and its
state. From these:

warned        the state is red, or waitIn15 > 10, or redExpectedIn <= 15
red onset     a gate-minute whose true wait is over 10 after 10 minutes at or under 10
lead          minutes from the first warned minute in the 30 before an onset to the
              onset (0 when none: a warning 40 minutes before, then calm, is no lead)
false warning a warned gate-minute whose true wait stays at or under 10 for the next 20
              minutes; counted per gate per match day
forecast error waitIn15 at t against the true wait of a fan joining at t + 15 (and 30)

Series are one gate's day in time order, ``t`` in minutes; sensors tick about once a
minute, with some jitter, so windows are read with half a minute of slack.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from stadiumflow.domain.classify import RED_ABOVE_MINUTES
from stadiumflow.training.metrics import PEAK_MINUTES

WARN_RED_WITHIN_MINUTES = 15.0
ONSET_CALM_MINUTES = 10.0
LEAD_WINDOW_MINUTES = 30.0
FALSE_CALM_MINUTES = 20.0
_SLACK = 0.5  # minutes: a tick 10 minutes back may come a few seconds late

# The targets, with and without a plan (on an outside simulator, through the API).
TARGETS_WITH_PLAN = {"mae15Peak": 1.5, "shareWarned10": 0.8, "falseWarningsPerGateDay": 1.0}
TARGETS_WITHOUT_PLAN = {"mae15Peak": 3.0, "shareWarned5": 0.5}


def is_warned(red_now: np.ndarray, in_15: np.ndarray, red_expected_in: np.ndarray) -> np.ndarray:
    """The warned flag per gate-minute; NaN stands for "no forecast" (never warns).

    >>> nan = float("nan")
    >>> is_warned(np.array([True, False, False, False]), np.array([nan, 10.5, 10.0, nan]),
    ...           np.array([nan, nan, 15.0, 16.0])).tolist()
    [True, True, True, False]
    """
    with np.errstate(invalid="ignore"):
        found: np.ndarray = (
            red_now
            | (np.nan_to_num(in_15, nan=-1.0) > RED_ABOVE_MINUTES)
            | (np.nan_to_num(red_expected_in, nan=np.inf) <= WARN_RED_WITHIN_MINUTES)
        )
    return found


@dataclass(frozen=True, slots=True)
class ForecastScores:
    n: int  # gate-minutes with a forecast
    mae: float
    mae_peak: float  # where the true wait at the target minute is over 5
    red_recall: float  # where it is red: share forecast red

    def as_dict(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "mae": round(self.mae, 4),
            "maePeak": round(self.mae_peak, 4),
            "redRecall": round(self.red_recall, 4),
        }


def forecast_scores(predicted: np.ndarray, truth_ahead: np.ndarray) -> ForecastScores | None:
    """Scores of a forecast against the truth at its target minute; None when it never
    forecast (NaN everywhere), else over the gate-minutes where it did.

    >>> forecast_scores(np.array([2.0, 12.0, 8.0, np.nan]), np.array([1.0, 11.0, 12.0, 3.0]))
    ForecastScores(n=3, mae=2.0, mae_peak=2.5, red_recall=0.5)
    >>> forecast_scores(np.array([np.nan]), np.array([3.0])) is None
    True
    """
    has = ~np.isnan(predicted)
    if not has.any():
        return None
    p, truth = predicted[has], truth_ahead[has]
    error = np.abs(p - truth)
    peak, red = truth > PEAK_MINUTES, truth > RED_ABOVE_MINUTES
    return ForecastScores(
        n=int(has.sum()),
        mae=float(error.mean()),
        mae_peak=float(error[peak].mean()) if peak.any() else float("nan"),
        red_recall=float((p[red] > RED_ABOVE_MINUTES).mean()) if red.any() else float("nan"),
    )


def red_onsets(t: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Indices of the red onsets of one gate's series (see the module doc): the series
    must reach 10 minutes back for a minute to count as one.

    >>> t = np.arange(30.0)
    >>> truth = np.where((t >= 12) & (t < 15) | (t >= 20), 11.0, 2.0)
    >>> red_onsets(t, truth).tolist()  # 20 follows only 5 calm minutes
    [12]
    """
    red = truth > RED_ABOVE_MINUTES
    found = []
    for i in np.flatnonzero(red):
        if t[0] > t[i] - ONSET_CALM_MINUTES + _SLACK:
            continue  # too early in the day to know it was calm for 10 minutes
        before = (t > t[i] - ONSET_CALM_MINUTES - _SLACK) & (t < t[i])
        if not red[before].any():
            found.append(i)
    return np.asarray(found, dtype=int)


def onset_leads(t: np.ndarray, truth: np.ndarray, warned: np.ndarray) -> np.ndarray:
    """Per red onset of the series, minutes from the first warned minute in the 30
    before it to it (0 when there is none).

    >>> t = np.arange(60.0)
    >>> truth = np.where(t >= 50, 11.0, 0.0)
    >>> onset_leads(t, truth, (t >= 38) & (t < 40)).tolist()
    [12.0]
    """
    leads = []
    for i in red_onsets(t, truth):
        window = (t >= t[i] - LEAD_WINDOW_MINUTES - _SLACK) & (t < t[i]) & warned
        leads.append(float(t[i] - t[window][0]) if window.any() else 0.0)
    return np.asarray(leads, dtype=float)


def false_warning_minutes(t: np.ndarray, truth: np.ndarray, warned: np.ndarray) -> int:
    """Warned minutes whose true wait stays at or under 10 from then for 20 minutes
    (distinct minutes, when sensors report more often than once a minute).

    >>> t = np.arange(40.0)
    >>> truth = np.where(t >= 25, 11.0, 0.0)
    >>> false_warning_minutes(t, truth, (t == 2) | (t == 3) | (t == 10))  # 10: red at 25
    2
    """
    red = truth > RED_ABOVE_MINUTES
    false = set()
    for j in np.flatnonzero(warned):
        ahead = (t >= t[j]) & (t <= t[j] + FALSE_CALM_MINUTES + _SLACK)
        if not red[ahead].any():
            false.add(int(np.floor(t[j])))
    return len(false)


@dataclass(frozen=True, slots=True)
class WarningScores:
    red_onsets: int
    warned_10: int  # onsets warned at least 10 minutes ahead
    warned_5: int
    median_lead: float  # minutes, over all onsets (0 for one not warned ahead)
    false_minutes: int
    gate_days: int
    warned_minutes: int

    def as_dict(self) -> dict[str, float | int | None]:
        n = self.red_onsets
        return {
            "redOnsets": n,
            "warned10MinAhead": self.warned_10,
            "warned5MinAhead": self.warned_5,
            "shareWarned10": round(self.warned_10 / n, 4) if n else None,
            "shareWarned5": round(self.warned_5 / n, 4) if n else None,
            "medianLeadMinutes": round(self.median_lead, 2) if n else None,
            "warnedGateMinutes": self.warned_minutes,
            "falseWarningGateMinutes": self.false_minutes,
            "gateDays": self.gate_days,
            "falseWarningsPerGateDay": round(self.false_minutes / max(self.gate_days, 1), 4),
        }


def warning_scores(series: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> WarningScores:
    """Onsets, leads and false warnings over gate-days, each (t, truth, warned).

    >>> t = np.arange(60.0)
    >>> quiet = (t, np.zeros(60), np.zeros(60, dtype=bool))
    >>> busy = (t, np.where(t >= 50, 11.0, 0.0), t >= 44)
    >>> warning_scores([quiet, busy]).as_dict()["shareWarned5"]
    1.0
    """
    leads: list[float] = []
    false = gate_days = warned_minutes = 0
    for t, truth, warned in series:
        leads += onset_leads(t, truth, warned).tolist()
        false += false_warning_minutes(t, truth, warned)
        warned_minutes += len(np.unique(np.floor(t[warned])))
        gate_days += 1
    found = np.asarray(leads)
    return WarningScores(
        red_onsets=len(found),
        warned_10=int((found >= 10.0).sum()),
        warned_5=int((found >= 5.0).sum()),
        median_lead=float(np.median(found)) if len(found) else float("nan"),
        false_minutes=false,
        gate_days=gate_days,
        warned_minutes=warned_minutes,
    )


def meets_targets(
    in_15: dict[str, float | int] | None, warnings: dict[str, float | int | None], with_plan: bool
) -> dict[str, bool]:
    """Each of the issue's targets (with or without a plan): met or not."""
    targets = TARGETS_WITH_PLAN if with_plan else TARGETS_WITHOUT_PLAN
    got: dict[str, float | int | None] = {
        "mae15Peak": None if in_15 is None else in_15["maePeak"],
        **warnings,
    }
    out = {}
    for name, bound in targets.items():
        value = got.get(name)
        if value is None or np.isnan(value):
            out[name] = False  # no forecast, or nothing to count: not met
        else:  # shares are floors, errors and false warnings ceilings
            out[name] = bool(value >= bound if name.startswith("share") else value <= bound)
    return out
