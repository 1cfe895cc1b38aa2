"""The queueing estimator: queue length over recent throughput, guarded.

It is the wait model of last resort (no trained model, or a model that cannot load),
and a baseline every evaluation reports beside the trained model.
"""

from __future__ import annotations

from collections.abc import Sequence

from stadiumflow.domain.features import wait_base
from stadiumflow.domain.wait import WaitEstimate


class QueueingWaitModel:
    """WaitModel port: the guarded queueing formula (:func:`wait_base`), no interval.

    ``reason`` says why it is in use when it stands in for a trained model (its
    ``fallback_reason``); without one, the formula was chosen on purpose.
    """

    name = "queueing"
    is_fallback = True

    def __init__(self, reason: str | None = None) -> None:
        self.fallback_reason = reason
        self.version = "queueing-1" if reason is None else "fallback:queueing-1"

    def predict(self, rows: Sequence[Sequence[float]]) -> list[WaitEstimate]:
        return [WaitEstimate(wait=wait_base(row)) for row in rows]

    def maybe_reload(self) -> bool:
        return False  # a formula has no newer version
