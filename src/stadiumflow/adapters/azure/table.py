"""Gate statuses, windows, history and control events on Azure Tables, behind GateStore.

``gatestatus`` (TABLE_NAME_GATES): PartitionKey stadiumId, RowKey gateId. One entity per
gate holds its status (``doc``, plus the contract's readable columns ``wait``/``state``/
``last_updated``/...) *and* its rolling window, so both move together in one
conditional write. History: see ``history``; events: see ``events``; match plans: see
``plans`` (written at once by the operator's API, never by a session).

What is atomic, and why processing stays correct without cross-partition transactions:
a session buffers everything and writes at exit, in this order —
1. history buckets (idempotent set union: a redelivery adds nothing twice);
2. control events (table, then the ``gates-control`` queue: at least once);
3. status + window per gate, guarded by ETags: each transaction (<= 100 gates of one
   stadium) is atomic; on conflict it re-reads and merges, a status is replaced only by
   one with a ts at least as new, windows are unions.
A crash between steps leaves the message unacked; on redelivery the windows (written
last) do not yet hold its readings, so they are processed again and every step repeats
idempotently. A failed session (an exception before exit) writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from azure.data.tables import TableClient, TableEntity

from stadiumflow.adapters.azure.common import translated
from stadiumflow.adapters.azure.events import AzureEventLog
from stadiumflow.adapters.azure.gate_entity import PendingGate, merged_gate, window_of
from stadiumflow.adapters.azure.guarded import Merge, guarded_write
from stadiumflow.adapters.azure.history import (
    bucket_of,
    bucket_range,
    merged_bucket,
    row_key,
    rows_of,
)
from stadiumflow.adapters.azure.plans import AzurePlanTable
from stadiumflow.adapters.codec import (
    decode_doc,
    history_bounds_us,
    history_from_row,
    history_row,
    status_from_doc,
    to_epoch_us,
)
from stadiumflow.domain.events import ControlEvent, StoredEvent
from stadiumflow.domain.plan import MatchPlan
from stadiumflow.domain.readings import GateKey
from stadiumflow.domain.status import GateStatus, ProcessedReading, StadiumSummary
from stadiumflow.domain.window import GateWindow


def _gate_merge(gates: dict[str, PendingGate]) -> Merge:
    return lambda key, entity: merged_gate(entity, gates[key])


def _bucket_merge(buckets: dict[str, list[Any]]) -> Merge:
    return lambda key, entity: merged_bucket(key.split("|", 1)[1], entity, buckets[key])


_Save = tuple[
    Sequence[GateStatus],
    Sequence[ProcessedReading],
    dict[GateKey, GateWindow],
    Sequence[ControlEvent],
]


class _AzureSession:
    def __init__(self, store: AzureTableGateStore) -> None:
        self._store = store
        self._partitions: dict[str, dict[str, TableEntity]] = {}
        self._saves: list[_Save] = []

    def _gates(self, stadium_id: str) -> dict[str, TableEntity]:
        if stadium_id not in self._partitions:
            self._partitions[stadium_id] = self._store._partition(stadium_id)
        return self._partitions[stadium_id]

    def load_windows(self, gates: Iterable[GateKey]) -> dict[GateKey, GateWindow]:
        found: dict[GateKey, GateWindow] = {}
        for stadium, gate in gates:
            window = window_of(self._gates(stadium).get(gate))
            if window is not None:
                found[(stadium, gate)] = window
        return found

    def load_statuses(self, gates: Iterable[GateKey]) -> dict[GateKey, GateStatus]:
        found: dict[GateKey, GateStatus] = {}
        for stadium, gate in gates:
            entity = self._gates(stadium).get(gate)
            if entity is not None and "doc" in entity:
                found[(stadium, gate)] = status_from_doc(stadium, gate, decode_doc(entity["doc"]))
        return found

    def load_stadium(self, stadium_id: str) -> dict[GateKey, GateStatus]:
        return {
            (stadium_id, gate): status_from_doc(stadium_id, gate, decode_doc(entity["doc"]))
            for gate, entity in self._gates(stadium_id).items()
            if "doc" in entity
        }

    def load_plans(self, stadium_ids: Iterable[str]) -> dict[str, list[MatchPlan]]:
        return self._store.plan_table.of_stadiums(stadium_ids)

    def save(
        self,
        statuses: Sequence[GateStatus],
        history: Sequence[ProcessedReading],
        windows: dict[GateKey, GateWindow],
        events: Sequence[ControlEvent] = (),
    ) -> None:
        """Buffered: written when the session ends without an exception."""
        self._saves.append((statuses, history, windows, events))

    def commit(self) -> None:
        for statuses, history, windows, events in self._saves:
            self._store._write_history(history)
            self._store.event_log.publish(events)
            pending: dict[GateKey, list[Any]] = defaultdict(lambda: [None, None])
            for status in statuses:
                pending[status.gate][0] = status
            for gate, window in windows.items():
                pending[gate][1] = window
            by_stadium: dict[str, dict[str, PendingGate]] = defaultdict(dict)
            for (stadium, gate_id), (status, window) in pending.items():
                by_stadium[stadium][gate_id] = (status, window)
            for stadium, gates in by_stadium.items():
                guarded_write(
                    self._store.gates,
                    stadium,
                    gates,
                    self._gates(stadium),
                    _gate_merge(gates),
                )
            self._partitions.clear()


class AzureTableGateStore:
    def __init__(
        self,
        gates: TableClient,
        history: TableClient,
        event_log: AzureEventLog,
        plans: AzurePlanTable,
    ) -> None:
        self.gates = gates
        self.history_table = history
        self.event_log = event_log
        self.plan_table = plans

    @contextmanager
    def session(self) -> Iterator[_AzureSession]:
        session = _AzureSession(self)
        yield session
        session.commit()

    def _partition(self, stadium_id: str) -> dict[str, TableEntity]:
        with translated(f"table {self.gates.table_name}"):
            entities = self.gates.query_entities(
                "PartitionKey eq @stadium", parameters={"stadium": stadium_id}
            )
            return {str(e["RowKey"]): e for e in entities}

    def _write_history(self, items: Sequence[ProcessedReading]) -> None:
        rows: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for item in items:
            r = item.reading
            rows[r.stadium_id][row_key(bucket_of(to_epoch_us(r.ts)), r.gate_id)].append(
                history_row(item)
            )
        for stadium, buckets in rows.items():
            stamps = [row[0] for bucket in buckets.values() for row in bucket]
            low, high = bucket_range(min(stamps), max(stamps))
            with translated(f"table {self.history_table.table_name}"):
                current = {
                    str(e["RowKey"]): e
                    for e in self.history_table.query_entities(
                        "PartitionKey eq @stadium and RowKey ge @low and RowKey le @high",
                        parameters={"stadium": stadium, "low": low, "high": high},
                    )
                }
            guarded_write(
                self.history_table,
                stadium,
                buckets,
                current,
                _bucket_merge(buckets),
            )

    def stadium_statuses(self, stadium_id: str) -> list[GateStatus]:
        return [
            status_from_doc(stadium_id, gate, decode_doc(entity["doc"]))
            for gate, entity in self._partition(stadium_id).items()
            if "doc" in entity
        ]

    def stadiums(self) -> list[StadiumSummary]:
        summary: dict[str, tuple[int, datetime]] = {}
        with translated(f"table {self.gates.table_name}"):
            for e in self.gates.list_entities(select=["PartitionKey", "last_updated"]):
                if e.get("last_updated") is None:
                    continue  # a window without a status yet
                ts = datetime.fromisoformat(str(e["last_updated"]))
                count, newest = summary.get(str(e["PartitionKey"]), (0, ts))
                summary[str(e["PartitionKey"])] = (count + 1, max(newest, ts))
        return [StadiumSummary(s, n, ts) for s, (n, ts) in summary.items()]

    def events(
        self, stadium_id: str | None, *, after: int = 0, limit: int = 500
    ) -> list[StoredEvent]:
        return self.event_log.events(stadium_id, after=after, limit=limit)

    def history(
        self,
        stadium_id: str,
        gate_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        after: datetime | None = None,
        limit: int = 500,
    ) -> list[ProcessedReading]:
        low, high = history_bounds_us(since, until, after)
        low_key, high_key = bucket_range(max(low, -(10**17)), min(high, 10**17))
        found: list[ProcessedReading] = []
        with translated(f"table {self.history_table.table_name}"):
            buckets = self.history_table.query_entities(
                "PartitionKey eq @stadium and RowKey ge @low and RowKey le @high"
                " and gateId eq @gate",
                parameters={
                    "stadium": stadium_id,
                    "low": low_key,
                    "high": high_key,
                    "gate": gate_id,
                },
            )
            for entity in buckets:  # RowKey order: time order
                for row in rows_of(entity):
                    if low <= row[0] <= high:
                        found.append(history_from_row(stadium_id, gate_id, row))
                if len(found) >= limit:
                    break
        found.sort(key=lambda item: item.reading.ts)
        return found[:limit]

    def save_plan(self, plan: MatchPlan) -> None:
        self.plan_table.save(plan)

    def add_plan(self, plan: MatchPlan) -> bool:
        return self.plan_table.add(plan)

    def plans(self, stadium_id: str) -> list[MatchPlan]:
        return self.plan_table.of_stadium(stadium_id)

    def delete_plans(self, stadium_id: str, kickoff: datetime | None = None) -> int:
        return self.plan_table.delete(stadium_id, kickoff)

    def close(self) -> None:
        self.gates.close()
        self.history_table.close()
        self.event_log.close()
        self.plan_table.close()
