"""Consume the inflow queue: claim, process, ack; retry and poison what keeps failing.

This is the retry boundary. A batch that fails is split: each message is retried on its
own so that one bad message cannot hold back the others; a message that fails is
released with its error and, after MAX_DEQUEUE_COUNT tries, the queue moves it to the
poison store. Failures are logged and counted, never swallowed.
"""

from __future__ import annotations

import bisect
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from stadiumflow.domain.advice import LayoutLookup, no_layout
from stadiumflow.domain.multivariate import LocalRobustScorer
from stadiumflow.ports import (
    AnomalyScorer,
    Clock,
    GateStore,
    InflowQueue,
    QueueMessage,
    SystemClock,
    WaitModel,
    iter_readings,
)
from stadiumflow.services.process import process_batch

log = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = (0.5, 2.0, 5.0, 10.0, 30.0)
LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
"""Upper bounds (seconds) of the processing-lag histogram, as Prometheus buckets."""


@dataclass(frozen=True, slots=True)
class LagHistogram:
    """Enqueue -> processed seconds: ``counts[i]`` messages took at most ``buckets[i]``
    (and more than the bucket before); the last count is above every bucket."""

    buckets: tuple[float, ...]
    counts: tuple[int, ...]
    sum: float


@dataclass(frozen=True, slots=True)
class ConsumerSnapshot:
    """The worker's counters at one moment, as /readyz, the heartbeat and /metrics show."""

    batches: int
    readings_applied: int
    readings_late: int
    readings_duplicate: int
    failures: int
    last_error: str | None
    last_batch_at: float | None  # wall-clock seconds since the epoch
    last_lag_seconds: float | None
    lag_histogram: LagHistogram


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
    # Enqueue -> processed seconds of every message, as cumulative histogram counts: plain
    # numbers, so they travel in the snapshot (and a child worker's heartbeat file) to
    # whatever exports metrics, and this module stays free of any metrics library.
    lag_counts: list[int] = field(default_factory=lambda: [0] * (len(LAG_BUCKETS) + 1))
    lag_sum: float = 0.0

    def observe_lags(self, lags: list[float]) -> None:
        """Count each lag in the first bucket whose upper bound it does not exceed."""
        with self.lock:
            for lag in lags:
                self.lag_counts[bisect.bisect_left(LAG_BUCKETS, lag)] += 1
                self.lag_sum += lag

    def snapshot(self) -> ConsumerSnapshot:
        with self.lock:
            return ConsumerSnapshot(
                batches=self.batches,
                readings_applied=self.readings_applied,
                readings_late=self.readings_late,
                readings_duplicate=self.readings_duplicate,
                failures=self.failures,
                last_error=self.last_error,
                last_batch_at=self.last_batch_at,
                last_lag_seconds=self.last_lag_seconds,
                lag_histogram=LagHistogram(LAG_BUCKETS, tuple(self.lag_counts), self.lag_sum),
            )


def _process(
    messages: list[QueueMessage],
    *,
    store: GateStore,
    model: WaitModel,
    stats: ConsumerStats,
    scorer: AnomalyScorer | None,
    layouts: LayoutLookup,
    clock: Clock,
) -> None:
    outcome = process_batch(
        iter_readings(messages),
        store=store,
        model=model,
        scorer=scorer or LocalRobustScorer(),
        layouts=layouts,
    )
    now = clock.now().timestamp()
    with stats.lock:
        stats.batches += 1
        stats.readings_applied += outcome.applied
        stats.readings_late += outcome.late
        stats.readings_duplicate += outcome.duplicates
        stats.last_batch_at = now
        stats.last_lag_seconds = now - min(m.enqueued_at for m in messages)
    stats.observe_lags([now - m.enqueued_at for m in messages])


def consume_once(
    queue: InflowQueue,
    store: GateStore,
    model: WaitModel,
    stats: ConsumerStats,
    *,
    max_readings: int,
    lease_seconds: float,
    scorer: AnomalyScorer | None = None,
    layouts: LayoutLookup = no_layout,
    clock: Clock | None = None,
) -> int:
    """Claim one batch and process it. Returns the number of messages handled.

    ``clock`` (the system clock if None) times the lag since each message was enqueued.
    """
    messages = queue.claim(max_readings, lease_seconds)
    if not messages:
        return 0
    process = functools.partial(
        _process,
        store=store,
        model=model,
        stats=stats,
        scorer=scorer,
        layouts=layouts,
        clock=clock or SystemClock(),
    )
    try:
        process(messages)
    except Exception:
        log.exception("batch of %d messages failed; retrying them one by one", len(messages))
        _one_by_one(messages, queue, stats, process)
        return len(messages)
    queue.ack(messages)
    return len(messages)


def retry_delay(dequeue_count: int) -> float:
    """Seconds before a message that failed on its ``dequeue_count``-th try is handed out again.

    >>> retry_delay(1), retry_delay(5), retry_delay(9)
    (0.5, 30.0, 30.0)
    """
    return RETRY_BACKOFF_SECONDS[min(max(dequeue_count, 1), len(RETRY_BACKOFF_SECONDS)) - 1]


def _one_by_one(
    messages: list[QueueMessage],
    queue: InflowQueue,
    stats: ConsumerStats,
    process: Callable[[list[QueueMessage]], None],
) -> None:
    """Each message of a failed batch on its own: ack what works, release what fails."""
    for message in messages:
        try:
            process([message])
        except Exception as exc:  # the retry boundary: release, count, log
            error = f"{type(exc).__name__}: {exc}"
            with stats.lock:
                stats.failures += 1
                stats.last_error = error
            log.error("message %s failed (try %d): %s", message.id, message.dequeue_count, error)
            queue.release(message, error, retry_after=retry_delay(message.dequeue_count))
        else:
            queue.ack([message])
