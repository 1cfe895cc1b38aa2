"""Process a batch of readings: windows, features, wait model, statuses, history.

Idempotent on (stadium_id, gate_id, ts): a reading seen before changes nothing, and a
reading older than its gate's newest is kept in history but never moves the status back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from stadiumflow.domain.classify import classify_wait
from stadiumflow.domain.events import status_changes
from stadiumflow.domain.features import compute_features
from stadiumflow.domain.readings import GateKey, Reading
from stadiumflow.domain.status import GateStatus, ProcessedReading
from stadiumflow.domain.window import GateWindow, Placement, WindowPoint
from stadiumflow.ports import GateStore, WaitModel


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    applied: int  # readings that moved a gate's status forward
    late: int  # older than the gate's newest: history only
    duplicates: int  # seen before: ignored
    gates: int  # gates touched

    @property
    def total(self) -> int:
        return self.applied + self.late + self.duplicates


def _by_gate(readings: Iterable[Reading]) -> dict[GateKey, list[Reading]]:
    groups: dict[GateKey, list[Reading]] = defaultdict(list)
    for reading in readings:
        groups[reading.gate].append(reading)
    for group in groups.values():
        group.sort(key=lambda r: r.ts)
    return groups


def process_batch(
    readings: Iterable[Reading], *, store: GateStore, model: WaitModel
) -> BatchOutcome:
    """Apply ``readings`` to their gates and write the results in one unit of work."""
    groups = _by_gate(readings)
    if not groups:
        return BatchOutcome(0, 0, 0, 0)
    with store.session() as session:
        windows = session.load_windows(groups)
        previous = session.load_statuses(groups)
        pending: list[tuple[Reading, bool]] = []  # (reading, late)
        rows: list[list[float]] = []
        duplicates = 0
        for gate, group in groups.items():
            window = windows.setdefault(gate, GateWindow())
            seen: set[float] = set()
            for reading in group:
                point = WindowPoint.of(reading)
                if point.ts in seen:
                    duplicates += 1
                    continue
                seen.add(point.ts)
                placement = window.add(point)
                if placement is Placement.DUPLICATE:
                    duplicates += 1
                    continue
                late = placement is Placement.LATE
                history = window.upto(point.ts) if late else window.points
                rows.append(compute_features(history or [point]))
                pending.append((reading, late))

        estimates = model.predict(rows) if rows else []
        processed = [
            ProcessedReading(
                reading=reading,
                estimate=estimate,
                state=classify_wait(estimate.wait),
                model=model.version,
                late=late,
            )
            for (reading, late), estimate in zip(pending, estimates, strict=True)
        ]
        newest: dict[GateKey, ProcessedReading] = {}
        for item in processed:
            if not item.late:
                newest[item.reading.gate] = item  # ts order within a gate: last wins
        statuses = [GateStatus.from_processed(item) for item in newest.values()]
        events = [
            event
            for status in statuses
            for event in status_changes(previous.get(status.gate), status)
        ]
        session.save(statuses, processed, windows, events)

    late_count = sum(1 for item in processed if item.late)
    return BatchOutcome(
        applied=len(processed) - late_count,
        late=late_count,
        duplicates=duplicates,
        gates=len(groups),
    )
