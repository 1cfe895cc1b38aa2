"""One stadium's match day, read back from the gate store, and the truth to judge it by.

The report needs what the dashboard showed at each moment: every processed reading of
every gate (history), and the control events (state changes, anomalies, advice). A day is
a UTC calendar day, as timestamps are stored in UTC.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from stadiumflow.domain.events import EventKind, StoredEvent
from stadiumflow.domain.ordering import natural_key
from stadiumflow.domain.status import ProcessedReading
from stadiumflow.ports import GateStore

PAGE = 5_000
MAX_HOLD = timedelta(minutes=5)  # a state counts until the next reading, at most this long
TRUTH_TOLERANCE = timedelta(seconds=30)
_ALIASES = {
    "stadium": ("stadium", "stadium_id", "stadiumId"),
    "gate": ("gate", "gate_id", "gateId"),
    "ts": ("ts",),
    "wait_true": ("wait_true", "waitTrue"),
}


Paired = tuple[datetime, float, float, float]


def naive_wait(item: ProcessedReading) -> float:
    """The baseline every model report shows beside it: queue / throughput, in minutes."""
    r = item.reading
    return r.queue_length / max(r.per_minute_count, 1)


@dataclass
class MatchDay:
    stadium_id: str
    day: date
    readings: dict[str, list[ProcessedReading]]  # gate -> its day, in ts order
    events: list[StoredEvent]
    truth: dict[str, list[tuple[datetime, float]]] | None = None
    # gate -> [(ts, model's wait, true wait, naive queue/throughput wait)]
    errors: dict[str, list[Paired]] = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.day, time(), UTC)

    def events_of(self, kind: EventKind, gate_id: str | None = None) -> list[StoredEvent]:
        return [
            e
            for e in self.events
            if e.event.kind is kind and (gate_id is None or e.event.gate_id == gate_id)
        ]


def load_day(store: GateStore, stadium_id: str, day: date) -> MatchDay:
    """Every gate's processed readings and the stadium's control events of ``day`` (UTC)."""
    start = datetime.combine(day, time(), UTC)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    gates = sorted((s.gate_id for s in store.stadium_statuses(stadium_id)), key=natural_key)
    readings: dict[str, list[ProcessedReading]] = {}
    for gate in gates:
        rows: list[ProcessedReading] = []
        after: datetime | None = None
        while True:
            page = store.history(stadium_id, gate, since=start, until=end, after=after, limit=PAGE)
            rows += page
            if len(page) < PAGE:
                break
            after = page[-1].reading.ts
        if rows:
            readings[gate] = rows
    events: list[StoredEvent] = []
    cursor = 0
    while True:
        page_events = store.events(stadium_id, after=cursor, limit=PAGE)
        events += [e for e in page_events if start <= e.event.ts <= end]
        if len(page_events) < PAGE:
            break
        cursor = page_events[-1].id
    return MatchDay(stadium_id, day, readings, events)


def _column(header: Iterable[str], name: str) -> str:
    for alias in _ALIASES[name]:
        if alias in header:
            return alias
    raise ValueError(f"truth CSV needs a column {' or '.join(_ALIASES[name])}")


def read_truth(path: Path, stadium_id: str, day: date) -> dict[str, list[tuple[datetime, float]]]:
    """gate -> [(ts, minutes really waited)] from a simulation's CSV, for one stadium and day.

    Accepts the simulation's column names (stadium_id, gate_id) as well as stadium, gate.
    """
    found: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        cols = {name: _column(header, name) for name in _ALIASES}
        for row in reader:
            if row[cols["stadium"]] != stadium_id:
                continue
            ts = datetime.fromisoformat(row[cols["ts"]]).astimezone(UTC)
            if ts.date() == day and row[cols["wait_true"]] not in ("", None):
                found[row[cols["gate"]]].append((ts, float(row[cols["wait_true"]])))
    return {gate: sorted(points) for gate, points in found.items()}


def attach_truth(match: MatchDay, truth: dict[str, list[tuple[datetime, float]]]) -> None:
    """Pair each reading with the truth at its ts (or within TRUTH_TOLERANCE of it)."""
    match.truth = truth
    match.errors = {}
    for gate, rows in match.readings.items():
        points = truth.get(gate, [])
        if not points:
            continue
        paired: list[Paired] = []
        j = 0
        for item in rows:
            ts = item.reading.ts
            while j + 1 < len(points) and abs(points[j + 1][0] - ts) <= abs(points[j][0] - ts):
                j += 1
            if abs(points[j][0] - ts) <= TRUTH_TOLERANCE:
                paired.append((ts, item.estimate.wait, points[j][1], naive_wait(item)))
        if paired:
            match.errors[gate] = paired


def state_minutes(rows: list[ProcessedReading]) -> dict[str, float]:
    """Minutes spent in each state: a reading's state holds until the next (capped)."""
    totals = {"green": 0.0, "yellow": 0.0, "red": 0.0}
    for cur, nxt in itertools.pairwise(rows):
        held = min(nxt.reading.ts - cur.reading.ts, MAX_HOLD)
        totals[cur.state.value] += held.total_seconds() / 60
    return totals


def error_summary(pairs: list[Paired]) -> dict[str, float]:
    """Model MAE, RMSE, bias (predicted - true) and the naive baseline's MAE, in minutes."""
    diffs = [p - t for _, p, t, _ in pairs]
    n = len(diffs)
    return {
        "n": float(n),
        "mae": sum(abs(d) for d in diffs) / n,
        "rmse": math.sqrt(sum(d * d for d in diffs) / n),
        "bias": sum(diffs) / n,
        "naive_mae": sum(abs(b - t) for _, _, t, b in pairs) / n,
    }
