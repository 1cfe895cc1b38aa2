"""A circuit breaker and jittered backoff for calls to a remote service.

Why: the worker scores every batch. When a remote scorer is down, retrying it on every
batch would stall each one by the full timeout budget; after a few consecutive failures
the breaker opens and callers skip the remote entirely (falling back at once) until a
cool-down has passed, then let one probe through (half-open) to see if it recovered.

Time is a parameter (``clock``), so tests and simulations control it.

>>> now = [0.0]
>>> breaker = CircuitBreaker(failure_threshold=2, cool_down=10.0, clock=lambda: now[0])
>>> breaker.record_failure(); breaker.record_failure(); breaker.state
'open'
>>> breaker.allow()
False
>>> now[0] = 10.0
>>> breaker.allow(), breaker.state
(True, 'half-open')
>>> breaker.record_success(); breaker.state
'closed'
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    """Consecutive-failure breaker: closed -> open -> half-open -> closed (or open again).

    In half-open state exactly one call is let through; its outcome decides the state.
    Thread-safe, so a health endpoint can read the state while the worker records.
    """

    def __init__(
        self,
        failure_threshold: int = 3,
        cool_down: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or cool_down < 0:
            raise ValueError("failure_threshold must be >= 1 and cool_down >= 0")
        self.failure_threshold = failure_threshold
        self.cool_down = cool_down
        self._clock = clock
        self._lock = threading.Lock()
        self._state: State = "closed"
        self._consecutive = 0
        self._opened_at = 0.0
        self._probing = False

    @property
    def state(self) -> State:
        with self._lock:
            return self._state

    @property
    def consecutive_failures(self) -> int:
        with self._lock:
            return self._consecutive

    def allow(self) -> bool:
        """May a call go out now? Moves open -> half-open once the cool-down is over."""
        with self._lock:
            if self._state == "closed":
                return True
            if self._state == "open" and self._clock() - self._opened_at >= self.cool_down:
                self._state = "half-open"
                self._probing = False
            if self._state == "half-open" and not self._probing:
                self._probing = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._state = "closed"
            self._consecutive = 0
            self._probing = False

    def record_failure(self) -> None:
        """One failed call. A failed half-open probe reopens at once, for a new cool-down."""
        with self._lock:
            self._consecutive += 1
            self._probing = False
            if self._state == "half-open" or self._consecutive >= self.failure_threshold:
                self._state = "open"
                self._opened_at = self._clock()

    def seconds_until_probe(self) -> float:
        """How long until an open breaker lets a probe through (0 unless open)."""
        with self._lock:
            if self._state != "open":
                return 0.0
            return max(0.0, self.cool_down - (self._clock() - self._opened_at))


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number ``attempt`` (1, 2, ...): "full jitter".

    A uniform draw in [0, min(cap, base * 2**(attempt-1))]: exponential growth bounds the
    load on a struggling service, and the jitter keeps several workers from retrying in
    lock-step.

    >>> 0.0 <= backoff_delay(3, 0.1, 1.0, random.Random(0)) <= 0.4
    True
    """
    return rng.uniform(0.0, min(cap, base * 2 ** max(attempt - 1, 0)))
