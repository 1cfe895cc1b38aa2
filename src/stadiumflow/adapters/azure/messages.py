"""What travels in an Azure Storage queue message: packed readings, and their envelopes.

A message body is the codec's compact reading rows (``[[stadiumId, gateId, ts, ...], ...]``),
the same bytes the SQLite queue stores. Azure caps a message at 64 KiB *after* base64
(which the Functions trigger expects), so a raw body may hold at most 48 KiB: a request
with more readings is split into several messages of at most ``MAX_PACKED_BYTES``.

A message given back after a failure carries its error in an envelope
``{"readings": [...], "lastError": "..."}`` so the error survives to the poison queue,
where the envelope also records the dequeue count and the time it was poisoned.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from stadiumflow.adapters.codec import decode_readings, encode_readings
from stadiumflow.domain.readings import Reading

MAX_PACKED_BYTES = 44 * 1024
"""Readings per message: base64 makes 44 KiB into 60 KiB, leaving room for an envelope
under Azure Queue Storage's 64 KiB message limit."""
MAX_ERROR_CHARS = 1_000


class Envelope(msgspec.Struct, rename="camel", omit_defaults=True):
    """A message body with metadata; ``readings`` stays raw codec rows."""

    readings: msgspec.Raw
    last_error: str | None = None
    dequeue_count: int | None = None
    poisoned_at: float | None = None
    source_id: str | None = None


_encoder = msgspec.json.Encoder()
_envelope_decoder = msgspec.json.Decoder(Envelope)


def pack_readings(readings: Sequence[Reading]) -> list[bytes]:
    """Encode ``readings`` into as few message bodies as fit under MAX_PACKED_BYTES.

    Readings keep their order; each body is decodable on its own.
    """
    pending: list[Sequence[Reading]] = [readings]
    bodies: list[bytes] = []
    while pending:
        chunk = pending.pop()
        body = encode_readings(list(chunk))
        if len(body) <= MAX_PACKED_BYTES or len(chunk) == 1:
            bodies.append(body)
            continue
        parts = -(-len(body) // MAX_PACKED_BYTES) + 1  # one spare part: rows differ in size
        step = -(-len(chunk) // parts)
        pending.extend(reversed([chunk[i : i + step] for i in range(0, len(chunk), step)]))
    return bodies


def with_error(body: str, error: str) -> str:
    """The message body with ``error`` recorded (replacing any earlier error)."""
    raw, _ = split_envelope(body)
    envelope = Envelope(msgspec.Raw(raw), last_error=error[:MAX_ERROR_CHARS])
    return _encoder.encode(envelope).decode()


def poison_body(body: str, *, dequeue_count: int, poisoned_at: float, source_id: str) -> str:
    raw, error = split_envelope(body)
    envelope = Envelope(msgspec.Raw(raw), error, dequeue_count, poisoned_at, source_id)
    return _encoder.encode(envelope).decode()


def read_envelope(body: str | bytes) -> Envelope:
    """The envelope of a body; a plain body is an envelope without metadata."""
    data = body.encode() if isinstance(body, str) else body
    if data.lstrip()[:1] == b"{":
        return _envelope_decoder.decode(data)
    return Envelope(msgspec.Raw(data))


def split_envelope(body: str | bytes) -> tuple[bytes, str | None]:
    """(raw reading rows, last error) of a plain or enveloped message body."""
    envelope = read_envelope(body)
    return bytes(envelope.readings), envelope.last_error


def unpack_readings(body: str | bytes) -> list[Reading]:
    """The readings of a message body, plain or enveloped. Raises on a malformed body."""
    raw, _ = split_envelope(body)
    return decode_readings(raw)
