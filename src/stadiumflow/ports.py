"""The ports: small protocols the services depend on, each with several adapters.

    InflowQueue   durable at-least-once queue of readings  (memory | SQLite | Azure Queue)
    GateStore     gate statuses, windows, history, events, (memory | SQLite | Azure Table)
                  match plans
    WaitModel     features -> wait estimates, in batches    (memory | queueing formula | ONNX
                                                             | following a ModelStore)
    ModelStore    versions of the wait model's files        (memory | folder | Azure Blob)
    AnomalyScorer multivariate anomaly scores, in batches   (memory | local robust
                                                             | SageMaker RCF)
    Clock         the wall clock, injectable for tests      (memory | system)

Every port has an in-memory fake (``adapters.memory``) and one shared contract suite
(``tests/contract``) that all its adapters pass. A protocol lists everything the
services and entry points use of its adapters: nothing is probed with ``getattr``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from stadiumflow.domain.events import ControlEvent, StoredEvent
from stadiumflow.domain.health import ScorerHealth
from stadiumflow.domain.plan import MatchPlan
from stadiumflow.domain.readings import GateKey, Reading
from stadiumflow.domain.status import GateStatus, ProcessedReading, StadiumSummary
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.domain.window import GateWindow, WindowPoint

MAX_DEQUEUE_COUNT = 5
"""A message handed out this many times without an ack goes to the poison store."""


@dataclass(frozen=True, slots=True)
class QueueMessage:
    """A claimed message: some readings, leased to one worker until acked or expired."""

    id: str
    readings: list[Reading]
    dequeue_count: int
    enqueued_at: float  # wall-clock seconds since the epoch
    receipt: str  # proof of the lease: ack and release need it


@dataclass(frozen=True, slots=True)
class QueueStats:
    messages: int  # waiting or leased
    readings: int
    oldest_enqueued_at: float | None
    poisoned: int


@dataclass(frozen=True, slots=True)
class PoisonedMessage:
    id: str
    readings: int
    dequeue_count: int
    poisoned_at: float
    last_error: str | None


class InflowQueue(Protocol):
    def enqueue(self, readings: Sequence[Reading]) -> None:
        """Durably store ``readings``; returns only once they survive a process kill."""

    def enqueue_many(self, batches: Sequence[Sequence[Reading]]) -> None:
        """Durably store several requests' readings at once (one commit where possible).

        All or nothing: when it returns every batch is stored; when it raises, none is.
        """

    def claim(self, max_readings: int, lease_seconds: float) -> list[QueueMessage]:
        """Lease visible messages (at least one if any) holding about ``max_readings``.

        A message already handed out MAX_DEQUEUE_COUNT times moves to the poison store
        instead of being handed out again.
        """

    def ack(self, messages: Sequence[QueueMessage]) -> None:
        """Delete processed messages. A lost lease (expired, re-claimed) is not an error."""

    def release(self, message: QueueMessage, error: str, retry_after: float = 1.0) -> None:
        """Give a failed message back, visible again after ``retry_after`` seconds."""

    def stats(self) -> QueueStats: ...

    def poisoned(self, limit: int = 100) -> list[PoisonedMessage]: ...

    def close(self) -> None:
        """Release connections and clients; the queue is not used afterwards."""


class GateStoreSession(Protocol):
    """One unit of work on the gate store: load windows, then save everything at once."""

    def load_windows(self, gates: Iterable[GateKey]) -> dict[GateKey, GateWindow]: ...

    def load_statuses(self, gates: Iterable[GateKey]) -> dict[GateKey, GateStatus]: ...

    def load_stadium(self, stadium_id: str) -> dict[GateKey, GateStatus]:
        """Every gate status of one stadium, read inside this unit of work."""

    def load_plans(self, stadium_ids: Iterable[str]) -> dict[str, list[MatchPlan]]:
        """The match plans of these stadiums in kickoff order, read inside this unit of
        work; a stadium without plans maps to an empty list."""

    def save(
        self,
        statuses: Sequence[GateStatus],
        history: Sequence[ProcessedReading],
        windows: dict[GateKey, GateWindow],
        events: Sequence[ControlEvent] = (),
    ) -> None:
        """Write atomically where the backend can. A status whose ts is older than the
        stored one is not written; a history row already present is left as it is;
        events are published on the control feed (an outbox in the same transaction
        where the backend allows it)."""


class GateStore(Protocol):
    def session(self) -> AbstractContextManager[GateStoreSession]: ...

    def stadium_statuses(self, stadium_id: str) -> list[GateStatus]:
        """Every gate of one stadium (empty if the stadium is unknown)."""

    def stadiums(self) -> list[StadiumSummary]: ...

    def events(
        self, stadium_id: str | None, *, after: int = 0, limit: int = 500
    ) -> list[StoredEvent]:
        """Control events with id > ``after`` in id order, of one stadium or all."""

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
        """Processed readings of one gate in ts order, ``since <= ts <= until``, ts > after."""

    def save_plan(self, plan: MatchPlan) -> None:
        """Store ``plan``, replacing the plan of the same stadium and kickoff if any."""

    def add_plan(self, plan: MatchPlan) -> bool:
        """Store ``plan`` unless the store holds one of the same stadium and kickoff
        (atomically: a concurrent ``save_plan`` is never overwritten). True if stored."""

    def plans(self, stadium_id: str) -> list[MatchPlan]:
        """The stadium's plans in kickoff order (empty if it has none)."""

    def delete_plans(self, stadium_id: str, kickoff: datetime | None = None) -> int:
        """Delete the plan at ``kickoff``, or every plan of the stadium when None;
        returns how many were deleted."""

    def close(self) -> None:
        """Release connections and clients; the store is not used afterwards."""


class WaitModel(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def is_fallback(self) -> bool:
        """True when waits come from a stand-in (the queueing formula), not a trained model."""

    @property
    def fallback_reason(self) -> str | None:
        """Why a stand-in serves in place of the trained model (None when none does, or
        when the formula was chosen on purpose)."""

    def predict(self, rows: Sequence[Sequence[float]]) -> list[WaitEstimate]:
        """One estimate per feature row, in order, computed in one batch."""

    def maybe_reload(self) -> bool:
        """Swap to a newer version if one is due and loads (cheap: called between
        batches). True if the model in service changed; a model that follows nothing
        returns False."""


class ModelStore(Protocol):
    """Versions of the wait model: a local folder, or the Azure Blob container ml-models.

    A version is a set of named files (``model.onnx``, ``metadata.json``); versions sort
    as strings, the greatest being the newest.
    """

    def latest_version(self) -> str | None: ...

    def load(self, version: str) -> dict[str, bytes]: ...

    def save(self, version: str, files: dict[str, bytes]) -> None: ...


class AnomalyScorer(Protocol):
    """Multivariate anomaly scores, one per gate window, in one batch.

    Scores are normalised: about 0 when normal, above 3 alarming. The local scorer uses
    robust statistics; the SageMaker one a Random Cut Forest endpoint, normalised by
    the mean and deviation of its recent scores.
    """

    @property
    def name(self) -> str: ...

    @property
    def is_fallback(self) -> bool:
        """True while the last batch was scored by a stand-in (the endpoint failing)."""

    def score(self, windows: Sequence[Sequence[WindowPoint]]) -> list[float]:
        """One finite score per window, in order; never raises for a remote failure."""

    def health(self) -> ScorerHealth: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class SystemClock:
    """Clock port: the machine's wall clock, the one every home runs on."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def iter_readings(messages: Iterable[QueueMessage]) -> Iterator[Reading]:
    for message in messages:
        yield from message.readings
