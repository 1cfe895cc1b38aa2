"""bootstrap: what is passed in is what the services use."""

from __future__ import annotations

from datetime import timedelta

from starlette.testclient import TestClient

from stadiumflow.adapters.memory import MemoryClock, MemoryGateStore, MemoryQueue, MemoryWaitModel
from stadiumflow.bootstrap import bootstrap
from stadiumflow.config import Settings
from stadiumflow.domain.health import ScorerHealth, ScorerInService, WaitModelHealth
from stadiumflow.entrypoints.http.app import create_app
from stadiumflow.entrypoints.wire import format_ts


class ClosingQueue(MemoryQueue):
    closed = False

    def close(self) -> None:
        self.closed = True


class ClosingStore(MemoryGateStore):
    closed = False

    def close(self) -> None:
        self.closed = True


def reading_at(ts) -> dict[str, object]:
    return {
        "stadiumId": "AGADIR",
        "gateId": "G1",
        "ts": format_ts(ts),
        "perMinuteCount": 40,
        "avgProcessingTime": 3.0,
        "queueLength": 80,
    }


def test_an_injected_clock_is_the_one_ingest_judges_event_times_by():
    clock = MemoryClock()
    services = bootstrap(Settings(backend="memory"), model=MemoryWaitModel(), clock=clock)
    assert services.clock is clock
    with TestClient(create_app(services, run_worker=False)) as client:
        ok = client.post("/api/flow/ingest", json=reading_at(clock.now()))
        ahead = client.post("/api/flow/ingest", json=reading_at(clock.now() + timedelta(hours=1)))
    assert ok.status_code == 202  # in 2025, whatever the machine's date
    assert ahead.status_code == 400 and "ahead of the server clock" in ahead.json()["message"]


def test_health_snapshots_are_typed_and_close_reaches_every_resource():
    queue, store = ClosingQueue(), ClosingStore()
    model = MemoryWaitModel(fallback_reason="ModelUnavailable: test")
    settings = Settings(backend="memory", sagemaker_endpoint_name=None)
    services = bootstrap(settings, queue=queue, store=store, model=model)
    assert services.model_health() == WaitModelHealth(
        "memory", "memory-1", True, "ModelUnavailable: test"
    )
    assert services.scorer_health() == ScorerInService(ScorerHealth("local-robust", False), None)
    services.close()
    assert queue.closed and store.closed
