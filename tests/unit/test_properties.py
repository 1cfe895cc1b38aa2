"""Properties, checked on generated data (hypothesis): validation, idempotency, ordering.

The example tests pin chosen cases; these say what must hold for any reading, any
mutation of one field, any redelivery and any arrival order, and hypothesis looks for the
counter-example. Bounded so the file runs in a few seconds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.domain.classify import classify_wait
from stadiumflow.domain.errors import InvalidReading
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.status import ProcessedReading
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.entrypoints.wire import decode_ingest, history_item_out
from stadiumflow.services.process import process_batch

FIELDS = ("stadiumId", "gateId", "ts", "perMinuteCount", "avgProcessingTime", "queueLength")
BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

identifiers = st.from_regex(r"\A[A-Za-z0-9_-]{1,64}\Z", fullmatch=True)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2035, 1, 1), timezones=offsets
)
counts = st.integers(0, 100_000)
seconds = st.one_of(st.integers(0, 600), st.floats(0, 600, allow_nan=False))


@st.composite
def wire_readings(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "stadiumId": draw(identifiers),
        "gateId": draw(identifiers),
        "ts": draw(instants).isoformat(),
        "perMinuteCount": draw(counts),
        "avgProcessingTime": draw(seconds),
        "queueLength": draw(counts),
    }


_bad_identifier = st.one_of(
    st.just(""),
    st.text(min_size=65, max_size=80, alphabet="ab"),
    st.from_regex(r"\A[A-Za-z0-9]{0,5}[ ./:'\"%é][A-Za-z0-9]{0,5}\Z", fullmatch=True),
    st.integers(),
    st.none(),
    st.lists(st.just("G1"), max_size=2),
)
_bad_count = st.one_of(
    st.integers(max_value=-1),
    st.integers(min_value=100_001),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()),
    st.booleans(),
    st.text(max_size=5),
    st.none(),
)
INVALID: dict[str, st.SearchStrategy[Any]] = {
    "stadiumId": _bad_identifier,
    "gateId": _bad_identifier,
    "ts": st.one_of(
        st.datetimes(min_value=datetime(2000, 1, 1)).map(datetime.isoformat),  # no timezone
        st.sampled_from(["", "yesterday", "2025-13-01T00:00:00Z", "2025-07-14 25:00Z"]),
        st.integers(),
        st.none(),
    ),
    "perMinuteCount": _bad_count,
    "queueLength": _bad_count,
    "avgProcessingTime": st.one_of(
        st.floats(max_value=-1e-9, allow_infinity=False),
        st.floats(min_value=600.000001, allow_infinity=False),
        st.text(max_size=5),
        st.booleans(),
        st.none(),
    ),
}


@BOUNDED
@given(wire_readings())
def test_any_object_with_the_six_valid_fields_decodes(item: dict[str, Any]) -> None:
    (decoded,), is_array = decode_ingest(json.dumps(item).encode())
    assert not is_array
    assert decoded.ts == datetime.fromisoformat(item["ts"]) and decoded.ts.tzinfo == UTC
    assert (decoded.stadium_id, decoded.gate_id) == (item["stadiumId"], item["gateId"])
    assert decoded.per_minute_count == item["perMinuteCount"]
    assert decoded.avg_processing_time == item["avgProcessingTime"]


@pytest.mark.parametrize("field", FIELDS)
@BOUNDED
@given(data=st.data())
def test_one_invalid_field_rejects_the_reading_and_is_named(field: str, data: Any) -> None:
    items = data.draw(st.lists(wire_readings(), min_size=1, max_size=5))
    index = data.draw(st.integers(0, len(items) - 1))
    items[index][field] = data.draw(INVALID[field])
    with pytest.raises(InvalidReading) as caught:
        decode_ingest(json.dumps(items).encode())
    assert (caught.value.field, caught.value.index) == (field, index)


@BOUNDED
@given(wire_readings(), st.sampled_from(FIELDS), st.sampled_from(["drop", "misspell"]))
def test_a_missing_or_unknown_field_is_named(item: dict[str, Any], field: str, how: str) -> None:
    value = item.pop(field)
    if how == "misspell":
        item[field.lower() + "_"] = value
    with pytest.raises(InvalidReading) as caught:
        decode_ingest(json.dumps(item).encode())
    assert caught.value.field in (field, field.lower() + "_")


BASE = datetime(2025, 7, 14, 17, 0, tzinfo=UTC)
domain_readings = st.builds(
    lambda stadium, gate, minute, count, secs, queue: Reading(
        stadium, gate, BASE + timedelta(minutes=minute), count, secs, queue
    ),
    st.sampled_from(["AGADIR", "RABAT"]),
    st.sampled_from(["G1", "G2", "G10"]),
    st.integers(0, 40),
    st.integers(0, 120),
    st.floats(0.5, 20, allow_nan=False),
    st.integers(0, 2_000),
)
unique_batches = st.lists(domain_readings, min_size=1, max_size=40, unique_by=lambda r: r.key)


def _snapshot(store: MemoryGateStore) -> tuple[Any, Any]:
    """What the outside sees: each gate's newest reading, and every gate's history."""
    statuses = sorted(
        (s.stadium_id, s.gate_id, s.ts, s.queue_length, s.per_minute_count)
        for stadium in ("AGADIR", "RABAT")
        for s in store.stadium_statuses(stadium)
    )
    history = {
        (stadium, gate): [h.reading for h in store.history(stadium, gate, limit=10_000)]
        for stadium in ("AGADIR", "RABAT")
        for gate in ("G1", "G2", "G10")
    }
    return statuses, history


def _run(batches: list[list[Reading]]) -> MemoryGateStore:
    store = MemoryGateStore()
    for batch in batches:
        process_batch(batch, store=store, model=QueueingWaitModel())
    return store


@BOUNDED
@given(st.lists(domain_readings, min_size=1, max_size=40))
def test_processing_a_batch_twice_is_processing_it_once(batch: list[Reading]) -> None:
    once = _run([batch])
    twice = _run([batch, batch])
    assert _snapshot(twice) == _snapshot(once)


@BOUNDED
@given(st.lists(domain_readings, min_size=1, max_size=40))
def test_a_redelivered_batch_leaves_every_status_field_unchanged(batch: list[Reading]) -> None:
    once = _run([batch])
    twice = _run([batch, batch])
    for stadium in ("AGADIR", "RABAT"):
        assert twice.stadium_statuses(stadium) == once.stadium_statuses(stadium)


@BOUNDED
@given(unique_batches, st.randoms(use_true_random=False), st.integers(1, 10))
def test_any_order_and_split_ends_at_the_same_statuses_and_history(
    readings: list[Reading], rng: Any, size: int
) -> None:
    reference = _run([sorted(readings, key=lambda r: r.ts)])
    shuffled = readings[:]
    rng.shuffle(shuffled)
    batches = [shuffled[i : i + size] for i in range(0, len(shuffled), size)]
    assert _snapshot(_run(batches)) == _snapshot(reference)


@settings(max_examples=300, deadline=None)
@given(
    wait=st.floats(0, 200, allow_nan=False),
    below=st.floats(0, 50, allow_nan=False),
    above=st.floats(0, 50, allow_nan=False),
)
def test_the_published_interval_holds_everything_the_computed_one_held(wait, below, above):
    low, high = max(wait - below, 0.0), wait + above
    item = ProcessedReading(
        Reading("AGADIR", "G1", datetime(2025, 7, 14, 18, tzinfo=UTC), 10, 3.0, 5),
        WaitEstimate(wait, low, high, wait),
        classify_wait(wait),
        "m",
    )
    out = history_item_out(item)
    assert out.wait_low is not None and out.wait_high is not None
    assert out.wait_low <= low and out.wait_high >= high  # rounded outward, never inward
    assert out.wait_low <= out.wait <= out.wait_high
    # Wider by at most the rounding: 0.0001 each end, or half a 0.01 to reach the wait shown.
    assert high - low <= out.wait_high - out.wait_low <= high - low + 0.00521
