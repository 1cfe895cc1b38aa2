"""Process a batch of readings: windows, features, wait model, anomalies, statuses.

Idempotent on (stadium_id, gate_id, ts): a reading seen before changes nothing, and a
reading older than its gate's newest is kept in history but never moves the status back.
The wait model and the multivariate scorer each run once per batch, over all gates (the
model also scores a few earlier readings whose realised wait is now known, to calibrate
each stadium's interval: ``domain.calibration``); the redirection planner then runs once
per stadium of the batch (see ``services.planning``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from stadiumflow.domain import calibration
from stadiumflow.domain.advice import LayoutLookup, no_layout
from stadiumflow.domain.anomaly import RuleScore, Verdict, is_quiet, judge, score_rules
from stadiumflow.domain.classify import classify_wait
from stadiumflow.domain.events import ControlEvent, status_changes
from stadiumflow.domain.features import compute_features, features_of_run
from stadiumflow.domain.multivariate import LocalRobustScorer
from stadiumflow.domain.readings import GateKey, Reading
from stadiumflow.domain.silence import observed_interval, silent_statuses, stadium_clock
from stadiumflow.domain.status import GateStatus, ProcessedReading
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.domain.window import GateWindow, Placement, WindowPoint, minute_spaced
from stadiumflow.ports import AnomalyScorer, GateStore, WaitModel
from stadiumflow.services.planning import plan_stadiums

_LOCAL_SCORER = LocalRobustScorer()


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    applied: int  # readings that moved a gate's status forward
    late: int  # older than the gate's newest: history only
    duplicates: int  # seen before: ignored
    gates: int  # gates touched
    events: int = 0

    @property
    def total(self) -> int:
        return self.applied + self.late + self.duplicates


@dataclass(slots=True)
class _Pending:
    reading: Reading
    late: bool
    rules: list[RuleScore] = field(default_factory=list)
    interval: float = 60.0
    scored: bool = False  # anomalies judged on this reading (a gate's newest in the batch)
    quiet: bool = False  # the gate is near idle: the multivariate score does not count


def _by_gate(readings: Iterable[Reading]) -> dict[GateKey, list[Reading]]:
    groups: dict[GateKey, list[Reading]] = defaultdict(list)
    for reading in readings:
        groups[reading.gate].append(reading)
    for group in groups.values():
        group.sort(key=lambda r: r.ts)
    return groups


def _place(
    groups: dict[GateKey, list[Reading]], windows: dict[GateKey, GateWindow]
) -> tuple[list[_Pending], list[list[float]], list[list[WindowPoint]], int]:
    """Pass 1: windows, features, rule scores and shingle windows, gate by gate."""
    pending: list[_Pending] = []
    rows: list[list[float]] = []
    shingles: list[list[WindowPoint]] = []
    duplicates = 0
    for gate, group in groups.items():
        window = windows.setdefault(gate, GateWindow())
        seen: set[float] = set()
        fresh: list[WindowPoint] = []  # newer than anything the gate has seen, in ts order
        for reading in group:
            point = WindowPoint.of(reading)
            if point.ts in seen:
                duplicates += 1
                continue
            seen.add(point.ts)
            if window.newest_ts is None or point.ts > window.newest_ts:
                fresh.append(point)  # the group is in ts order: late ones came first
                pending.append(_Pending(reading, False))
                continue
            if window.add(point) is Placement.DUPLICATE:
                duplicates += 1
                continue
            rows.append(compute_features(window.upto(point.ts) or [point]))
            pending.append(_Pending(reading, True))
        if not fresh:
            continue
        known = window.points
        rows += features_of_run(known + fresh, len(known))
        window.extend(fresh)
        # Anomalies are judged on the gate's newest reading of the batch only (the last
        # pending one): live, a batch holds one reading per gate; after a backlog, judging
        # every minute of it again would cost more than the status it changes.
        # Detectors count readings a minute apart, however often the gate reports.
        newest = pending[-1]
        known = list(minute_spaced(window.points))
        newest.scored = True
        newest.rules = score_rules(known)
        newest.quiet = is_quiet(known)
        newest.interval = observed_interval([p.ts for p in window.points[-11:]])
        shingles.append(known)
    return pending, rows, shingles, duplicates


def _statuses(
    pending: list[_Pending],
    estimates: list[WaitEstimate],
    multivariate: list[float],
    previous: dict[GateKey, GateStatus],
    model_version: str,
    scales: dict[str, tuple[float, datetime | None]],
) -> tuple[list[ProcessedReading], dict[GateKey, GateStatus], list[ControlEvent]]:
    """Pass 2: per gate in ts order, the anomaly verdict (with hysteresis) and the status."""
    processed: list[ProcessedReading] = []
    current = dict(previous)
    events: list[ControlEvent] = []
    scores = iter(multivariate)
    for item, estimate in zip(pending, estimates, strict=True):
        r = item.reading
        if item.late:
            processed.append(
                ProcessedReading(r, estimate, classify_wait(estimate.wait), model_version, True)
            )
            continue
        before = current.get(r.gate)
        active = before.anomaly_kind if before is not None and before.anomaly else None
        state = classify_wait(estimate.wait)
        if item.scored:
            verdict = judge(item.rules, next(scores), active, quiet=item.quiet)
        else:  # an older reading of the same batch: the gate's alarm state carries over
            carried = before.anomaly_score if before is not None else 0.0
            verdict = Verdict(active, carried, "")
        done = ProcessedReading(
            r,
            estimate,
            state,
            model_version,
            anomaly_kind=verdict.kind,
            anomaly_score=verdict.score,
        )
        processed.append(done)
        if not item.scored and before is not None and state is before.state:
            # Same state, alarm and advice as the status before it, and a newer reading
            # of this gate follows in the batch: no event, and its status is overwritten.
            continue
        since: datetime | None = r.ts
        if before is not None and verdict.kind is not None and verdict.kind == active:
            since = before.anomaly_since or r.ts
        interval = item.interval if item.scored or before is None else before.report_interval
        status = GateStatus.from_processed(
            done,
            anomaly_since=since,
            report_interval=interval,
            calibration=scales.get(r.stadium_id, (1.0, None)),
        )
        if before is not None:
            status = _keep_advice(before, status)
        events += status_changes(before, status)
        current[r.gate] = status
    return processed, current, events


def _calibration_rows(
    windows: dict[GateKey, GateWindow], gates: Iterable[GateKey]
) -> list[tuple[str, float, list[float]]]:
    """(stadium, realised wait, features then) of each batch gate's newest readings whose
    wait is now known (``domain.calibration``): the model scores them with the batch."""
    found: list[tuple[str, float, list[float]]] = []
    gates = list(gates)
    per_stadium = Counter(stadium for stadium, _ in gates)
    for gate in gates:
        points = windows[gate].points
        picked = calibration.realised(points, calibration.per_gate(per_stadium[gate[0]]))
        if not picked:
            continue
        first, last = picked[-1][0], picked[0][0]
        rows = features_of_run(points[: last + 1], first)
        found += [(gate[0], wait, rows[k - first]) for k, wait in picked]
    return found


def _calibrate(
    pending: list[_Pending],
    estimates: list[WaitEstimate],
    checks: list[tuple[str, float, list[float]]],
    checked: list[WaitEstimate],
    previous: dict[GateKey, GateStatus],
) -> tuple[list[WaitEstimate], dict[str, tuple[float, datetime | None]]]:
    """Each stadium's interval scale (and the event time it is from) from its realised
    waits, or carried from a recent batch; the batch's estimates scaled."""
    scores: dict[str, list[float]] = defaultdict(list)
    for (stadium, realised, _), estimate in zip(checks, checked, strict=True):
        if estimate.wait >= calibration.CALIBRATE_FROM_MINUTES:
            found = calibration.score(realised, estimate)
            if found is not None:
                scores[stadium].append(found)
    newest: dict[str, datetime] = {}
    for item in pending:
        r = item.reading
        if r.stadium_id not in newest or r.ts > newest[r.stadium_id]:
            newest[r.stadium_id] = r.ts
    earlier: dict[str, list[tuple[float, datetime | None]]] = defaultdict(list)
    for (stadium, _), status in previous.items():
        if stadium in newest:
            earlier[stadium].append((status.interval_scale, status.calibrated_at))
    scales: dict[str, tuple[float, datetime | None]] = {}
    for stadium, now in newest.items():
        scale = calibration.interval_scale(scores.get(stadium, []))
        scales[stadium] = (
            (scale, now) if scale is not None else calibration.carried(earlier[stadium], now)
        )
    if all(scale == 1.0 for scale, _ in scales.values()):
        return estimates, scales
    return [
        calibration.scaled(estimate, scales[item.reading.stadium_id][0])
        for item, estimate in zip(pending, estimates, strict=True)
    ], scales


