"""Consume the inflow queue: claim, process, ack; retry and poison what keeps failing.

This is the retry boundary. A batch that fails is split: each message is retried on its
own so that one bad message cannot hold back the others; a message that fails is
released with its error and, after MAX_DEQUEUE_COUNT tries, the queue moves it to the
poison store. Failures are logged and counted, never swallowed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from stadiumflow.ports import GateStore, InflowQueue, QueueMessage, WaitModel, iter_readings
from stadiumflow.services.process import process_batch

log = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = (0.5, 2.0, 5.0, 10.0, 30.0)


@dataclass
class ConsumerStats:
    """Counters a health endpoint shows. Updated by the consuming thread only."""

    batches: int = 0
    readings_applied: int = 0
    readings_late: int = 0
    readings_duplicate: int = 0
    failures: int = 0
    last_error: str | None = None
    last_batch_at: float | None = None
    last_lag_seconds: float | None = None  # enqueue -> processed, oldest message of a batch
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Called with each processed message's enqueue -> processed seconds (a metrics histogram);
    # a plain callable so this module stays free of any metrics library.
    lag_observer: Callable[[float], None] | None = field(default=None, repr=False)

    def snapshot(self) -> dict[str, object]:
        with self.lock:
            return {
                "batches": self.batches,
                "readingsApplied": self.readings_applied,
                "readingsLate": self.readings_late,
                "readingsDuplicate": self.readings_duplicate,
                "failures": self.failures,
                "lastError": self.last_error,
                "lastBatchAt": self.last_batch_at,
                "lastLagSeconds": self.last_lag_seconds,
            }


def _process(
    messages: list[QueueMessage], store: GateStore, model: WaitModel, stats: ConsumerStats
) -> None:
    outcome = process_batch(iter_readings(messages), store=store, model=model)
    now = time.time()
    with stats.lock:
        stats.batches += 1
        stats.readings_applied += outcome.applied
        stats.readings_late += outcome.late
        stats.readings_duplicate += outcome.duplicates
        stats.last_batch_at = now
        stats.last_lag_seconds = now - min(m.enqueued_at for m in messages)
    observe = stats.lag_observer
    if observe is not None:
        for message in messages:
            observe(now - message.enqueued_at)


def consume_once(
    queue: InflowQueue,
    store: GateStore,
    model: WaitModel,
    stats: ConsumerStats,
    *,
    max_readings: int,
    lease_seconds: float,
) -> int:
    """Claim one batch and process it. Returns the number of messages handled."""
    messages = queue.claim(max_readings, lease_seconds)
    if not messages:
        return 0
    try:
        _process(messages, store, model, stats)
    except Exception:
        log.exception("batch of %d messages failed; retrying them one by one", len(messages))
        for message in messages:
            try:
                _process([message], store, model, stats)
            except Exception as exc:  # the retry boundary: release, count, log
                retry = RETRY_BACKOFF_SECONDS[
                    min(message.dequeue_count, len(RETRY_BACKOFF_SECONDS)) - 1
                ]
                error = f"{type(exc).__name__}: {exc}"
                with stats.lock:
                    stats.failures += 1
                    stats.last_error = error
                log.error(
                    "message %s failed (try %d): %s", message.id, message.dequeue_count, error
                )
                queue.release(message, error, retry_after=retry)
            else:
                queue.ack([message])
        return len(messages)
    queue.ack(messages)
    return len(messages)
