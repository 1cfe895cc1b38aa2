"""The one place that turns Settings into adapters and services."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from stadiumflow.config import Settings
from stadiumflow.domain.advice import LayoutLookup, no_layout
from stadiumflow.domain.errors import ModelUnavailable
from stadiumflow.domain.health import ScorerInService, WaitModelHealth
from stadiumflow.domain.multivariate import LocalRobustScorer
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.ports import (
    AnomalyScorer,
    Clock,
    GateStore,
    InflowQueue,
    ModelStore,
    SystemClock,
    WaitModel,
)
from stadiumflow.services.consume import ConsumerStats
from stadiumflow.services.plans import seed_plans

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything an entry point needs, built once."""

    settings: Settings
    queue: InflowQueue
    store: GateStore
    model: WaitModel
    clock: Clock
    consumer_stats: ConsumerStats = field(default_factory=ConsumerStats)
    scorer: AnomalyScorer = field(default_factory=LocalRobustScorer)
    layouts: LayoutLookup = field(default=no_layout)

    def model_health(self) -> WaitModelHealth:
        """The wait model in service, as /readyz and the worker heartbeat show it."""
        m = self.model
        return WaitModelHealth(m.name, m.version, m.is_fallback, m.fallback_reason)

    def scorer_health(self) -> ScorerInService:
        """The anomaly scorer in service (and its endpoint's breaker, if it has one)."""
        return ScorerInService(self.scorer.health(), self.settings.sagemaker_endpoint_name)

    def close(self) -> None:
        self.queue.close()
        self.store.close()


def _build_storage(settings: Settings) -> tuple[InflowQueue, GateStore]:
    if settings.backend == "memory":
        from stadiumflow.adapters.memory import MemoryGateStore, MemoryQueue

        return MemoryQueue(), MemoryGateStore()
    if settings.backend == "sqlite":
        from stadiumflow.adapters.sqlite.queue import SqliteQueue
        from stadiumflow.adapters.sqlite.store import SqliteGateStore

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return (
            SqliteQueue(
                settings.data_dir / "queue.sqlite3", synchronous=settings.sqlite_synchronous
            ),
            SqliteGateStore(
                settings.data_dir / "gates.sqlite3", synchronous=settings.sqlite_synchronous
            ),
        )
    if settings.backend == "azure":
        from stadiumflow.adapters.azure.storage import build_azure_storage

        return build_azure_storage(settings)
    raise ValueError(f"unknown backend {settings.backend!r}")


def shipped_model_dir() -> Path:
    """The model that ships inside the package, so a fresh install predicts."""
    return Path(str(resources.files("stadiumflow") / "models" / "wait"))


def load_wait_model(directory: Path) -> WaitModel:
    """The trained model in ``directory``, or the queueing formula if it cannot be used.

    The fallback is explicit: logged as an error, and visible in /readyz and in every
    gate's status (its ``model`` reads ``fallback:...``).
    """
    from stadiumflow.adapters.onnx_model import METADATA_FILE, MODEL_FILE, OnnxWaitModel

    try:
        files = {name: (directory / name).read_bytes() for name in (MODEL_FILE, METADATA_FILE)}
        model: WaitModel = OnnxWaitModel.from_files(files)
    except (OSError, ModelUnavailable) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        log.error(
            "wait model in %s unusable, falling back to the queueing formula: %s", directory, reason
        )
        return QueueingWaitModel(reason=reason)
    return model


def build_scorer(settings: Settings) -> AnomalyScorer:
    """SageMaker RCF when SAGEMAKER_ENDPOINT_NAME is set, else the local robust scorer."""
    endpoint = settings.sagemaker_endpoint_name
    if not endpoint:
        return LocalRobustScorer()
    from botocore.exceptions import BotoCoreError

    from stadiumflow.adapters.sagemaker.rcf import SageMakerRcfScorer, build_runtime_client

    try:
        client = build_runtime_client()
    except BotoCoreError as exc:  # e.g. no region: explicit, logged, visible in /readyz
        log.error(
            "SageMaker endpoint %s unusable (%s): using the local anomaly scorer",
            endpoint,
            type(exc).__name__,
        )
        return LocalRobustScorer()
    log.info("anomaly scorer: SageMaker RCF endpoint %s", endpoint)
    return SageMakerRcfScorer(endpoint, client)


def build_model_store(settings: Settings) -> ModelStore | None:
    """Where new model versions are published: ml-models on Azure, a folder otherwise."""
    if settings.backend == "azure":
        from stadiumflow.adapters.azure.blob import AzureBlobModelStore

        if not settings.azure_storage_connection:
            return None
        store = AzureBlobModelStore.from_connection_string(
            settings.azure_storage_connection, settings.blob_container_models
        )
        store.create()
        return store
    if settings.backend == "sqlite":
        from stadiumflow.adapters.model_folder import FolderModelStore

        return FolderModelStore(settings.data_dir / "models")
    return None


def follow_model_store(settings: Settings, initial: WaitModel) -> WaitModel:
    """The initial model, swapped for the store's newest version when one appears."""
    store = build_model_store(settings)
    if store is None:
        return initial
    from stadiumflow.adapters.model_reload import StoreFollowingWaitModel
    from stadiumflow.adapters.onnx_model import OnnxWaitModel

    return StoreFollowingWaitModel(store, OnnxWaitModel.from_files, initial)


def bootstrap(
    settings: Settings,
    *,
    queue: InflowQueue | None = None,
    store: GateStore | None = None,
    model: WaitModel | None = None,
    scorer: AnomalyScorer | None = None,
    clock: Clock | None = None,
) -> Services:
    """Build the services from settings; any adapter may be passed in instead (tests).

    Start-up work happens here, once per process of every home (server, worker, Functions
    worker): the Azure queues and tables are created, and the layouts' match plans are
    saved into the store where it holds none at their kickoff.
    """
    if queue is None or store is None:
        built_queue, built_store = _build_storage(settings)
        queue = queue or built_queue
        store = store or built_store
    if model is None:
        model = follow_model_store(
            settings, load_wait_model(settings.model_dir or shipped_model_dir())
        )
    log.info("wait model: %s (%s)", model.name, model.version)
    from stadiumflow.layouts.catalog import LayoutCatalog

    layouts = LayoutCatalog.from_dir(settings.layout_dir)
    seed_plans(store, layouts.plans())
    return Services(
        settings,
        queue,
        store,
        model,
        clock or SystemClock(),
        scorer=scorer or build_scorer(settings),
        layouts=layouts,
    )
