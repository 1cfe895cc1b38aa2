"""One worker batch, gate by gate: what each gate's new readings need and what they give.

A :class:`GateBatch` carries everything about one gate through the batch: its window and
status as loaded, its pending readings (each with its feature row and, once the model
has run, its estimate), the anomaly evidence of its newest reading, the realised waits
that calibrate its stadium's interval, and finally its history rows, new status and
events. :func:`place` builds them; :class:`Batch` hands the model and the anomaly scorer
their inputs in one call each and gives the answers back to the gates they belong to;
``domain.advance`` then moves each gate forward.

Idempotent on (stadium_id, gate_id, ts): a reading seen before is counted as a duplicate
and changes nothing; one older than its gate's newest is placed in the window and kept
in history, but never moves the status back.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from stadiumflow.domain import calibration
from stadiumflow.domain.anomaly import RuleScore, is_quiet, score_rules
from stadiumflow.domain.events import ControlEvent
from stadiumflow.domain.features import compute_features, features_of_run
from stadiumflow.domain.readings import GateKey, Reading
from stadiumflow.domain.silence import observed_interval
from stadiumflow.domain.status import GateStatus, ProcessedReading
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.domain.window import GateWindow, Placement, WindowPoint, minute_spaced

DEFAULT_REPORT_INTERVAL = 60.0  # seconds, until a gate's own readings say otherwise
_UNSET = WaitEstimate(0.0)


@dataclass(slots=True)
class PendingReading:
    """A reading of this batch that is new to its gate, with its features."""

    reading: Reading
    late: bool  # older than the gate's newest reading: history only
    row: list[float]
    estimate: WaitEstimate = _UNSET


@dataclass(slots=True)
class Evidence:
    """What the anomaly detectors see at the gate's newest reading of the batch.

    Live, a batch holds one reading per gate; after a backlog, judging every minute of
    it again would cost more than the status it changes, so only the newest is judged.
    Detectors read the window a minute apart, however often the gate reports.
    """

    rules: list[RuleScore]
    quiet: bool  # near idle: the multivariate score does not count
    shingle: list[WindowPoint]
    report_interval: float
    multivariate: float = 0.0


@dataclass(slots=True)
class RealisedWait:
    """An earlier reading whose fans are now through: what they waited, and the
    estimate the model gives its features (``domain.calibration``)."""

    wait: float
    row: list[float]
    estimate: WaitEstimate = _UNSET


@dataclass(slots=True)
class GateBatch:
    gate: GateKey
    window: GateWindow
    before: GateStatus | None
    pending: list[PendingReading] = field(default_factory=list)
    duplicates: int = 0
    evidence: Evidence | None = None  # None: nothing newer than the gate's newest
    realised: list[RealisedWait] = field(default_factory=list)
    history: list[ProcessedReading] = field(default_factory=list)
    status: GateStatus | None = None  # after the batch; None: unchanged
    events: list[ControlEvent] = field(default_factory=list)

    @property
    def stadium_id(self) -> str:
        return self.gate[0]


@dataclass(slots=True)
class Batch:
    gates: list[GateBatch]
    previous: dict[GateKey, GateStatus]  # every gate of the batch's stadiums, as loaded
    windows: dict[GateKey, GateWindow]

    @property
    def stadiums(self) -> set[str]:
        return {g.stadium_id for g in self.gates}

    @property
    def has_new_readings(self) -> bool:
        return any(g.pending for g in self.gates)

    def model_rows(self) -> list[list[float]]:
        """Feature rows for one model call: every pending reading, then every realised wait."""
        rows = [p.row for g in self.gates for p in g.pending]
        return rows + [w.row for g in self.gates for w in g.realised]

    def take_estimates(self, estimates: Sequence[WaitEstimate]) -> None:
        """The model's answers to :meth:`model_rows`, in its order."""
        targets: list[PendingReading | RealisedWait] = [p for g in self.gates for p in g.pending]
        targets += [w for g in self.gates for w in g.realised]
        if len(estimates) != len(targets):
            raise ValueError(f"{len(estimates)} estimates for {len(targets)} rows")
        for target, estimate in zip(targets, estimates, strict=True):
            target.estimate = estimate

    def shingles(self) -> list[list[WindowPoint]]:
        """The windows to score for multivariate anomalies, one per judged gate."""
        return [g.evidence.shingle for g in self.gates if g.evidence is not None]

    def take_scores(self, scores: Sequence[float]) -> None:
        judged = [g.evidence for g in self.gates if g.evidence is not None]
        if len(scores) != len(judged):
            raise ValueError(f"{len(scores)} anomaly scores for {len(judged)} windows")
        for evidence, score in zip(judged, scores, strict=True):
            evidence.multivariate = score


def by_gate(readings: Iterable[Reading]) -> dict[GateKey, list[Reading]]:
    """Readings grouped by gate, each group in ts order."""
    groups: dict[GateKey, list[Reading]] = defaultdict(list)
    for reading in readings:
        groups[reading.gate].append(reading)
    for group in groups.values():
        group.sort(key=lambda r: r.ts)
    return groups


def place(
    groups: dict[GateKey, list[Reading]],
    windows: dict[GateKey, GateWindow],
    previous: dict[GateKey, GateStatus],
) -> Batch:
    """Readings into their gates' windows (``windows`` is updated), with features, the
    newest reading's anomaly evidence, and the realised waits to calibrate with."""
    gates = [
        _place_gate(gate, group, windows.setdefault(gate, GateWindow()), previous.get(gate))
        for gate, group in groups.items()
    ]
    batch = Batch(gates, previous, windows)
    if batch.has_new_readings:
        per_stadium = Counter(g.stadium_id for g in gates)
        for g in gates:
            g.realised = _realised(g.window, calibration.per_gate(per_stadium[g.stadium_id]))
    return batch


def _place_gate(
    gate: GateKey, group: list[Reading], window: GateWindow, before: GateStatus | None
) -> GateBatch:
    placed = GateBatch(gate, window, before)
    seen: set[float] = set()
    fresh: list[WindowPoint] = []  # newer than anything the gate has seen, in ts order
    fresh_readings: list[Reading] = []
    for reading in group:
        point = WindowPoint.of(reading)
        if point.ts in seen:
            placed.duplicates += 1
            continue
        seen.add(point.ts)
        if window.newest_ts is None or point.ts > window.newest_ts:
            fresh.append(point)  # the group is in ts order: late ones came first
            fresh_readings.append(reading)
            continue
        if window.add(point) is Placement.DUPLICATE:
            placed.duplicates += 1
            continue
        row = compute_features(window.upto(point.ts) or [point])
        placed.pending.append(PendingReading(reading, True, row))
    if not fresh:
        return placed
    known = window.points
    rows = features_of_run(known + fresh, len(known))
    window.extend(fresh)
    placed.pending += [
        PendingReading(r, False, row) for r, row in zip(fresh_readings, rows, strict=True)
    ]
    spaced = list(minute_spaced(window.points))
    placed.evidence = Evidence(
        rules=score_rules(spaced),
        quiet=is_quiet(spaced),
        shingle=spaced,
        report_interval=observed_interval([p.ts for p in window.points[-11:]]),
    )
    return placed


def _realised(window: GateWindow, limit: int) -> list[RealisedWait]:
    points = window.points
    picked = calibration.realised(points, limit)
    if not picked:
        return []
    first, last = picked[-1][0], picked[0][0]
    rows = features_of_run(points[: last + 1], first)
    return [RealisedWait(wait, rows[k - first]) for k, wait in picked]
