"""Ground truth from the fans' own records: what a fan joining the queue at t waited.

wait_at(t) is the mean queueing time (join -> reaching a turnstile), in minutes, of the
fans who joined the gate's queue in [t, t + 60 s): a fan who joins "now", as the status
API promises. When nobody joined in that minute, it is the wait of the next fan to join
within ``LOOKAHEAD_SECONDS`` (the best proxy for a hypothetical fan), else 0 (an idle gate).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from stadiumflow.simulation.params import SECONDS_PER_MINUTE

FORECAST_HORIZON_SECONDS = 15 * 60.0  # wait_true_in_15: the truth 15 minutes ahead
FORECAST_30_SECONDS = 30 * 60.0  # wait_true_in_30: and 30 minutes ahead
LOOKAHEAD_SECONDS = 10 * 60.0


class WaitTruth:
    """The waits of one gate's fans, indexed by join time, queried per minute."""

    def __init__(self, join_times: Sequence[float], waits: Sequence[float]) -> None:
        joins = np.asarray(join_times, dtype=float)
        order = np.argsort(joins, kind="stable")
        self.joins = joins[order]
        self.waits = np.asarray(waits, dtype=float)[order]
        self._cumsum = np.concatenate([[0.0], np.cumsum(self.waits)])

    def wait_at(self, t: Sequence[float] | np.ndarray) -> np.ndarray:
        """Minutes waited by fans joining in [t, t + 60 s), for each t (see module doc).

        >>> truth = WaitTruth([10.0, 20.0, 130.0], [60.0, 120.0, 30.0])
        >>> truth.wait_at([0.0, 60.0, 200.0]).tolist()
        [1.5, 0.5, 0.0]
        """
        starts = np.asarray(t, dtype=float)
        lo = np.searchsorted(self.joins, starts, side="left")
        hi = np.searchsorted(self.joins, starts + SECONDS_PER_MINUTE, side="left")
        count = hi - lo
        total = self._cumsum[hi] - self._cumsum[lo]
        mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        n = len(self.joins)
        nxt = np.minimum(hi, max(n - 1, 0))
        if n:
            soon = (hi < n) & (self.joins[nxt] < starts + LOOKAHEAD_SECONDS)
            proxy = np.where(soon, self.waits[nxt], 0.0)
        else:
            proxy = np.zeros_like(starts)
        return np.where(count > 0, mean, proxy) / SECONDS_PER_MINUTE

    def mean_wait_minutes(self) -> float:
        return float(self.waits.mean() / SECONDS_PER_MINUTE) if len(self.waits) else 0.0

    def percentile_wait_minutes(self, q: float) -> float:
        if not len(self.waits):
            return 0.0
        return float(np.percentile(self.waits, q) / SECONDS_PER_MINUTE)