def _keep_advice(before: GateStatus, status: GateStatus) -> GateStatus:
    """Advice is the planner's to change; a new reading carries the last advice over."""
    if before.recommendation is None:
        return status
    return replace(status, recommendation=before.recommendation)


def _silence(current: dict[GateKey, GateStatus], stadiums: set[str]) -> list[GateStatus]:
    """Gates of the batch's stadiums that fell silent in event time."""
    by_stadium: dict[str, list[GateStatus]] = defaultdict(list)
    for key, status in current.items():  # one pass, not one per stadium
        if key[0] in stadiums:
            by_stadium[key[0]].append(status)
    found: list[GateStatus] = []
    for gates in by_stadium.values():
        found += silent_statuses(gates, stadium_clock(gates))
    return found


PLAN_EVERY = timedelta(minutes=1)


def _due_for_planning(
    previous: dict[GateKey, GateStatus], current: dict[GateKey, GateStatus], stadiums: set[str]
) -> set[str]:
    """Stadiums whose advice may need to change: a gate changed state, or the stadium's
    event time entered a new minute. Advice is steady by design, and a stadium's readings
    of one minute arrive spread over many batches: planning on each would repeat the same
    answer (it was most of the worker's time under load)."""
    due: set[str] = set()
    newest_before: dict[str, datetime] = {}
    newest_now: dict[str, datetime] = {}
    for key, status in current.items():
        if key[0] not in stadiums:
            continue
        old = previous.get(key)
        if old is None or old.state is not status.state or old.anomaly != status.anomaly:
            due.add(key[0])
        if key[0] not in newest_now or status.ts > newest_now[key[0]]:
            newest_now[key[0]] = status.ts
        if old is not None and (key[0] not in newest_before or old.ts > newest_before[key[0]]):
            newest_before[key[0]] = old.ts
    for stadium, now in newest_now.items():
        before = newest_before.get(stadium)
        if before is None or now - before >= PLAN_EVERY or now.minute != before.minute:
            due.add(stadium)
    return due


