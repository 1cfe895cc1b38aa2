"""Wire schemas of the HTTP API (camelCase JSON, msgspec) and their translation.

The same decoder serves every HTTP home (the Starlette server, Azure Functions), and the
OpenAPI description is generated from these very types, so the docs cannot drift from
what the server accepts.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated

import msgspec

from stadiumflow.adapters.event_codec import (
    LaneAdviceOut,
    RecommendationOut,
    lane_advice_out,
    recommendation_out,
)
from stadiumflow.domain.advice import lane_advice
from stadiumflow.domain.errors import InvalidReading, MissingParameter, TooManyReadings
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.status import GateStatus, ProcessedReading, StadiumSummary

MAX_READINGS_PER_REQUEST = 5_000
MAX_BODY_BYTES = 1024 * 1024
MAX_COUNT = 100_000
MAX_PROCESSING_SECONDS = 600.0
ID_PATTERN = "^[A-Za-z0-9_-]+$"
_ID_FULL = re.compile(r"[A-Za-z0-9_-]{1,64}")

Identifier = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        pattern=ID_PATTERN,
        description="1-64 characters of A-Z, a-z, 0-9, '_' and '-'",
    ),
]
WHOLE_NUMBER_FIELDS = ("perMinuteCount", "queueLength")
"""Decoded as numbers, then required whole: JSON has one number type, so 45.0 is the
integer 45 (as JSON Schema's "integer" says); 45.5 is rejected, naming the field. The
OpenAPI description still says integer (``openapi.py``)."""


class ReadingIn(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    """One turnstile reading. Exactly these six fields; unknown fields are rejected."""

    stadium_id: Identifier
    gate_id: Identifier
    ts: Annotated[
        datetime,
        msgspec.Meta(
            tz=True,
            description="ISO 8601 / RFC 3339 with a timezone (Z or an offset); at most"
            " 5 minutes ahead of the server clock",
        ),
    ]
    per_minute_count: Annotated[
        float,
        msgspec.Meta(
            ge=0,
            le=MAX_COUNT,
            description="fans through the turnstiles in the minute before ts (a whole number)",
        ),
    ]
    avg_processing_time: Annotated[
        float,
        msgspec.Meta(ge=0, le=MAX_PROCESSING_SECONDS, description="mean seconds per fan"),
    ]
    queue_length: Annotated[
        float, msgspec.Meta(ge=0, le=MAX_COUNT, description="fans waiting at ts (a whole number)")
    ]


ReadingsIn = Annotated[
    list[ReadingIn], msgspec.Meta(min_length=1, max_length=MAX_READINGS_PER_REQUEST)
]
IngestBody = ReadingIn | ReadingsIn

_ingest_decoder = msgspec.json.Decoder(IngestBody)
_PATH = re.compile(r" - at `\$(?:\[(\d+)\])?(?:\.(\w+))?[^`]*`$")
_UNKNOWN = re.compile(r"unknown field `([^`]*)`")
_MISSING = re.compile(r"missing required field `([^`]*)`")


def check_identifier(name: str, value: str | None, *, index: int | None = None) -> str:
    """``value`` if it is a valid stadium or gate id, else InvalidReading naming ``name``
    (MissingParameter if there is none).

    Every home checks query parameters with it before any storage query, so a value
    such as ``nope' or 'a' eq 'a`` never reaches a table filter.
    """
    if value is None or value == "":
        raise MissingParameter(name)
    if not _ID_FULL.fullmatch(value):
        raise InvalidReading(
            f"{name} must be 1-64 characters of A-Z, a-z, 0-9, '_' and '-'",
            field=name,
            index=index,
        )
    return value


def _invalid(message: str) -> InvalidReading:
    index: int | None = None
    field: str | None = None
    text = message
    match = _PATH.search(message)
    if match:
        text = message[: match.start()]
        index = int(match.group(1)) if match.group(1) is not None else None
        field = match.group(2)
    named = _UNKNOWN.search(text) or _MISSING.search(text)
    if named:
        field = named.group(1)
    if "length <=" in text and index is None and field is None:
        return TooManyReadings(
            f"at most {MAX_READINGS_PER_REQUEST} readings per request", field=None
        )
    # Counts are decoded as numbers too (WHOLE_NUMBER_FIELDS): say so in the reader's terms.
    return InvalidReading(text.replace("`float`", "a number"), field=field, index=index)


def decode_ingest(body: bytes) -> tuple[list[Reading], bool]:
    """Decode and validate an ingest body: (readings, was_array). Raises InvalidReading."""
    try:
        decoded = _ingest_decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise _invalid(str(exc)) from None
    except msgspec.DecodeError:
        raise InvalidReading("body is not valid JSON", field=None) from None
    items = decoded if isinstance(decoded, list) else [decoded]
    readings: list[Reading] = []
    for i, item in enumerate(items):
        if not (_ID_FULL.fullmatch(item.stadium_id) and _ID_FULL.fullmatch(item.gate_id)):
            index = i if isinstance(decoded, list) else None
            check_identifier("stadiumId", item.stadium_id, index=index)
            check_identifier("gateId", item.gate_id, index=index)
        count, queue = item.per_minute_count, item.queue_length
        if not (count.is_integer() and queue.is_integer()):
            name = WHOLE_NUMBER_FIELDS[0] if not count.is_integer() else WHOLE_NUMBER_FIELDS[1]
            raise InvalidReading(
                f"{name} must be a whole number of fans",
                field=name,
                index=i if isinstance(decoded, list) else None,
            )
        readings.append(
            Reading(
                item.stadium_id,
                item.gate_id,
                item.ts.astimezone(UTC),
                int(count),
                item.avg_processing_time,
                int(queue),
            )
        )
    return readings, isinstance(decoded, list)


# ---- responses -------------------------------------------------------------------------


class ErrorOut(msgspec.Struct, omit_defaults=True):
    error: str
    message: str
    field: str | None = None
    index: int | None = None


class AcceptedOut(msgspec.Struct):
    accepted: int


class GateOut(msgspec.Struct, rename="camel"):
    """One gate's status. `wait`: minutes for a fan joining now; `waitLow`/`waitHigh`: its
    10-90% interval, calibrated per stadium on the waits its fans were seen to have;
    `waitIn15`: the wait expected 15 minutes from now."""

    gate_id: str
    wait: float
    state: str
    anomaly: bool
    anomaly_score: float
    last_updated: datetime = msgspec.field(name="last_updated")
    recommendation: RecommendationOut | None = None
    wait_low: float | None = None
    wait_high: float | None = None
    wait_in15: float | None = msgspec.field(default=None, name="waitIn15")
    model: str = ""
    anomaly_kind: str | None = None
    anomaly_since: datetime | None = None
    queue_length: int = 0
    per_minute_count: int = 0
    avg_processing_time: float = 0.0


class StatusOut(msgspec.Struct, rename="camel"):
    stadium_id: str
    gates: list[GateOut]
    last_updated: datetime | None = msgspec.field(default=None, name="last_updated")


class RedirectOut(msgspec.Struct, rename="camel"):
    """A gate's redirection advice: send `share` of the fans arriving at `fromGateId` to
    `toGateId`."""

    from_gate_id: str
    to_gate_id: str
    share: float
    walk_minutes: float
    expected_saving_minutes: float
    message: str


class AdviceOut(msgspec.Struct, rename="camel"):
    """A stadium's advice: its gates' redirections, and where one more lane helps most."""

    stadium_id: str
    last_updated: datetime = msgspec.field(name="last_updated")
    redirects: list[RedirectOut] = msgspec.field(default_factory=list)
    lanes: LaneAdviceOut | None = None


class StadiumOut(msgspec.Struct, rename="camel"):
    stadium_id: str
    gates: int
    last_updated: datetime | None = msgspec.field(name="last_updated")


class StadiumsOut(msgspec.Struct):
    stadiums: list[StadiumOut]


class HistoryItemOut(msgspec.Struct, rename="camel"):
    ts: datetime
    per_minute_count: int
    avg_processing_time: float
    queue_length: int
    wait: float
    state: str
    model: str
    late: bool
    wait_low: float | None = None
    wait_high: float | None = None
    wait_in15: float | None = msgspec.field(default=None, name="waitIn15")


class HistoryOut(msgspec.Struct, rename="camel"):
    stadium_id: str
    gate_id: str
    items: list[HistoryItemOut]
    next: str | None = None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


BOUND_DECIMALS = 4
"""An interval's ends are given to 0.0001 min (6 ms), rounded outward (:func:`published`).
At an empty queue the interval and the waits it must hold are a fraction of a second, so a coarser
rounding changed its coverage through the API on sub-second waits alone: on 3 Ciw days,
83% in process read 75% rounded to 0.01 min to the nearest, 90% rounded outward, 85%
outward to 0.001 min."""
_SCALE: int = 10**BOUND_DECIMALS


def published(
    wait: float, low: float | None, high: float | None
) -> tuple[float, float | None, float | None]:
    """(wait, low, high) as the API gives them: the wait to 0.01 min, the interval's ends
    rounded outward to 0.0001 min and, if need be, stretched to the rounded wait, so the
    interval holds all it held and the wait shown.

    >>> published(1.125, 1.125, 1.5), published(0.0, 0.0, 0.00004), published(3.0, None, None)
    ((1.12, 1.12, 1.5), (0.0, 0.0, 0.0001), (3.0, None, None))
    """
    shown = round(wait, 2)
    if low is None or high is None:
        return shown, None, None
    return shown, min(_outward(low, -1), shown), max(_outward(high, 1), shown)


def _outward(value: float, side: int) -> float:
    """``value`` to BOUND_DECIMALS, rounded away from the interval's middle (``side`` -1:
    down, 1: up); one step further where float arithmetic landed on the wrong side
    (1.9500000000000002 x 10**4 is 19500.0, whose ceiling, 1.95, is below it).

    >>> _outward(1.9500000000000002, 1) >= 1.9500000000000002, _outward(1.23456, -1)
    (True, 1.2345)
    """
    steps = math.ceil(value * _SCALE) if side > 0 else math.floor(value * _SCALE)
    bound = steps / _SCALE
    if (bound - value) * side < 0:
        bound = (steps + side) / _SCALE
    return bound


def gate_out(status: GateStatus) -> GateOut:
    wait, low, high = published(status.wait, status.wait_low, status.wait_high)
    return GateOut(
        gate_id=status.gate_id,
        wait=wait,
        state=status.state.value,
        anomaly=status.anomaly,
        anomaly_score=round(status.anomaly_score, 3),
        last_updated=status.ts,
        recommendation=recommendation_out(status.recommendation) if status.recommendation else None,
        wait_low=low,
        wait_high=high,
        wait_in15=_round(status.wait_in_15),
        model=status.model,
        anomaly_kind=status.anomaly_kind,
        anomaly_since=status.anomaly_since,
        queue_length=status.queue_length,
        per_minute_count=status.per_minute_count,
        avg_processing_time=status.avg_processing_time,
    )


def status_out(stadium_id: str, statuses: list[GateStatus]) -> StatusOut:
    newest = max((s.ts for s in statuses), default=None)
    return StatusOut(stadium_id, [gate_out(s) for s in statuses], newest)


def advice_out(stadium_id: str, statuses: list[GateStatus]) -> AdviceOut:
    lanes = lane_advice(statuses)
    redirects = [
        RedirectOut(s.gate_id, *msgspec.structs.astuple(recommendation_out(s.recommendation)))
        for s in statuses
        if s.recommendation is not None
    ]
    return AdviceOut(
        stadium_id,
        max(s.ts for s in statuses),
        redirects,
        lane_advice_out(lanes) if lanes is not None else None,
    )


def stadiums_out(summaries: list[StadiumSummary]) -> StadiumsOut:
    return StadiumsOut([StadiumOut(s.stadium_id, s.gates, s.last_updated) for s in summaries])


def history_item_out(item: ProcessedReading) -> HistoryItemOut:
    r, e = item.reading, item.estimate
    wait, low, high = published(e.wait, e.low, e.high)
    return HistoryItemOut(
        ts=r.ts,
        per_minute_count=r.per_minute_count,
        avg_processing_time=r.avg_processing_time,
        queue_length=r.queue_length,
        wait=wait,
        state=item.state.value,
        model=item.model,
        late=item.late,
        wait_low=low,
        wait_high=high,
        wait_in15=_round(e.in_15),
    )


def format_ts(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")
