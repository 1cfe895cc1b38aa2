"""Limits on callers: token buckets per caller, in bounded memory (the requests-per-second
limit on ingest), and deadlines for request bodies.

A bucket holds up to ``burst`` tokens and refills at ``rate`` per second; a request takes
one. A turnstile that reports every minute never comes near the limit; a runaway device
or a flood from one address is cut off with 429 and told when to retry, without slowing
anyone else.

Memory is bounded by ``max_buckets``: buckets live in an ordered dict kept in
least-recently-used order. A bucket idle long enough to be full again carries no
information (a fresh one is identical), so it is dropped as soon as it reaches the front;
when the dict is still full, the least recently used bucket goes. Each call looks at one
or two entries at most, so the cost stays flat however many callers there are.

>>> now = [0.0]
>>> buckets = TokenBuckets(rate=1.0, burst=2.0, clock=lambda: now[0])
>>> [buckets.take("a") for _ in range(3)]
[0.0, 0.0, 1.0]
>>> now[0] = 1.0
>>> buckets.take("a")
0.0
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

DEFAULT_MAX_BUCKETS = 10_000


class TokenBuckets:
    """One token bucket per key (a device key's digest, or a client address)."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_buckets: int = DEFAULT_MAX_BUCKETS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._max = max_buckets
        self._clock = clock
        self._refill_seconds = burst / rate
        # key -> [tokens, last refill time]; a list, to update in place without a new object.
        self._buckets: OrderedDict[Hashable, list[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: Hashable) -> float:
        """Take a token for ``key``: 0.0 when allowed, else the seconds until one is due."""
        now = self._clock()
        buckets = self._buckets
        bucket = buckets.get(key)
        if bucket is None:
            self._evict(now)
            bucket = [self.burst, now]
            buckets[key] = bucket
        else:
            buckets.move_to_end(key)
            tokens = bucket[0] + (now - bucket[1]) * self.rate
            bucket[0] = tokens if tokens < self.burst else self.burst
            bucket[1] = now
        if bucket[0] >= 1.0:
            bucket[0] -= 1.0
            return 0.0
        return (1.0 - bucket[0]) / self.rate

    def _evict(self, now: float) -> None:
        """Before adding a bucket: drop the oldest if it is full again, or if there is no room."""
        buckets = self._buckets
        if not buckets:
            return
        oldest_key = next(iter(buckets))
        if now - buckets[oldest_key][1] >= self._refill_seconds or len(buckets) >= self._max:
            del buckets[oldest_key]


class BodyDeadlines:
    """Requests whose body is still arriving, and one sweeper per event loop that cancels
    those past their deadline.

    A periodic sweep rather than a timer per request: arming and cancelling a timer costs
    more than a dict insert and pop, on the path benchmarked against a bare endpoint. A
    deadline fires up to a quarter of it (at most 1 s) late, which does not matter here.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.inflight: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self._interval = min(1.0, timeout / 4)
        self._loop: asyncio.AbstractEventLoop | None = None

    def arm(self, task: asyncio.Task[Any]) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # first request, or a new loop (tests run several)
            self._loop = loop
            loop.call_later(self._interval, self._sweep, loop)
        self.inflight[task] = loop.time() + self.timeout

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:
            return
        now = loop.time()
        overdue = [task for task, deadline in self.inflight.items() if deadline <= now]
        for task in overdue:
            del self.inflight[task]
            self.expired.add(task)
            task.cancel()
        loop.call_later(self._interval, self._sweep, loop)