def process_batch(
    readings: Iterable[Reading],
    *,
    store: GateStore,
    model: WaitModel,
    scorer: AnomalyScorer = _LOCAL_SCORER,
    layouts: LayoutLookup = no_layout,
) -> BatchOutcome:
    """Apply ``readings`` to their gates and write the results in one unit of work.

    ``layouts`` gives a stadium's layout (walking times) when the operator wrote one.
    """
    groups = _by_gate(readings)
    if not groups:
        return BatchOutcome(0, 0, 0, 0)
    stadiums = {stadium for stadium, _ in groups}
    with store.session() as session:
        windows = session.load_windows(groups)
        previous: dict[GateKey, GateStatus] = {}
        for stadium in stadiums:
            previous.update(session.load_stadium(stadium))
        pending, rows, shingles, duplicates = _place(groups, windows)
        checks = _calibration_rows(windows, groups) if rows else []
        both = model.predict(rows + [row for _, _, row in checks]) if rows else []
        estimates, scales = _calibrate(
            pending, both[: len(rows)], checks, both[len(rows) :], previous
        )
        multivariate = scorer.score(shingles) if shingles else []
        processed, current, events = _statuses(
            pending, estimates, multivariate, previous, model.version, scales
        )
        changed = {g: s for g, s in current.items() if previous.get(g) is not s}
        for silent in _silence(current, stadiums):
            events += status_changes(current[silent.gate], silent)
            changed[silent.gate] = silent
            current[silent.gate] = silent
        advised, advice_events = plan_stadiums(
            session,
            previous,
            current,
            windows,
            _due_for_planning(previous, current, stadiums),
            layouts,
        )
        changed.update(advised)
        events += advice_events
        session.save(list(changed.values()), processed, windows, events)

    late_count = sum(1 for item in processed if item.late)
    return BatchOutcome(
        applied=len(processed) - late_count,
        late=late_count,
        duplicates=duplicates,
        gates=len(groups),
        events=len(events),
    )
