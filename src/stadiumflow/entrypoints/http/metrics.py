"""Prometheus metrics at ``/metrics``, on a registry owned by one app.

A registry per app rather than prometheus-client's global default: tests build many apps
in one process, and two servers in one process must not share counters. Figures that
already live elsewhere (queue depth, anomalies, the worker's counters) are read at scrape
time by a collector instead of being mirrored on every change. The per-request counts
(ingest, HTTP requests) are plain integers bumped on the event loop thread and exported
at scrape time: a prometheus-client counter takes a lock per bump, and the single-reading
ingest path is benchmarked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from stadiumflow.bootstrap import Services
from stadiumflow.services.consume import ConsumerSnapshot, LagHistogram

REJECT_REASONS = (
    "invalid_reading",
    "too_many_readings",
    "body_too_large",
    "unsupported_media_type",
    "unavailable",
)
WorkerStats = Callable[[], ConsumerSnapshot | None]
"""The worker's ConsumerStats snapshot: in-process, or read from a child's heartbeat
(None before its first)."""

_WORKER_COUNTERS = (
    ("readings_applied", "Readings applied to a gate status"),
    ("readings_late", "Readings older than the gate's newest"),
    ("readings_duplicate", "Readings already processed"),
    ("processing_failures", "Messages that failed and were released"),
)


def _lag_histogram(histogram: LagHistogram) -> Iterator[Metric]:
    """ConsumerStats' per-bucket counts as a Prometheus (cumulative) histogram."""
    cumulative, buckets = 0, []
    bounds = [str(float(b)) for b in histogram.buckets] + ["+Inf"]
    for bound, count in zip(bounds, histogram.counts, strict=True):
        cumulative += count
        buckets.append((bound, float(cumulative)))
    yield HistogramMetricFamily(
        "stadiumflow_processing_lag_seconds",
        "Enqueue to processed, per inflow message",
        buckets=buckets,
        sum_value=float(histogram.sum),
    )


class _ScrapeTimeCollector(Collector):
    """Reads the queue, the store, the model and the worker's counters when scraped."""

    def __init__(self, services: Services, metrics: Metrics, worker_stats: WorkerStats) -> None:
        self._services = services
        self._metrics = metrics
        self._worker_stats = worker_stats

    def collect(self) -> Iterator[Metric]:
        s = self._services
        yield from self._metrics.request_counts()
        yield from self._queue()
        fallback = GaugeMetricFamily(
            "stadiumflow_wait_model_fallback",
            "1 when waits come from the queueing formula standing in for the trained model",
            labels=["model", "version"],
        )
        fallback.add_metric([s.model.name, s.model.version], 1.0 if s.model.is_fallback else 0.0)
        yield fallback
        anomalies = GaugeMetricFamily(
            "stadiumflow_active_anomalies",
            "Gates whose status flags an anomaly",
            labels=["stadium"],
        )
        gates = GaugeMetricFamily(
            "stadiumflow_gates", "Gates by state", labels=["stadium", "state"]
        )
        for summary in s.store.stadiums():
            statuses = s.store.stadium_statuses(summary.stadium_id)
            anomalies.add_metric([summary.stadium_id], sum(1 for g in statuses if g.anomaly))
            for state in ("green", "yellow", "red"):
                count = sum(1 for g in statuses if g.state.value == state)
                gates.add_metric([summary.stadium_id, state], count)
        yield anomalies
        yield gates
        stats = self._worker_stats()  # None: a child worker that has not reported yet
        if stats is not None:
            yield from _lag_histogram(stats.lag_histogram)
        counted = (
            (stats.readings_applied, stats.readings_late, stats.readings_duplicate, stats.failures)
            if stats is not None
            else (0, 0, 0, 0)
        )
        for (name, doc), value in zip(_WORKER_COUNTERS, counted, strict=True):
            yield CounterMetricFamily(f"stadiumflow_worker_{name}", doc, value=float(value))

    def _queue(self) -> Iterator[Metric]:
        try:
            q = self._services.queue.stats()
        except Exception:  # an unreachable queue is itself worth scraping
            yield GaugeMetricFamily("stadiumflow_queue_up", "Queue reachable", value=0.0)
            return
        yield GaugeMetricFamily("stadiumflow_queue_up", "Queue reachable", value=1.0)
        yield GaugeMetricFamily(
            "stadiumflow_queue_messages", "Inflow messages waiting or leased", value=q.messages
        )
        yield GaugeMetricFamily(
            "stadiumflow_queue_readings", "Readings in the inflow queue", value=q.readings
        )
        age = 0.0 if q.oldest_enqueued_at is None else max(0.0, time.time() - q.oldest_enqueued_at)
        yield GaugeMetricFamily(
            "stadiumflow_queue_oldest_age_seconds", "Age of the oldest queued message", value=age
        )
        yield GaugeMetricFamily(
            "stadiumflow_queue_poisoned", "Messages in the poison store", value=q.poisoned
        )


class Metrics:
    """The metrics of one app, and the hooks that feed them.

    ``accept``, ``reject`` and ``count_request`` are called on the event loop thread only;
    the scrape copies their integers from a worker thread (a dict copy is atomic under
    the GIL).
    """

    def __init__(self, services: Services, worker_stats: WorkerStats | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.stream_clients = Gauge(
            "stadiumflow_event_stream_clients",
            "Open control-feed SSE streams",
            registry=self.registry,
        )
        self._accepted = 0
        self._rejected = dict.fromkeys(REJECT_REASONS, 0)
        self._http: dict[tuple[str, str, int], int] = {}
        stats = worker_stats or services.consumer_stats.snapshot
        self.registry.register(_ScrapeTimeCollector(services, self, stats))

    def accept(self, readings: int) -> None:
        self._accepted += readings

    def reject(self, reason: str) -> None:
        self._rejected[reason] = self._rejected.get(reason, 0) + 1

    def count_request(self, route: str, method: str, status: int) -> None:
        key = (route, method, status)
        self._http[key] = self._http.get(key, 0) + 1

    def request_counts(self) -> Iterator[Metric]:
        yield CounterMetricFamily(
            "stadiumflow_ingest_readings_accepted",
            "Readings durably queued",
            value=float(self._accepted),
        )
        rejected = CounterMetricFamily(
            "stadiumflow_ingest_requests_rejected",
            "Ingest requests refused, by reason",
            labels=["reason"],
        )
        for reason, count in dict(self._rejected).items():
            rejected.add_metric([reason], float(count))
        yield rejected
        http = CounterMetricFamily(
            "stadiumflow_http_requests",
            "HTTP requests by route template, method and status",
            labels=["route", "method", "status"],
        )
        for (route, method, status), count in sorted(dict(self._http).items()):
            http.add_metric([route, method, str(status)], float(count))
        yield http

    async def endpoint(self, request: Request) -> Response:
        # Scrape-time collectors query SQLite: keep them off the event loop.
        body = await run_in_threadpool(generate_latest, self.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
