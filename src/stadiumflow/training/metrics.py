"""How good a wait estimate is, the way operators feel it, beside the two baselines."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from stadiumflow.domain.classify import RED_ABOVE_MINUTES, YELLOW_FROM_MINUTES
from stadiumflow.domain.features import FEATURE_NAMES, SECONDS_PER_MINUTE

PEAK_MINUTES = 5.0  # "at peak": the true wait is above this
_Q = FEATURE_NAMES.index("queue_length")
_C = FEATURE_NAMES.index("per_minute_count")
_A = FEATURE_NAMES.index("avg_processing_time")


def states(wait: np.ndarray) -> np.ndarray:
    """0 green, 1 yellow, 2 red: the contract's thresholds, vectorised."""
    found: np.ndarray = np.where(
        wait > RED_ABOVE_MINUTES, 2, np.where(wait >= YELLOW_FROM_MINUTES, 1, 0)
    )
    return found


@dataclass(frozen=True)
class Scores:
    n: int
    mae: float
    mae_peak: float
    mae_incident: float
    state_accuracy: float
    red_recall: float
    coverage_10_90: float | None
    # The same at peak: most true waits are exactly 0 (an empty queue), which any interval
    # from 0 holds, so coverage_10_90 sits near 90% whatever the width; this one does not.
    coverage_peak: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _mae(error: np.ndarray, mask: np.ndarray) -> float:
    return float(np.abs(error[mask]).mean()) if mask.any() else float("nan")


def score(
    predicted: np.ndarray,
    truth: np.ndarray,
    incident: np.ndarray,
    low: np.ndarray | None = None,
    high: np.ndarray | None = None,
) -> Scores:
    error = predicted - truth
    everything = np.ones(len(truth), dtype=bool)
    red = states(truth) == 2
    peak = truth > PEAK_MINUTES
    coverage: float | None = None
    coverage_peak: float | None = None
    if low is not None and high is not None:
        inside = (truth >= low) & (truth <= high)
        coverage = float(inside.mean())
        coverage_peak = float(inside[peak].mean()) if peak.any() else float("nan")
    return Scores(
        n=len(truth),
        mae=_mae(error, everything),
        mae_peak=_mae(error, peak),
        mae_incident=_mae(error, incident != ""),
        state_accuracy=float((states(predicted) == states(truth)).mean()),
        red_recall=float((states(predicted)[red] == 2).mean()) if red.any() else float("nan"),
        coverage_10_90=coverage,
        coverage_peak=coverage_peak,
    )


def baseline_throughput(features: np.ndarray) -> np.ndarray:
    """The naive estimate: queue length over this minute's throughput."""
    q, c = features[:, _Q], features[:, _C]
    return np.where(q <= 0, 0.0, q / np.maximum(c, 1.0))


def baseline_service(features: np.ndarray, lanes: np.ndarray) -> np.ndarray:
    """queue length x processing time / (60 x lanes open)."""
    q, a = features[:, _Q], features[:, _A]
    found: np.ndarray = q * a / (SECONDS_PER_MINUTE * np.maximum(lanes, 1.0))
    return found
