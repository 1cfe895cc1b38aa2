"""Wait (minutes) -> gate state, the contract's thresholds."""

from __future__ import annotations

from enum import StrEnum

YELLOW_FROM_MINUTES = 5.0
RED_ABOVE_MINUTES = 10.0


class GateState(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


def classify_wait(wait_minutes: float) -> GateState:
    """Green below 5 minutes, yellow from 5 to 10 inclusive, red above 10.

    >>> classify_wait(4.99).value, classify_wait(5).value, classify_wait(10).value
    ('green', 'yellow', 'yellow')
    >>> classify_wait(10.01).value
    'red'
    """
    if wait_minutes < YELLOW_FROM_MINUTES:
        return GateState.GREEN
    if wait_minutes <= RED_ABOVE_MINUTES:
        return GateState.YELLOW
    return GateState.RED
