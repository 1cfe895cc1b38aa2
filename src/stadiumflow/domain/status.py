"""A gate's status (what operators read) and a processed reading (what history keeps)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from stadiumflow.domain.calibration import UNCALIBRATED, Calibration
from stadiumflow.domain.classify import GateState
from stadiumflow.domain.readings import GateKey, Reading
from stadiumflow.domain.recommendation import Recommendation
from stadiumflow.domain.wait import WaitEstimate


class ProcessedReading(NamedTuple):
    """A reading with the outputs computed for it: one row of a gate's history."""

    reading: Reading
    estimate: WaitEstimate
    state: GateState
    model: str
    late: bool = False
    anomaly_kind: str | None = None  # the alarm active after this reading, if any
    anomaly_score: float = 0.0


@dataclass(frozen=True, slots=True)
class GateStatus:
    """The newest status of one gate. ``ts`` is the event time of the newest reading it reflects."""

    stadium_id: str
    gate_id: str
    ts: datetime
    wait: float
    state: GateState
    per_minute_count: int
    avg_processing_time: float
    queue_length: int
    model: str
    wait_low: float | None = None
    wait_high: float | None = None
    wait_in_15: float | None = None
    anomaly: bool = False
    anomaly_score: float = 0.0
    anomaly_kind: str | None = None
    anomaly_since: datetime | None = None
    recommendation: Recommendation | None = None
    report_interval: float = 60.0  # seconds between this gate's readings, as observed
    interval_scale: float = 1.0  # the stadium's interval calibration (domain.calibration)...
    calibrated_at: datetime | None = None  # ...computed from the readings up to this ts

    @property
    def gate(self) -> GateKey:
        return (self.stadium_id, self.gate_id)

    @property
    def calibration(self) -> Calibration:
        return Calibration(self.interval_scale, self.calibrated_at)

    @classmethod
    def from_processed(
        cls,
        processed: ProcessedReading,
        *,
        anomaly_since: datetime | None = None,
        report_interval: float = 60.0,
        calibration: Calibration = UNCALIBRATED,
    ) -> GateStatus:
        r, e = processed.reading, processed.estimate
        return cls(
            stadium_id=r.stadium_id,
            gate_id=r.gate_id,
            ts=r.ts,
            wait=e.wait,
            state=processed.state,
            per_minute_count=r.per_minute_count,
            avg_processing_time=r.avg_processing_time,
            queue_length=r.queue_length,
            model=processed.model,
            wait_low=e.low,
            wait_high=e.high,
            wait_in_15=e.in_15,
            anomaly=processed.anomaly_kind is not None,
            anomaly_score=processed.anomaly_score,
            anomaly_kind=processed.anomaly_kind,
            anomaly_since=anomaly_since if processed.anomaly_kind is not None else None,
            report_interval=report_interval,
            interval_scale=calibration.scale,
            calibrated_at=calibration.at,
        )


@dataclass(frozen=True, slots=True)
class StadiumSummary:
    stadium_id: str
    gates: int
    last_updated: datetime | None
