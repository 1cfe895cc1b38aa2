"""The queueing estimator: queue length over recent throughput, guarded.

It is the wait model of last resort (no trained model, or a model that cannot load),
and a baseline every evaluation reports beside the trained model.
"""

from __future__ import annotations

from collections.abc import Sequence

from stadiumflow.domain.features import FEATURE_NAMES
from stadiumflow.domain.wait import WaitEstimate

MAX_WAIT_MINUTES = 240.0
"""No estimate exceeds four hours: beyond that the number carries no information."""
DEFAULT_SECONDS_PER_FAN = 6.0
"""Used only when a gate has never reported a processing time and never passed a fan."""

_Q = FEATURE_NAMES.index("queue_length")
_A = FEATURE_NAMES.index("avg_processing_time")
_THR5 = FEATURE_NAMES.index("throughput_mean_5m")
_THR_MAX = FEATURE_NAMES.index("throughput_max_60m")


def queueing_wait(features: Sequence[float]) -> float:
    """Minutes a fan joining now waits: queue / recent throughput.

    Empty queue: 0. No recent throughput but a queue: the best capacity seen in the
    last hour, else one lane at the reported (or a default) seconds per fan.

    >>> queueing_wait([0, 0, 3.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    0.0
    >>> queueing_wait([120, 30, 3.0, 30, 30, 40, 2, 0, 30, 1, 4, 3, 1])
    4.0
    >>> queueing_wait([60, 0, 0.0, 0, 0, 30, 2, 0, 0, 0, 0, 0, 1])  # turnstiles stopped
    2.0
    """
    queue = features[_Q]
    if queue <= 0:
        return 0.0
    throughput = features[_THR5]
    if throughput <= 0:
        throughput = features[_THR_MAX]
    if throughput <= 0:
        seconds = features[_A] if features[_A] > 0 else DEFAULT_SECONDS_PER_FAN
        throughput = 60.0 / seconds
    return min(queue / throughput, MAX_WAIT_MINUTES)


class QueueingWaitModel:
    """WaitModel port: the guarded queueing formula, one row at a time (it is cheap)."""

    name = "queueing"
    version = "queueing-1"
    is_fallback = True

    def predict(self, rows: Sequence[Sequence[float]]) -> list[WaitEstimate]:
        return [WaitEstimate(wait=queueing_wait(row)) for row in rows]
