"""The silent-gate watchdog: gates whose telemetry stopped arriving.

The worker already judges silence in event time whenever a stadium's other gates report
(see ``domain.silence``). When a whole stadium goes quiet no reading arrives to do it,
so this runs on a timer (the Functions timer trigger, or the embedded worker between
batches), with the wall clock standing in for the stadium's clock, but only for a
stadium whose data is live: a replayed day is never judged by today's clock.
"""

from __future__ import annotations

import logging

from stadiumflow.domain.events import status_changes
from stadiumflow.domain.silence import silent_statuses, stadium_clock
from stadiumflow.ports import Clock, GateStore

log = logging.getLogger(__name__)


def check_silent_gates(store: GateStore, clock: Clock) -> int:
    """Flag the gates that have gone silent; returns how many were flagged.

    Each is written (same ts: its reading is unchanged, only the anomaly is new) with
    an anomaly_started event, in one unit of work per stadium. A gate that reported in
    the meantime keeps its newer status: the store never writes an older ts over it.
    """
    now = clock.now()
    flagged = 0
    for summary in store.stadiums():
        with store.session() as session:
            statuses = list(session.load_stadium(summary.stadium_id).values())
            if not statuses:
                continue
            silent = silent_statuses(statuses, stadium_clock(statuses, wall_now=now))
            if not silent:
                continue
            before = {s.gate: s for s in statuses}
            events = [e for s in silent for e in status_changes(before[s.gate], s)]
            session.save(silent, [], {}, events)
        flagged += len(silent)
        log.warning(
            "%s: %d gate(s) silent: %s",
            summary.stadium_id,
            len(silent),
            ", ".join(s.gate_id for s in silent),
        )
    return flagged
