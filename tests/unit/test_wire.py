"""Validation at the HTTP edge: every bad input is refused, naming the field and index."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from stadiumflow.domain.errors import InvalidReading, TooManyReadings
from stadiumflow.entrypoints.wire import decode_ingest

GOOD = {
    "stadiumId": "AGADIR",
    "gateId": "G1",
    "ts": "2025-07-14T18:00:00Z",
    "perMinuteCount": 45,
    "avgProcessingTime": 3.2,
    "queueLength": 120,
}


def body(**changes: object) -> bytes:
    item = {**GOOD, **changes}
    return json.dumps({k: v for k, v in item.items() if v is not DROP}).encode()


DROP = object()


def test_a_good_reading_decodes_to_utc():
    (reading,), is_array = decode_ingest(body(ts="2025-07-14T20:00:00+02:00"))
    assert not is_array
    assert reading.ts == datetime(2025, 7, 14, 18, tzinfo=UTC)
    assert reading.ts.tzinfo is UTC
    assert (reading.per_minute_count, reading.avg_processing_time) == (45, 3.2)


def test_an_integer_processing_time_is_a_number():
    (reading,), _ = decode_ingest(body(avgProcessingTime=3))
    assert reading.avg_processing_time == 3.0


def test_a_whole_number_written_with_a_decimal_point_is_a_count():
    # JSON has one number type: 45.0 is the integer 45 (JSON Schema's "integer" agrees).
    (reading,), _ = decode_ingest(body(perMinuteCount=45.0, queueLength=1.2e2))
    assert (reading.per_minute_count, reading.queue_length) == (45, 120)
    assert type(reading.per_minute_count) is int and type(reading.queue_length) is int


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stadiumId": ""}, "stadiumId"),
        ({"stadiumId": "A" * 65}, "stadiumId"),
        ({"stadiumId": "AGA DIR"}, "stadiumId"),
        ({"stadiumId": "AGADIR\n"}, "stadiumId"),
        ({"gateId": "G1'; DROP TABLE x;--"}, "gateId"),
        ({"gateId": 1}, "gateId"),
        ({"ts": "2025-07-14T18:00:00"}, "ts"),
        ({"ts": "yesterday"}, "ts"),
        ({"ts": 1752516000}, "ts"),
        ({"perMinuteCount": 4.5}, "perMinuteCount"),
        ({"queueLength": 120.25}, "queueLength"),
        ({"perMinuteCount": True}, "perMinuteCount"),
        ({"perMinuteCount": -1}, "perMinuteCount"),
        ({"perMinuteCount": 100_001}, "perMinuteCount"),
        ({"perMinuteCount": "45"}, "perMinuteCount"),
        ({"queueLength": None}, "queueLength"),
        ({"queueLength": 10**30}, "queueLength"),
        ({"avgProcessingTime": -0.1}, "avgProcessingTime"),
        ({"avgProcessingTime": 600.5}, "avgProcessingTime"),
        ({"avgProcessingTime": False}, "avgProcessingTime"),
        ({"queueLength": DROP}, "queueLength"),
        ({"queuelength": 5}, "queuelength"),  # misspelt: unknown field, never ignored
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_fields_are_named(changes, field):
    with pytest.raises(InvalidReading) as caught:
        decode_ingest(body(**changes))
    assert caught.value.field == field
    assert caught.value.index is None


def test_in_an_array_the_index_is_named_too():
    items = [GOOD, GOOD, {**GOOD, "queueLength": -5}]
    with pytest.raises(InvalidReading) as caught:
        decode_ingest(json.dumps(items).encode())
    assert (caught.value.field, caught.value.index) == ("queueLength", 2)


def test_an_id_problem_found_after_decoding_names_the_index():
    items = [GOOD, {**GOOD, "gateId": "G2\n"}]
    with pytest.raises(InvalidReading) as caught:
        decode_ingest(json.dumps(items).encode())
    assert (caught.value.field, caught.value.index) == ("gateId", 1)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"not json",
        b'{"stadiumId": NaN}',
        b'{"perMinuteCount": Infinity}',
        b"[]",
        b'"a string"',
        b"42",
        b"null",
        b"[[]]",
    ],
)
def test_malformed_bodies_are_refused(raw):
    with pytest.raises(InvalidReading):
        decode_ingest(raw)


def test_nan_as_a_value_is_refused():
    raw = body().replace(b"3.2", b"NaN")
    with pytest.raises(InvalidReading):
        decode_ingest(raw)


def test_more_than_5000_readings_is_too_many():
    with pytest.raises(TooManyReadings):
        decode_ingest(json.dumps([GOOD] * 5001).encode())
    readings, is_array = decode_ingest(json.dumps([GOOD] * 5000).encode())
    assert is_array and len(readings) == 5000


def test_a_fraction_of_a_fan_in_an_array_names_its_field_and_index():
    items = [GOOD, {**GOOD, "perMinuteCount": 44.5}]
    with pytest.raises(InvalidReading) as caught:
        decode_ingest(json.dumps(items).encode())
    assert (caught.value.field, caught.value.index) == ("perMinuteCount", 1)
    assert "whole number" in str(caught.value)
