"""In-memory fakes of the storage ports: for unit tests and as the reference behaviour.

They keep the same semantics as the durable adapters (leases, dequeue counts, poison,
the never-move-back rule for statuses, versions as single path segments), checked by
the shared contract suites.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from stadiumflow.adapters.model_folder import check_name
from stadiumflow.domain.errors import ModelUnavailable
from stadiumflow.domain.events import ControlEvent, StoredEvent
from stadiumflow.domain.plan import MatchPlan
from stadiumflow.domain.readings import GateKey, Reading
from stadiumflow.domain.status import GateStatus, ProcessedReading, StadiumSummary
from stadiumflow.domain.window import GateWindow
from stadiumflow.ports import MAX_DEQUEUE_COUNT, PoisonedMessage, QueueMessage, QueueStats


@dataclass
class _Stored:
    id: str
    readings: list[Reading]
    enqueued_at: float
    visible_at: float
    dequeue_count: int = 0
    receipt: str = ""
    last_error: str | None = None


class MemoryQueue:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._messages: dict[str, _Stored] = {}
        self._poison: list[PoisonedMessage] = []

    def enqueue(self, readings: Sequence[Reading]) -> None:
        now = self._clock()
        with self._lock:
            mid = str(next(self._ids))
            self._messages[mid] = _Stored(mid, list(readings), now, now)

    def enqueue_many(self, batches: Sequence[Sequence[Reading]]) -> None:
        for readings in batches:
            self.enqueue(readings)

    def claim(self, max_readings: int, lease_seconds: float) -> list[QueueMessage]:
        now = self._clock()
        claimed: list[QueueMessage] = []
        budget = max_readings
        with self._lock:
            for stored in sorted(self._messages.values(), key=lambda m: int(m.id)):
                if stored.visible_at > now:
                    continue
                if stored.dequeue_count >= MAX_DEQUEUE_COUNT:
                    del self._messages[stored.id]
                    self._poison.append(
                        PoisonedMessage(
                            stored.id,
                            len(stored.readings),
                            stored.dequeue_count,
                            now,
                            stored.last_error,
                        )
                    )
                    continue
                if claimed and budget < len(stored.readings):
                    break
                stored.dequeue_count += 1
                stored.visible_at = now + lease_seconds
                stored.receipt = uuid.uuid4().hex
                budget -= len(stored.readings)
                claimed.append(
                    QueueMessage(
                        stored.id,
                        list(stored.readings),
                        stored.dequeue_count,
                        stored.enqueued_at,
                        stored.receipt,
                    )
                )
                if budget <= 0:
                    break
        return claimed

    def ack(self, messages: Sequence[QueueMessage]) -> None:
        with self._lock:
            for message in messages:
                stored = self._messages.get(message.id)
                if stored is not None and stored.receipt == message.receipt:
                    del self._messages[message.id]

    def release(self, message: QueueMessage, error: str, retry_after: float = 1.0) -> None:
        with self._lock:
            stored = self._messages.get(message.id)
            if stored is not None and stored.receipt == message.receipt:
                stored.visible_at = self._clock() + retry_after
                stored.receipt = ""
                stored.last_error = error

    def stats(self) -> QueueStats:
        with self._lock:
            messages = list(self._messages.values())
            return QueueStats(
                messages=len(messages),
                readings=sum(len(m.readings) for m in messages),
                oldest_enqueued_at=min((m.enqueued_at for m in messages), default=None),
                poisoned=len(self._poison),
            )

    def poisoned(self, limit: int = 100) -> list[PoisonedMessage]:
        with self._lock:
            return list(self._poison[-limit:])

    def close(self) -> None:
        pass  # nothing to release


class _MemorySession:
    def __init__(self, store: MemoryGateStore) -> None:
        self._store = store

    def load_windows(self, gates: Iterable[GateKey]) -> dict[GateKey, GateWindow]:
        windows = self._store._windows
        return {
            g: GateWindow.from_rows(windows[g].to_rows(), windows[g].newest_ts)
            for g in gates
            if g in windows
        }

    def load_stadium(self, stadium_id: str) -> dict[GateKey, GateStatus]:
        return {g: s for g, s in self._store._statuses.items() if g[0] == stadium_id}

    def load_statuses(self, gates: Iterable[GateKey]) -> dict[GateKey, GateStatus]:
        statuses = self._store._statuses
        return {g: statuses[g] for g in gates if g in statuses}

    def load_plans(self, stadium_ids: Iterable[str]) -> dict[str, list[MatchPlan]]:
        return {s: self._store._plans_of(s) for s in stadium_ids}

    def save(
        self,
        statuses: Sequence[GateStatus],
        history: Sequence[ProcessedReading],
        windows: dict[GateKey, GateWindow],
        events: Sequence[ControlEvent] = (),
    ) -> None:
        s = self._store
        for event in events:
            s._events.append(StoredEvent(len(s._events) + 1, event))
        for status in statuses:
            old = s._statuses.get(status.gate)
            if old is None or status.ts >= old.ts:
                s._statuses[status.gate] = status
        for item in history:
            s._history.setdefault(item.reading.key, item)
        for gate, window in windows.items():
            s._windows[gate] = GateWindow.from_rows(window.to_rows(), window.newest_ts)


class MemoryGateStore:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._statuses: dict[GateKey, GateStatus] = {}
        self._windows: dict[GateKey, GateWindow] = {}
        self._history: dict[tuple[str, str, datetime], ProcessedReading] = {}
        self._events: list[StoredEvent] = []
        self._plans: dict[tuple[str, datetime], MatchPlan] = {}

    @contextmanager
    def session(self) -> Iterator[_MemorySession]:
        with self._lock:
            saved = (
                dict(self._statuses),
                dict(self._windows),
                dict(self._history),
                list(self._events),
            )
            try:
                yield _MemorySession(self)
            except BaseException:
                self._statuses, self._windows, self._history, self._events = saved  # roll back
                raise

    def stadium_statuses(self, stadium_id: str) -> list[GateStatus]:
        with self._lock:
            return [replace(s) for (sid, _), s in self._statuses.items() if sid == stadium_id]

    def stadiums(self) -> list[StadiumSummary]:
        with self._lock:
            summary: dict[str, list[GateStatus]] = {}
            for (sid, _), status in self._statuses.items():
                summary.setdefault(sid, []).append(status)
            return [
                StadiumSummary(sid, len(gates), max(g.ts for g in gates))
                for sid, gates in summary.items()
            ]

    def events(
        self, stadium_id: str | None, *, after: int = 0, limit: int = 500
    ) -> list[StoredEvent]:
        with self._lock:
            found = [
                e
                for e in self._events[after:]
                if stadium_id is None or e.event.stadium_id == stadium_id
            ]
        return found[:limit]

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
        with self._lock:
            rows = [
                item
                for (sid, gid, ts), item in self._history.items()
                if sid == stadium_id
                and gid == gate_id
                and (since is None or ts >= since)
                and (until is None or ts <= until)
                and (after is None or ts > after)
            ]
        rows.sort(key=lambda item: item.reading.ts)
        return rows[:limit]

    def save_plan(self, plan: MatchPlan) -> None:
        with self._lock:
            self._plans[(plan.stadium_id, plan.kickoff)] = plan

    def add_plan(self, plan: MatchPlan) -> bool:
        with self._lock:
            return self._plans.setdefault((plan.stadium_id, plan.kickoff), plan) is plan

    def plans(self, stadium_id: str) -> list[MatchPlan]:
        with self._lock:
            return self._plans_of(stadium_id)

    def _plans_of(self, stadium_id: str) -> list[MatchPlan]:
        found = [p for (sid, _), p in self._plans.items() if sid == stadium_id]
        return sorted(found, key=lambda p: p.kickoff)

    def delete_plans(self, stadium_id: str, kickoff: datetime | None = None) -> int:
        with self._lock:
            doomed = [
                key
                for key in self._plans
                if key[0] == stadium_id and (kickoff is None or key[1] == kickoff)
            ]
            for key in doomed:
                del self._plans[key]
        return len(doomed)

    def close(self) -> None:
        pass  # nothing to release


class MemoryModelStore:
    """ModelStore port in a dict: versions of named files, the same names refused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[str, dict[str, bytes]] = {}

    def latest_version(self) -> str | None:
        with self._lock:
            return max(self._versions, default=None)

    def load(self, version: str) -> dict[str, bytes]:
        with self._lock:
            files = self._versions.get(check_name("version", version))
        if files is None:
            raise ModelUnavailable(f"model version {version} not found in memory")
        return dict(files)

    def save(self, version: str, files: dict[str, bytes]) -> None:
        check_name("version", version)
        for name in files:
            check_name("file name", name)
        with self._lock:
            self._versions[version] = dict(files)  # a re-publish replaces the version
