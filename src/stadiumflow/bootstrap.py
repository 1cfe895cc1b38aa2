"""The one place that turns Settings into adapters and services."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from stadiumflow.config import Settings
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.ports import GateStore, InflowQueue, WaitModel
from stadiumflow.services.consume import ConsumerStats

log = logging.getLogger(__name__)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Services:
    """Everything an entry point needs, built once."""

    settings: Settings
    queue: InflowQueue
    store: GateStore
    model: WaitModel
    clock: SystemClock
    consumer_stats: ConsumerStats = field(default_factory=ConsumerStats)

    def close(self) -> None:
        for resource in (self.queue, self.store):
            close = getattr(resource, "close", None)
            if close is not None:
                close()


def _build_storage(settings: Settings) -> tuple[InflowQueue, GateStore]:
    if settings.backend == "memory":
        from stadiumflow.adapters.memory import MemoryGateStore, MemoryQueue

        return MemoryQueue(), MemoryGateStore()
    if settings.backend == "sqlite":
        from stadiumflow.adapters.sqlite_queue import SqliteQueue
        from stadiumflow.adapters.sqlite_store import SqliteGateStore

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return (
            SqliteQueue(
                settings.data_dir / "queue.sqlite3", synchronous=settings.sqlite_synchronous
            ),
            SqliteGateStore(
                settings.data_dir / "gates.sqlite3", synchronous=settings.sqlite_synchronous
            ),
        )
    raise ValueError(f"backend {settings.backend!r} is not available in this build")


def bootstrap(
    settings: Settings,
    *,
    queue: InflowQueue | None = None,
    store: GateStore | None = None,
    model: WaitModel | None = None,
) -> Services:
    """Build the services from settings; any adapter may be passed in instead (tests)."""
    if queue is None or store is None:
        built_queue, built_store = _build_storage(settings)
        queue = queue or built_queue
        store = store or built_store
    if model is None:
        model = QueueingWaitModel()
    log.info("wait model: %s (%s)", model.name, model.version)
    return Services(settings, queue, store, model, SystemClock())
