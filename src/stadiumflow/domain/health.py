"""What the wait model and the anomaly scorer in service say of themselves.

Typed snapshots, snake_case like the rest of the core: /readyz, the worker's heartbeat
and /metrics turn them into camelCase JSON at the edge (``entrypoints/health.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WaitModelHealth:
    """The wait model in service; ``fallback_reason`` says why a stand-in serves."""

    name: str
    version: str
    fallback: bool
    fallback_reason: str | None


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    """A remote scoring endpoint: its circuit breaker, counters, and score calibration."""

    endpoint: str
    state: str  # of the circuit breaker: closed, open, half-open
    batches: int
    calls: int
    failures: int
    retries: int
    fallbacks: int  # batches scored locally instead
    consecutive_failures: int
    seconds_until_probe: float
    last_error: str | None  # short and safe to show: an error code or type
    last_latency_ms: float | None
    warming_up: bool  # too few scores seen yet to normalise: every score is 0
    scores_seen: int
    warmup_scores: int
    raw_threshold: float | None


@dataclass(frozen=True, slots=True)
class ScorerHealth:
    """An anomaly scorer; ``endpoint`` is None for one that runs in process."""

    name: str
    fallback: bool
    endpoint: EndpointHealth | None = None


@dataclass(frozen=True, slots=True)
class ScorerInService:
    """The scorer in service, beside the endpoint the settings asked for (which may be
    unusable, the local scorer then serving)."""

    scorer: ScorerHealth
    configured_endpoint: str | None
