"""Encoding of readings, windows and statuses for storage: shared by every backend.

Queue messages carry readings as compact JSON arrays
``[stadiumId, gateId, ts, perMinuteCount, avgProcessingTime, queueLength]`` so that
many readings fit in one message (Azure queue messages are capped at 64 KiB).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from stadiumflow.adapters.event_codec import recommendation_doc, recommendation_from_doc
from stadiumflow.domain.classify import GateState
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.status import GateStatus, ProcessedReading
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.domain.window import GateWindow, WindowPoint

_readings_encoder = msgspec.json.Encoder()
_readings_decoder = msgspec.json.Decoder(list[Reading])  # named tuples decode from arrays
_window_decoder = msgspec.json.Decoder(list[WindowPoint])
_doc_decoder = msgspec.json.Decoder(dict[str, Any])


def encode_readings(readings: Sequence[Reading]) -> bytes:
    """Readings (named tuples) as JSON arrays; their ts are UTC, written with a Z."""
    return _readings_encoder.encode(readings)


def decode_readings(payload: bytes | str) -> list[Reading]:
    readings = _readings_decoder.decode(payload)
    if any(r.ts.utcoffset() for r in readings):  # written by another producer: normalise
        readings = [r._replace(ts=r.ts.astimezone(UTC)) for r in readings]
    return readings


def encode_window(window: GateWindow) -> bytes:
    return _readings_encoder.encode(window.points)


def decode_window(payload: bytes | str, newest_ts: float | None) -> GateWindow:
    return GateWindow.of_points(_window_decoder.decode(payload), newest_ts)


def to_epoch_us(ts: datetime) -> int:
    """Exact microseconds since the epoch: the sortable key stores use for ts."""
    delta = ts - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_epoch_us(us: int) -> datetime:
    return datetime.fromtimestamp(us // 1_000_000, tz=UTC).replace(microsecond=us % 1_000_000)


HistoryRow = tuple[Any, ...]
"""A processed reading as storage rows hold it, ts first: (ts_us, count, seconds, queue,
wait, low, high, in15, state, model, late, anomaly_kind, anomaly_score)."""
_FAR_US = 2**62


def history_row(item: ProcessedReading) -> HistoryRow:
    r, e = item.reading, item.estimate
    return (
        to_epoch_us(r.ts),
        r.per_minute_count,
        r.avg_processing_time,
        r.queue_length,
        e.wait,
        e.low,
        e.high,
        e.in_15,
        str.__str__(item.state),  # the plain value; Enum's .value costs ~4 us a row
        item.model,
        item.late,
        item.anomaly_kind,
        item.anomaly_score,
    )


def history_from_row(stadium_id: str, gate_id: str, row: HistoryRow) -> ProcessedReading:
    ts, count, seconds, queue, wait, low, high, in15, state, model, late = row[:11]
    kind, score = (row[11], row[12]) if len(row) >= 13 else (None, 0.0)  # rows of older writers
    return ProcessedReading(
        Reading(stadium_id, gate_id, from_epoch_us(ts), count, float(seconds), queue),
        WaitEstimate(float(wait), low, high, in15),
        GateState(state),
        model,
        bool(late),
        kind,
        float(score),
    )


def history_bounds_us(
    since: datetime | None, until: datetime | None, after: datetime | None
) -> tuple[int, int]:
    """The inclusive ts range (epoch us) of a history query: since <= ts <= until, ts > after."""
    low = max(
        to_epoch_us(since) if since else -_FAR_US,
        to_epoch_us(after) + 1 if after else -_FAR_US,
    )
    return low, to_epoch_us(until) if until else _FAR_US


def status_to_doc(status: GateStatus) -> dict[str, Any]:
    return {
        "ts": to_epoch_us(status.ts),
        "wait": status.wait,
        "state": status.state.value,
        "perMinuteCount": status.per_minute_count,
        "avgProcessingTime": status.avg_processing_time,
        "queueLength": status.queue_length,
        "model": status.model,
        "waitLow": status.wait_low,
        "waitHigh": status.wait_high,
        "waitIn15": status.wait_in_15,
        "anomaly": status.anomaly,
        "anomalyScore": status.anomaly_score,
        "anomalyKind": status.anomaly_kind,
        "anomalySince": to_epoch_us(status.anomaly_since) if status.anomaly_since else None,
        "recommendation": recommendation_doc(status.recommendation),
        "reportInterval": status.report_interval,
        "intervalScale": status.interval_scale,
        "calibratedAt": to_epoch_us(status.calibrated_at) if status.calibrated_at else None,
    }


def status_from_doc(stadium_id: str, gate_id: str, doc: dict[str, Any]) -> GateStatus:
    since = doc.get("anomalySince")
    calibrated = doc.get("calibratedAt")
    return GateStatus(
        stadium_id=stadium_id,
        gate_id=gate_id,
        ts=from_epoch_us(int(doc["ts"])),
        wait=float(doc["wait"]),
        state=GateState(doc["state"]),
        per_minute_count=int(doc["perMinuteCount"]),
        avg_processing_time=float(doc["avgProcessingTime"]),
        queue_length=int(doc["queueLength"]),
        model=str(doc["model"]),
        wait_low=doc.get("waitLow"),
        wait_high=doc.get("waitHigh"),
        wait_in_15=doc.get("waitIn15"),
        anomaly=bool(doc.get("anomaly", False)),
        anomaly_score=float(doc.get("anomalyScore", 0.0)),
        anomaly_kind=doc.get("anomalyKind"),
        anomaly_since=from_epoch_us(int(since)) if since is not None else None,
        recommendation=recommendation_from_doc(gate_id, doc.get("recommendation")),
        report_interval=float(doc.get("reportInterval", 60.0)),
        interval_scale=float(doc.get("intervalScale", 1.0)),
        calibrated_at=from_epoch_us(int(calibrated)) if calibrated is not None else None,
    )


def encode_doc(doc: dict[str, Any]) -> bytes:
    return _readings_encoder.encode(doc)


def decode_doc(payload: bytes | str) -> dict[str, Any]:
    return _doc_decoder.decode(payload)
