"""Anomaly detection scored against the simulation's incidents, as operators feel it.

Per incident kind: detected / total (any alarm at the gate from the incident's start to
3 minutes after its end), median and mean delay from the start to the first alarm; and
false-alarm gate-minutes per gate per match day (alarms outside any incident window,
which extends 10 minutes past an incident's end while its queue drains).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from stadiumflow.simulation.results import MatchDayResult

DETECT_GRACE = timedelta(minutes=3)
QUIET_AFTER = timedelta(minutes=10)
EXPECTED_KIND = {
    "surge": "surge",
    "turnstile_failure": "throughput_drop",
    "stuck_sensor": "sensor_stuck",
    "dropout": "gate_silent",
    "lanes_closed": "throughput_drop",  # the Ciw cross-check's (training.ciw_days)
}


@dataclass(frozen=True)
class Incident:
    gate_id: str
    kind: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class IncidentDay:
    """What a day's alarms are scored against: its gates and its incidents."""

    gates: int
    incidents: Sequence[Incident]

    @classmethod
    def of(cls, result: MatchDayResult) -> IncidentDay:
        kickoff = result.params.kickoff
        return cls(
            len(result.layout.gate_ids),
            [
                Incident(
                    i.gate_id,
                    i.kind.value,
                    kickoff + timedelta(minutes=i.start_minute),
                    kickoff + timedelta(minutes=i.end_minute),
                )
                for i in result.incidents
            ],
        )


def score_alarms(
    days: Sequence[IncidentDay], alarms: Sequence[dict[tuple[str, datetime], str | None]]
) -> dict[str, Any]:
    found: dict[str, list[float | None]] = defaultdict(list)
    right_kind: dict[str, int] = defaultdict(int)
    false_minutes = 0
    gate_days = 0
    for incident_day, day in zip(days, alarms, strict=True):
        gate_days += incident_day.gates
        windows: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        for incident in incident_day.incidents:
            start, end = incident.start, incident.end
            windows[incident.gate_id].append((start, end))
            hits = sorted(
                (stamp, kind)
                for (gate, stamp), kind in day.items()
                if gate == incident.gate_id and kind and start <= stamp <= end + DETECT_GRACE
            )
            kind_name = incident.kind
            if hits:
                found[kind_name].append((hits[0][0] - start).total_seconds() / 60.0)
                if any(k == EXPECTED_KIND.get(kind_name) for _, k in hits):
                    right_kind[kind_name] += 1
            else:
                found[kind_name].append(None)
        for (gate, stamp), kind in day.items():
            if kind is None:
                continue
            if not any(
                s - timedelta(minutes=1) <= stamp <= e + QUIET_AFTER for s, e in windows[gate]
            ):
                false_minutes += 1
    per_kind: dict[str, Any] = {}
    for kind, delays in sorted(found.items()):
        hit = [d for d in delays if d is not None]
        per_kind[kind] = {
            "detected": len(hit),
            "total": len(delays),
            "rightKind": right_kind[kind],
            "medianDelayMinutes": round(statistics.median(hit), 2) if hit else None,
            "meanDelayMinutes": round(statistics.fmean(hit), 2) if hit else None,
        }
    all_delays = [d for ds in found.values() for d in ds if d is not None]
    total = sum(len(ds) for ds in found.values())
    return {
        "perKind": per_kind,
        "detected": len(all_delays),
        "total": total,
        "meanDelayMinutes": round(statistics.fmean(all_delays), 2) if all_delays else None,
        "falseAlarmGateMinutesPerGatePerDay": round(false_minutes / max(gate_days, 1), 3),
    }
