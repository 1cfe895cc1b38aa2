"""Move a batch's gates forward once the model and the scorer have answered.

Per stadium, the interval's calibration (from the realised waits of this batch, or carried
from a recent one); per gate, in ts order, each reading's history row and, for readings
newer than the gate's newest, the next status: the anomaly verdict with hysteresis on the
newest reading, the alarm carried over on the older ones, the alarm's onset kept while
it lasts, the advice carried (it is the planner's to change), and the events of each
step; then the gates of the batch's stadiums that fell silent in event time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from stadiumflow.domain import calibration
from stadiumflow.domain.anomaly import Verdict, judge
from stadiumflow.domain.batch import DEFAULT_REPORT_INTERVAL, Batch, GateBatch, PendingReading
from stadiumflow.domain.calibration import Calibration
from stadiumflow.domain.classify import classify_wait
from stadiumflow.domain.events import ControlEvent, status_changes
from stadiumflow.domain.readings import GateKey
from stadiumflow.domain.silence import silent_statuses, stadium_clock
from stadiumflow.domain.status import GateStatus, ProcessedReading


@dataclass(slots=True)
class Advanced:
    """What a batch changed: statuses to write, history rows, events in feed order."""

    current: dict[GateKey, GateStatus]  # every gate of the batch's stadiums, after it
    changed: dict[GateKey, GateStatus]
    history: list[ProcessedReading]
    events: list[ControlEvent]

    def record(self, status: GateStatus, events: list[ControlEvent]) -> None:
        self.current[status.gate] = self.changed[status.gate] = status
        self.events += events


def advance(batch: Batch, model_version: str) -> Advanced:
    """The batch applied: calibrate, then each gate's steps, then silent gates."""
    calibrations = stadium_calibrations(batch)
    for gate in batch.gates:
        scale = calibrations.get(gate.stadium_id, calibration.UNCALIBRATED)
        if scale.scale != 1.0:
            for item in gate.pending:
                item.estimate = calibration.scaled(item.estimate, scale.scale)
        advance_gate(gate, model_version, scale)
    done = Advanced(dict(batch.previous), {}, [], [])
    for gate in batch.gates:
        done.history += gate.history
        done.events += gate.events
        if gate.status is not None:
            done.current[gate.gate] = done.changed[gate.gate] = gate.status
    for silent in silent_gates(done.current, batch.stadiums):
        done.record(silent, status_changes(done.current[silent.gate], silent))
    return done


def stadium_calibrations(batch: Batch) -> dict[str, Calibration]:
    """Each batch stadium's calibration at its newest reading of the batch."""
    scores: dict[str, list[float]] = defaultdict(list)
    newest: dict[str, datetime] = {}
    for gate in batch.gates:
        for wait in gate.realised:
            if wait.estimate.wait >= calibration.CALIBRATE_FROM_MINUTES:
                found = calibration.score(wait.wait, wait.estimate)
                if found is not None:
                    scores[gate.stadium_id].append(found)
        for item in gate.pending:
            ts = item.reading.ts
            if gate.stadium_id not in newest or ts > newest[gate.stadium_id]:
                newest[gate.stadium_id] = ts
    earlier: dict[str, list[Calibration]] = defaultdict(list)
    for (stadium, _), status in batch.previous.items():
        if stadium in newest:
            earlier[stadium].append(status.calibration)
    return {
        stadium: calibration.stadium_calibration(scores[stadium], earlier[stadium], now)
        for stadium, now in newest.items()
    }


def advance_gate(gate: GateBatch, model_version: str, scale: Calibration) -> None:
    """One gate's history rows, next status and events, from its estimated readings."""
    current = gate.before
    for item in gate.pending:
        r, estimate = item.reading, item.estimate
        state = classify_wait(estimate.wait)
        if item.late:
            gate.history.append(ProcessedReading(r, estimate, state, model_version, True))
            continue
        scored = gate.evidence is not None and item is gate.pending[-1]
        active = current.anomaly_kind if current is not None and current.anomaly else None
        verdict = _verdict(gate, scored, current, active)
        done = ProcessedReading(
            r,
            estimate,
            state,
            model_version,
            anomaly_kind=verdict.kind,
            anomaly_score=verdict.score,
        )
        gate.history.append(done)
        if not scored and current is not None and state is current.state:
            continue  # no event, and a newer reading of this gate follows in the batch
        status = GateStatus.from_processed(
            done,
            anomaly_since=_onset(item, verdict, current, active),
            report_interval=_report_interval(gate, scored, current),
            calibration=scale,
        )
        if current is not None and current.recommendation is not None:
            status = replace(status, recommendation=current.recommendation)
        gate.events += status_changes(current, status)
        gate.status = current = status


def _verdict(
    gate: GateBatch, scored: bool, current: GateStatus | None, active: str | None
) -> Verdict:
    """The alarm after a reading: judged on the gate's newest reading (hysteresis on the
    alarm active before it); on the older readings of the batch, carried over."""
    if scored and gate.evidence is not None:
        e = gate.evidence
        return judge(e.rules, e.multivariate, active, quiet=e.quiet)
    return Verdict(active, current.anomaly_score if current is not None else 0.0, "")


def _onset(
    item: PendingReading, verdict: Verdict, current: GateStatus | None, active: str | None
) -> datetime:
    """When the alarm began: kept while the same alarm lasts."""
    if current is not None and verdict.kind is not None and verdict.kind == active:
        return current.anomaly_since or item.reading.ts
    return item.reading.ts


def _report_interval(gate: GateBatch, scored: bool, current: GateStatus | None) -> float:
    if scored and gate.evidence is not None:
        return gate.evidence.report_interval
    return current.report_interval if current is not None else DEFAULT_REPORT_INTERVAL


def silent_gates(current: dict[GateKey, GateStatus], stadiums: set[str]) -> list[GateStatus]:
    """Gates of ``stadiums`` that fell silent by their stadium's clock in event time."""
    by_stadium: dict[str, list[GateStatus]] = defaultdict(list)
    for key, status in current.items():  # one pass, not one per stadium
        if key[0] in stadiums:
            by_stadium[key[0]].append(status)
    found: list[GateStatus] = []
    for gates in by_stadium.values():
        found += silent_statuses(gates, stadium_clock(gates))
    return found
