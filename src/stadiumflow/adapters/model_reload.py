"""A wait model that follows the model store: loaded at start-up, swapped when a new
version appears (a local folder, or the Azure Blob container ``ml-models``).

Until the store holds a version that loads, the shipped model (or its fallback) serves.
A version that fails to load is logged and skipped; the model in service stays.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from stadiumflow.domain.errors import ModelUnavailable
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.ports import ModelStore, WaitModel

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 60.0


class StoreFollowingWaitModel:
    """WaitModel port: delegates to the current model; ``maybe_reload()`` between batches
    swaps it for the store's newest version."""

    def __init__(
        self,
        store: ModelStore,
        load: Callable[[dict[str, bytes]], WaitModel],
        initial: WaitModel,
        *,
        check_every: float = CHECK_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._load = load
        self.current = initial
        self._check_every = check_every
        self._clock = clock
        self._next_check = 0.0
        self._skipped: set[str] = set()
        self.reloads = 0
        self.maybe_reload()

    @property
    def name(self) -> str:
        return self.current.name

    @property
    def version(self) -> str:
        return self.current.version

    @property
    def is_fallback(self) -> bool:
        return self.current.is_fallback

    @property
    def fallback_reason(self) -> str | None:
        return self.current.fallback_reason

    def predict(self, rows: Sequence[Sequence[float]]) -> list[WaitEstimate]:
        return self.current.predict(rows)

    def maybe_reload(self) -> bool:
        """Swap to the store's newest version if it is new and loads. True if swapped."""
        now = self._clock()
        if now < self._next_check:
            return False
        self._next_check = now + self._check_every
        try:
            version = self._store.latest_version()
        except Exception:  # a store outage must not stop predictions: keep the model
            log.exception("model store unreachable; keeping %s", self.current.version)
            return False
        if version is None or version in self._skipped or version == self.current.version:
            return False
        try:
            model = self._load(self._store.load(version))
        except ModelUnavailable as exc:
            self._skipped.add(version)
            log.error(
                "model version %s unusable (%s); keeping %s", version, exc, self.current.version
            )
            return False
        log.info("wait model %s -> %s", self.current.version, model.version)
        self.current = model
        self.reloads += 1
        return True
