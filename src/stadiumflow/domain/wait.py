"""What a wait model says about one gate at one moment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    """Minutes a fan joining the queue now will wait, with an interval and a forecast."""

    wait: float
    low: float | None = None  # 10% quantile
    high: float | None = None  # 90% quantile
    in_15: float | None = None  # expected wait 15 minutes from now
