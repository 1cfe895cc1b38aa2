"""The batch's rules, one by one, on typed domain objects: placement, hysteresis and
carry-over of alarms, the interval calibration's carry-over, and the planning cadence."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from stadiumflow.domain import calibration
from stadiumflow.domain.advance import advance, advance_gate
from stadiumflow.domain.anomaly import ALARM, RuleScore
from stadiumflow.domain.batch import Evidence, GateBatch, PendingReading, by_gate, place
from stadiumflow.domain.calibration import Calibration, stadium_calibration
from stadiumflow.domain.classify import GateState
from stadiumflow.domain.events import AnomalyEnded, AnomalyStarted, StateChanged
from stadiumflow.domain.planning import due_for_planning
from stadiumflow.domain.recommendation import Recommendation
from stadiumflow.domain.status import GateStatus, ProcessedReading
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.domain.window import GateWindow
from tests.conftest import BASE_TS, reading

GATE = ("AGADIR", "G1")


def status(minute: float = 0, **changes: object) -> GateStatus:
    done = ProcessedReading(reading("G1", minute), WaitEstimate(2.0), GateState.GREEN, "m")
    return replace(GateStatus.from_processed(done), **changes)  # type: ignore[arg-type]


def pending(minute: float, wait: float = 2.0, *, late: bool = False) -> PendingReading:
    return PendingReading(reading("G1", minute), late, [], WaitEstimate(wait))


def evidence(kind: str, score: float) -> Evidence:
    return Evidence([RuleScore(kind, score, "why")], False, [], 60.0)


# ---- placement ---------------------------------------------------------------------------


def test_place_keeps_late_duplicate_and_fresh_readings_apart():
    first = place(by_gate([reading(minute=m) for m in (0, 1, 2)]), {}, {})
    groups = by_gate([reading(minute=1.5), reading(minute=2), reading(minute=3), reading(minute=3)])
    batch = place(groups, first.windows, {})
    (gate,) = batch.gates
    assert [(p.reading.ts.minute, p.late) for p in gate.pending] == [(1, True), (3, False)]
    assert gate.duplicates == 2  # minute 2 was known, minute 3 came twice
    assert gate.evidence is not None  # the newest reading is judged
    assert len(batch.model_rows()) == 2 + sum(len(g.realised) for g in batch.gates)


def test_a_batch_of_only_known_readings_asks_the_model_nothing():
    first = place(by_gate([reading(minute=0), reading(minute=1)]), {}, {})
    again = place(by_gate([reading(minute=1)]), first.windows, {})
    assert not again.has_new_readings and again.model_rows() == [] and again.shingles() == []


def test_answers_must_match_the_questions():
    batch = place(by_gate([reading(minute=0), reading(minute=1)]), {}, {})
    with pytest.raises(ValueError, match="estimates"):
        batch.take_estimates([WaitEstimate(1.0)] * (len(batch.model_rows()) + 1))
    with pytest.raises(ValueError, match="anomaly scores"):
        batch.take_scores([])


# ---- hysteresis and carry-over -------------------------------------------------------------


def test_older_readings_of_a_batch_carry_the_alarm_and_the_newest_is_judged():
    before = status(0, anomaly=True, anomaly_kind="surge", anomaly_score=4.0, anomaly_since=BASE_TS)
    gate = GateBatch(GATE, GateWindow(), before, [pending(1, 12.0), pending(2, 12.5)])
    gate.evidence = evidence("surge", 2.5)  # below the alarm, above where it ends
    advance_gate(gate, "m", Calibration())
    assert [row.anomaly_kind for row in gate.history] == ["surge", "surge"]
    assert gate.status is not None and gate.status.anomaly_kind == "surge"
    assert gate.status.anomaly_since == BASE_TS  # the onset is kept while the alarm lasts
    assert [type(e) for e in gate.events] == [StateChanged]  # green -> red, once
    assert gate.events[0].ts == reading("G1", 1).ts


def test_an_alarm_ends_once_its_score_falls_below_the_end_threshold():
    before = status(0, anomaly=True, anomaly_kind="surge", anomaly_score=4.0)
    gate = GateBatch(GATE, GateWindow(), before, [pending(1)])
    gate.evidence = evidence("surge", 0.5)
    advance_gate(gate, "m", Calibration())
    assert gate.status is not None and not gate.status.anomaly
    assert gate.events == [AnomalyEnded("AGADIR", "G1", reading("G1", 1).ts, "surge")]


def test_a_new_alarm_starts_on_the_newest_reading_with_its_own_onset():
    gate = GateBatch(GATE, GateWindow(), status(0), [pending(1)])
    gate.evidence = evidence("throughput_drop", ALARM + 1)
    advance_gate(gate, "m", Calibration())
    assert gate.status is not None and gate.status.anomaly_since == reading("G1", 1).ts
    assert isinstance(gate.events[-1], AnomalyStarted)


def test_late_readings_are_history_only_and_advice_is_carried():
    advice = Recommendation("G1", "G2", 0.3, 3.0, 2.0)
    gate = GateBatch(
        GATE, GateWindow(), status(5, recommendation=advice), [pending(1, late=True), pending(6)]
    )
    gate.evidence = evidence("surge", 0.0)
    advance_gate(gate, "m", Calibration(0.5, BASE_TS))
    assert [row.late for row in gate.history] == [True, False]
    assert gate.status is not None and gate.status.ts == reading("G1", 6).ts
    assert gate.status.recommendation == advice  # the planner's to change
    assert gate.status.calibration == Calibration(0.5, BASE_TS)


def test_advance_scales_the_interval_by_the_stadiums_calibration():
    batch = place(by_gate([reading(minute=m, queue=200) for m in range(5)]), {}, {})
    previous = status(0, interval_scale=2.0, calibrated_at=reading("G1", 4).ts)
    batch.previous = {GATE: previous}
    batch.take_estimates([WaitEstimate(5.0, 4.0, 6.0)] * len(batch.model_rows()))
    batch.take_scores([0.0] * len(batch.shingles()))
    done = advance(batch, "m")
    newest = done.changed[GATE]
    assert (newest.wait_low, newest.wait_high) == (3.0, 7.0)  # carried scale 2: twice as wide
    assert newest.calibration == Calibration(2.0, reading("G1", 4).ts)


# ---- calibration carry-over ---------------------------------------------------------------


def test_a_stadium_takes_a_new_scale_from_enough_realised_waits():
    scale = stadium_calibration(
        [0.5] * calibration.MIN_SCORES, [Calibration(3.0, BASE_TS)], BASE_TS
    )
    assert scale == Calibration(0.5, BASE_TS)


def test_too_few_waits_carry_a_recent_scale_and_drop_a_stale_one():
    recent = BASE_TS - timedelta(seconds=calibration.CARRY_SECONDS)
    stale = BASE_TS - timedelta(seconds=calibration.CARRY_SECONDS + 1)
    assert stadium_calibration([0.5], [Calibration(3.0, recent)], BASE_TS) == Calibration(
        3.0, recent
    )
    assert stadium_calibration([], [Calibration(3.0, stale)], BASE_TS) == calibration.UNCALIBRATED


# ---- planning cadence ---------------------------------------------------------------------


def test_planning_is_due_on_a_new_minute_or_a_changed_state_only():
    old = {GATE: status(0)}
    same_minute = {GATE: status(0.5)}
    next_minute = {GATE: status(1)}
    red = {GATE: status(0.5, state=GateState.RED)}
    assert due_for_planning(old, same_minute, {"AGADIR"}) == set()
    assert due_for_planning(old, next_minute, {"AGADIR"}) == {"AGADIR"}
    assert due_for_planning(old, red, {"AGADIR"}) == {"AGADIR"}
    assert due_for_planning({}, same_minute, {"AGADIR"}) == {"AGADIR"}  # a new gate
    assert due_for_planning(old, next_minute, {"RABAT"}) == set()
