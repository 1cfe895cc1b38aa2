"""Gate history on Azure Tables (TABLE_NAME_HISTORY), packed in time buckets.

One entity per stadium, time bucket and gate: PartitionKey ``stadiumId``, RowKey
``<bucket>|<gateId>`` where the zero-padded bucket number sorts in time order. The entity
holds the bucket's processed readings as compact JSON rows (``rows0``, ``rows1``, ...:
a string property holds at most 64 KiB).

Why buckets rather than an entity per reading: Azure bills and limits by operation and
Azurite manages ~1,150 entities/s, so a row per reading would cap processing near that.
With buckets a batch costs one range query per stadium (time-major RowKeys put every
gate of a bucket side by side) plus one conditional write per touched bucket.

Idempotency: a bucket is a set keyed by ts; merging adds only rows not already there, so
a redelivered reading leaves the stored row as it is, and a concurrent writer's rows are
kept (the write is guarded by the ETag, see ``guarded``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
from azure.data.tables import TableEntity

from stadiumflow.adapters.codec import HistoryRow

BUCKET_US = 3_600 * 1_000_000  # one hour of event time per entity
BUCKET_OFFSET = 10**9  # keeps bucket numbers positive (ts before 1970) and 10 digits wide
MAX_PROPERTY_CHARS = 30_000  # under the 64 KiB (UTF-16) limit of a string property

_Row = HistoryRow  # ts first: the key of a bucket's set of rows
_encoder = msgspec.json.Encoder()
_rows_decoder = msgspec.json.Decoder(list[list[Any]])


def bucket_of(ts_us: int) -> int:
    return ts_us // BUCKET_US + BUCKET_OFFSET


def row_key(bucket: int, gate_id: str) -> str:
    return f"{bucket:010d}|{gate_id}"


def bucket_range(low_us: int, high_us: int) -> tuple[str, str]:
    """RowKey bounds (inclusive) of every gate's buckets between two event times."""
    return f"{bucket_of(low_us):010d}|", f"{bucket_of(high_us):010d}|~"


def rows_of(entity: TableEntity | None) -> list[_Row]:
    if entity is None:
        return []
    rows: list[_Row] = []
    for i in range(int(entity.get("chunks", 0))):
        rows.extend(tuple(row) for row in _rows_decoder.decode(entity[f"rows{i}"]))
    return rows


def merged_bucket(
    gate_id: str, entity: TableEntity | None, new_rows: Iterable[_Row]
) -> dict[str, Any] | None:
    """The bucket's properties with ``new_rows`` added; None when nothing is new."""
    rows = {row[0]: row for row in rows_of(entity)}
    added = False
    for row in new_rows:
        if row[0] not in rows:  # a row already there is left as it is
            rows[row[0]] = row
            added = True
    if not added:
        return None
    props: dict[str, Any] = {"gateId": gate_id}
    chunks = list(_chunked(sorted(rows.values(), key=lambda row: row[0])))
    props["chunks"] = len(chunks)
    for i, chunk in enumerate(chunks):
        props[f"rows{i}"] = chunk
    return props


def _chunked(rows: list[_Row]) -> Iterator[str]:
    start = 0
    while start < len(rows):
        end = len(rows)
        text = _encoder.encode(rows[start:end]).decode()
        while len(text) > MAX_PROPERTY_CHARS and end - start > 1:
            end = start + max(1, (end - start) // 2)
            text = _encoder.encode(rows[start:end]).decode()
        yield text
        start = end
