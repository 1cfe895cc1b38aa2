"""In-memory fakes of the model ports: a wait model and an anomaly scorer, deterministic,
in process, and recording what they were given, for unit tests.

They pass the same contract suites as the real adapters (``tests/contract``).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from stadiumflow.domain.features import wait_base
from stadiumflow.domain.health import ScorerHealth
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.domain.window import WindowPoint

Estimator = Callable[[Sequence[float]], WaitEstimate]
"""One feature row -> its estimate."""

INTERVAL_SHARE = 0.25
JUMP_ALLOWANCE = 2.0  # robust deviations of a window's queue that score nothing


def base_with_interval(row: Sequence[float]) -> WaitEstimate:
    """The queueing base (:func:`wait_base`), +-25 % as its interval, the same in 15 min.

    >>> base_with_interval([0.0] * 17)
    WaitEstimate(wait=0.0, low=0.0, high=0.0, in_15=0.0)
    """
    wait = wait_base(row)
    return WaitEstimate(wait, wait * (1 - INTERVAL_SHARE), wait * (1 + INTERVAL_SHARE), wait)


class MemoryWaitModel:
    """WaitModel fake: ``estimate`` applied to each row (by default :func:`base_with_interval`).

    Pass ``estimate`` for a fixed answer, or one that raises on a given row; pass
    ``fallback_reason`` to make it a stand-in. ``batches`` holds the rows of every
    ``predict`` call; ``reload_checks`` counts the calls to ``maybe_reload``.
    """

    def __init__(
        self,
        estimate: Estimator = base_with_interval,
        *,
        name: str = "memory",
        version: str = "memory-1",
        fallback_reason: str | None = None,
    ) -> None:
        self._estimate = estimate
        self.name = name
        self.version = version
        self.fallback_reason = fallback_reason
        self.batches: list[list[list[float]]] = []
        self.reload_checks = 0

    @property
    def is_fallback(self) -> bool:
        return self.fallback_reason is not None

    def predict(self, rows: Sequence[Sequence[float]]) -> list[WaitEstimate]:
        self.batches.append([list(row) for row in rows])
        return [self._estimate(row) for row in rows]

    def maybe_reload(self) -> bool:
        self.reload_checks += 1
        return False  # one version only


def queue_jump(points: Sequence[WindowPoint]) -> float:
    """How far the newest queue stands above the rest of the window, in robust
    deviations past an allowance: 0 for a steady gate, large for a queue that jumps."""
    if len(points) < 3:
        return 0.0
    earlier = [float(p.queue_length) for p in points[:-1]]
    centre = statistics.median(earlier)
    spread = statistics.median([abs(q - centre) for q in earlier]) * 1.4826
    scale = max(spread, 0.1 * centre, 1.0)
    return max(0.0, (points[-1].queue_length - centre) / scale - JUMP_ALLOWANCE)


class MemoryScorer:
    """AnomalyScorer fake: :func:`queue_jump` of each window; ``batches`` counts the
    windows of every ``score`` call."""

    name = "memory"
    is_fallback = False

    def __init__(self) -> None:
        self.batches: list[int] = []

    def score(self, windows: Sequence[Sequence[WindowPoint]]) -> list[float]:
        self.batches.append(len(windows))
        return [queue_jump(points) for points in windows]

    def health(self) -> ScorerHealth:
        return ScorerHealth(self.name, self.is_fallback)
