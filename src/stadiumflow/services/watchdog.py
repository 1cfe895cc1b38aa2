"""The silent-gate watchdog: gates whose telemetry stopped arriving.

Run on a timer (the Functions timer trigger, or the embedded worker) rather than on the
read path. A stub for now: it only logs; the detection itself belongs to the anomaly work
(issue 5, "Anomaly detection"), which fills :func:`check_silent_gates` in.
"""

from __future__ import annotations

import logging

from stadiumflow.ports import Clock, GateStore

log = logging.getLogger(__name__)


def check_silent_gates(store: GateStore, clock: Clock) -> int:
    """Flag the gates that have gone silent; returns how many were flagged.

    TODO(issue 5): compare each gate's last reading with the clock and its usual
    reporting interval, raise a ``silent`` anomaly and publish the control event.
    """
    log.debug("silent-gate watchdog ran at %s (detection not implemented yet)", clock.now())
    return 0
