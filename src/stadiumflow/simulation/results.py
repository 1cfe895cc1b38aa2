"""What a simulated match day produced: per gate and minute, the reading and the truth.

Rows cover every sensor tick, reported or not (a dropped-out gate still has a truth);
``readings()`` gives only what the turnstiles actually reported, in ts order.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from stadiumflow.domain.classify import RED_ABOVE_MINUTES
from stadiumflow.domain.layout import StadiumLayout
from stadiumflow.domain.plan import MatchPlan
from stadiumflow.domain.readings import Reading
from stadiumflow.simulation.params import IncidentSpec, MatchDayParams
from stadiumflow.simulation.plans import GateProfile

CSV_COLUMNS = (
    "stadium_id",
    "gate_id",
    "ts",
    "reported",
    "per_minute_count",
    "avg_processing_time",
    "queue_length",
    "queue_true",
    "lanes_open",
    "wait_true",
    "wait_true_in_15",
    "incident",
)


@dataclass(frozen=True, slots=True)
class ObservedMinute:
    """One gate at one sensor tick: the reading as reported, and the ground truth."""

    reading: Reading
    reported: bool
    queue_true: int
    lanes_open: int
    wait_true: float  # minutes, for a fan joining in [ts, ts + 1 min)
    wait_true_in_15: float  # the same, 15 minutes later
    incident: str  # kind of the incident active at this gate at ts, "" if none
    # The wait 30 minutes later (not in the CSV, whose columns other tools read).
    wait_true_in_30: float = float("nan")

    def csv_row(self) -> list[str]:
        r = self.reading
        return [
            r.stadium_id,
            r.gate_id,
            iso_z(r.ts),
            "1" if self.reported else "0",
            str(r.per_minute_count),
            f"{r.avg_processing_time:g}",
            str(r.queue_length),
            str(self.queue_true),
            str(self.lanes_open),
            f"{self.wait_true:.4f}",
            f"{self.wait_true_in_15:.4f}",
            self.incident,
        ]


@dataclass(frozen=True, slots=True)
class GateSummary:
    gate_id: str
    lanes: int
    fans_served: int
    mean_wait: float  # minutes, over all fans
    worst_wait: float  # minutes, the highest per-minute truth
    red_minutes: int  # minutes whose truth is red (> 10 min)


@dataclass(frozen=True, slots=True)
class MatchDayResult:
    layout: StadiumLayout
    params: MatchDayParams
    seed: int
    incidents: tuple[IncidentSpec, ...]
    minutes: tuple[ObservedMinute, ...]  # gate by gate, ts order within a gate
    gates: tuple[GateSummary, ...]
    redirected: int
    balked: int
    # The operator's plan for the day (expected fans off by an allocation error) and the
    # gates' service means and arrival shapes: what an evaluation needs for its anchor.
    plan: MatchPlan | None = None
    profiles: tuple[GateProfile, ...] = ()

    @property
    def stadium_id(self) -> str:
        return self.layout.stadium_id

    def readings(self) -> list[Reading]:
        """What the turnstiles reported, in ts order (gates interleaved)."""
        reported = [m.reading for m in self.minutes if m.reported]
        return sorted(reported, key=lambda r: (r.ts, r.gate_id))

    def write_csv(self, out: IO[str]) -> None:
        write_minutes_csv(self.minutes, out)

    def summary_lines(self) -> list[str]:
        """A per-gate table for people: worst wait and red minutes."""
        lines = [
            f"{self.stadium_id}: {sum(g.fans_served for g in self.gates)} fans, "
            f"{len(self.incidents)} incidents, {self.redirected} redirected, "
            f"{self.balked} balked"
        ]
        lines.append(
            f"{'gate':>6} {'lanes':>5} {'fans':>6} {'mean':>6} {'worst':>6} {'red min':>7}"
        )
        for g in self.gates:
            lines.append(
                f"{g.gate_id:>6} {g.lanes:>5} {g.fans_served:>6} {g.mean_wait:>6.1f} "
                f"{g.worst_wait:>6.1f} {g.red_minutes:>7}"
            )
        for inc in self.incidents:
            lines.append(
                f"  incident {inc.kind.value} at {inc.gate_id}: minutes {inc.start_minute:+.0f}"
                f" to {inc.end_minute:+.0f} (magnitude {inc.magnitude:g})"
            )
        return lines


def write_minutes_csv(minutes: Iterable[ObservedMinute], out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for m in minutes:
        writer.writerow(m.csv_row())


def save_csv(result: MatchDayResult, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        result.write_csv(f)


def iso_z(ts: datetime) -> str:
    """``2025-07-14T18:00:00Z`` (milliseconds only when there are any)."""
    text = ts.isoformat(timespec="milliseconds" if ts.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def red_minutes(waits: Iterable[float]) -> int:
    return sum(1 for w in waits if w > RED_ABOVE_MINUTES)
