"""The forecasts and warnings of an evaluation: the product's beside the anchor's.

Both are scored the same way (``forecast_metrics``): the 15- and 30-minute forecasts
against the true wait of a fan joining 15 / 30 minutes on, and the warnings (red now,
waitIn15 over 10, or red expected within 15 minutes) against the red onsets of the
truth. The product's red now is its status's state; the anchor's, its wait now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np

from stadiumflow.domain.classify import RED_ABOVE_MINUTES, GateState
from stadiumflow.training.day_outputs import AnchorRows, DayOutputs
from stadiumflow.training.forecast_metrics import (
    forecast_scores,
    is_warned,
    meets_targets,
    warning_scores,
)

ANCHOR_ARRIVALS = {
    "anchor": "the plan's expected fans per gate spread over the day by the simulation's"
    " own arrival shape (its curve in expectation; surges not included)",
    "anchorRescaledPlan": "the plan's arrivals scaled by the fans who came so far over"
    " those it planned so far (what a product can learn from its readings)",
    "anchorTrueArrivals": "the fans who really joined each gate's queue, minute by minute"
    " (a perfect plan; surges included)",
}


def product_warned(out: DayOutputs) -> np.ndarray:
    return is_warned(
        out.array("state") == GateState.RED.value,
        out.array("in_15"),
        out.array("red_expected_in"),
    )


def anchor_warned(anchor: AnchorRows) -> np.ndarray:
    return is_warned(
        anchor.array("now") > RED_ABOVE_MINUTES, anchor.array("in_15"), anchor.array("red_in")
    )


def gate_days(out: DayOutputs) -> dict[tuple[int, str, str], np.ndarray]:
    """Row indices of each (day, stadium, gate), in ts order."""
    rows: dict[tuple[int, str, str], list[int]] = defaultdict(list)
    for i, key in enumerate(zip(out.day, out.stadium, out.gate, strict=True)):
        rows[key].append(i)
    minutes = _minutes(out)
    return {key: np.asarray(sorted(ix, key=lambda i: minutes[i])) for key, ix in rows.items()}


def _minutes(out: DayOutputs) -> np.ndarray:
    return np.asarray([ts.timestamp() / 60.0 for ts in out.ts])


def _series(
    out: DayOutputs, warned: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    t, truth = _minutes(out), out.array("truth")
    for rows in gate_days(out).values():
        yield t[rows], truth[rows], warned[rows]


def score_forecaster(
    out: DayOutputs, in_15: np.ndarray, in_30: np.ndarray, warned: np.ndarray, with_plan: bool
) -> dict[str, Any]:
    """One forecaster's forecast errors, warnings and the issue's targets."""
    s15 = forecast_scores(in_15, out.array("truth_in_15"))
    s30 = forecast_scores(in_30, out.array("truth_in_30"))
    warnings = warning_scores(_series(out, warned)).as_dict()
    in15 = None if s15 is None else s15.as_dict()
    return {
        "in15": in15,
        "in30": None if s30 is None else s30.as_dict(),
        "warnings": warnings,
        "meetsTargets": meets_targets(in15, warnings, with_plan),
    }


def forecast_report(out: DayOutputs, *, with_plan: bool = False) -> dict[str, Any]:
    """``product`` (judged by the targets with or without a plan) and the anchors (they
    always have the plan), left out when no day had a plan."""
    report: dict[str, Any] = {
        "product": score_forecaster(
            out, out.array("in_15"), out.array("in_30"), product_warned(out), with_plan
        ),
    }
    for name, anchor in out.anchors.items():
        in_15 = anchor.array("in_15")
        if not len(in_15) or np.isnan(in_15).all():
            continue
        report[name] = {
            **score_forecaster(
                out, in_15, anchor.array("in_30"), anchor_warned(anchor), with_plan=True
            ),
            "arrivals": ANCHOR_ARRIVALS[name],
        }
    return report
