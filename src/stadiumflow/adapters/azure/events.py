"""Control events on Azure: the ``gates-control`` queue for subscribers, and an events
table so that ``GateStore.events(stadium, after, limit)`` can replay them.

Each control message is a JSON array of events (``json_arrays``), base64 like the
inflow queue; the table keeps the same arrays, one entity per block of a stadium's events
(an entity per event would cost Azure an operation per state change).

Ids are increasing integers from a counter entity (read, then update under its ETag; a
range per save), so a reader resumes with ``after=<last id>``. The events table is
written before the queue: a crash in between re-publishes on redelivery, never loses.
Delivery is at least once on both; a subscriber deduplicates on ``id``.

Known limit: two writers may commit ids out of order (A takes 10, B takes 11, B lands
first); a reader polling in that instant can skip 10. One worker per stadium, which is
how the queue is consumed in practice, does not see this.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

import msgspec
from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode
from azure.storage.queue import QueueClient

from stadiumflow.adapters.azure.common import translated
from stadiumflow.adapters.azure.guarded import TRANSACTION_LIMIT
from stadiumflow.adapters.azure.messages import MAX_PACKED_BYTES
from stadiumflow.adapters.event_codec import decode_events, event_out
from stadiumflow.domain.errors import StorageUnavailable
from stadiumflow.domain.events import ControlEvent, StoredEvent

COUNTER_PARTITION = "~counter"  # sorts after every stadium id
COUNTER_ROW = "events"
MAX_ATTEMPTS = 20
BLOCK_BYTES = 30_000  # events per table entity: under the 64 KiB (UTF-16) property limit


def json_arrays(stored: Sequence[StoredEvent], max_bytes: int) -> list[str]:
    """The events as JSON arrays of feed messages (``event_codec``) in id order, each at
    most ``max_bytes`` long."""
    arrays: list[str] = []
    current: list[bytes] = []
    size = 2
    for item in stored:
        encoded = msgspec.json.encode(event_out(item))
        if current and size + len(encoded) + 1 > max_bytes:
            arrays.append((b"[" + b",".join(current) + b"]").decode())
            current, size = [], 2
        current.append(encoded)
        size += len(encoded) + 1
    if current:
        arrays.append((b"[" + b",".join(current) + b"]").decode())
    return arrays


class AzureEventLog:
    def __init__(self, table: TableClient, control: QueueClient) -> None:
        self._table = table
        self._control = control

    def publish(self, events: Sequence[ControlEvent]) -> None:
        if not events:
            return
        first = self._allocate(len(events))
        stored = [StoredEvent(first + i, e) for i, e in enumerate(events)]
        ordered = sorted(stored, key=lambda s: (s.event.stadium_id, s.id))
        with translated(f"table {self._table.table_name}"):
            for stadium, group in groupby(ordered, key=lambda s: s.event.stadium_id):
                blocks = [_block(stadium, text) for text in json_arrays(list(group), BLOCK_BYTES)]
                for start in range(0, len(blocks), TRANSACTION_LIMIT):
                    self._table.submit_transaction(
                        [
                            ("upsert", block, {"mode": UpdateMode.REPLACE})
                            for block in blocks[start : start + TRANSACTION_LIMIT]
                        ]
                    )
        with translated(f"queue {self._control.queue_name}"):
            for message in json_arrays(stored, MAX_PACKED_BYTES):
                self._control.send_message(message)

    def _allocate(self, count: int) -> int:
        """Reserve ``count`` ids; returns the first. Compare-and-swap on the counter."""
        with translated(f"table {self._table.table_name}"):
            for _ in range(MAX_ATTEMPTS):
                try:
                    counter = self._table.get_entity(COUNTER_PARTITION, COUNTER_ROW)
                except ResourceNotFoundError:
                    try:
                        self._table.create_entity(
                            {
                                "PartitionKey": COUNTER_PARTITION,
                                "RowKey": COUNTER_ROW,
                                "next": count,
                            }
                        )
                    except ResourceExistsError:
                        continue
                    return 1
                first = int(counter["next"]) + 1
                counter["next"] = first + count - 1
                try:
                    self._table.update_entity(
                        counter,
                        mode=UpdateMode.REPLACE,
                        etag=counter.metadata["etag"],
                        match_condition=MatchConditions.IfNotModified,
                    )
                except ResourceModifiedError:
                    continue
                return first
        raise StorageUnavailable("event counter: still conflicting after retries")

    def close(self) -> None:
        self._table.close()
        self._control.close()

    def events(self, stadium_id: str | None, *, after: int, limit: int) -> list[StoredEvent]:
        params: dict[str, str] = {"after": f"{after:012d}", "counter": COUNTER_PARTITION}
        if stadium_id is None:
            query = "PartitionKey ne @counter and RowKey gt @after"
        else:
            query = "PartitionKey eq @stadium and RowKey gt @after"
            params["stadium"] = stadium_id
        found: list[StoredEvent] = []
        with translated(f"table {self._table.table_name}"):
            for block in self._table.query_entities(query, parameters=params):
                found.extend(e for e in decode_events(str(block["events"])) if e.id > after)
                if stadium_id is not None and len(found) >= limit:
                    break  # one partition comes back in RowKey (= last id) order
        found.sort(key=lambda s: s.id)
        return found[:limit]


def _block(stadium_id: str, events_json: str) -> dict[str, Any]:
    """A block of one stadium's events; RowKey is its last id, so ``RowKey gt @after``
    finds every block holding an event after ``after``."""
    last = decode_events(events_json)[-1].id
    return {"PartitionKey": stadium_id, "RowKey": f"{last:012d}", "events": events_json}
