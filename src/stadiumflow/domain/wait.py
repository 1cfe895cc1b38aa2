"""What a wait model says about one gate at one moment."""

from __future__ import annotations

from typing import NamedTuple


class WaitEstimate(NamedTuple):
    """Minutes a fan joining the queue now will wait, with an interval and a forecast."""

    wait: float
    low: float | None = None  # 10% quantile
    high: float | None = None  # 90% quantile
    in_15: float | None = None  # expected wait 15 minutes from now
