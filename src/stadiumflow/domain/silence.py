"""Silent gates: no reading for 3 expected intervals, judged in event time.

A stadium's clock is the newest ts any of its gates reported; a gate whose own newest
reading is 3 report intervals behind that clock has gone silent. When readings stop
for the whole stadium, a watchdog advances the clock with the wall clock, but only for
a stadium whose data is live (a replayed or backfilled day is never judged by today's
clock).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from stadiumflow.domain.anomaly import ALARM
from stadiumflow.domain.status import GateStatus

SILENT_AFTER_INTERVALS = 3
GATE_SILENT = "gate_silent"
LIVE_WITHIN = timedelta(minutes=15)
"""A stadium whose newest reading is this close to the wall clock is live."""


def observed_interval(stamps: list[float], default: float = 60.0) -> float:
    """The median gap between a gate's recent readings, in seconds."""
    gaps = sorted(b - a for a, b in itertools.pairwise(stamps) if b > a)
    if not gaps:
        return default
    return gaps[len(gaps) // 2]


def stadium_clock(statuses: Iterable[GateStatus], wall_now: datetime | None = None) -> datetime:
    newest = max(s.ts for s in statuses)
    if wall_now is not None and wall_now - newest <= LIVE_WITHIN:
        return max(newest, wall_now)
    return newest


def silent_statuses(statuses: list[GateStatus], clock: datetime) -> list[GateStatus]:
    """Statuses to write for gates that fell silent by ``clock`` (and were not already)."""
    found = []
    for status in statuses:
        interval = timedelta(seconds=max(status.report_interval, 1.0))
        behind = clock - status.ts
        if behind < SILENT_AFTER_INTERVALS * interval or status.anomaly_kind == GATE_SILENT:
            continue
        score = ALARM * behind / (SILENT_AFTER_INTERVALS * interval)
        found.append(
            replace(
                status,
                anomaly=True,
                anomaly_kind=GATE_SILENT,
                anomaly_score=min(score, 10.0),
                anomaly_since=status.ts + interval,
            )
        )
    return found
