"""Per-fan service times at a turnstile, drawn in vectorised blocks from a gate's own RNG.

Drawing numpy scalars one at a time costs microseconds each; a match day serves tens
of thousands of fans per gate, so samplers pre-draw blocks and hand them out.
"""

from __future__ import annotations

import math

import numpy as np

from stadiumflow.simulation.params import ServiceFamily, ServiceSpec

BLOCK_SIZE = 2048  # service times drawn per refill


def draw_service_seconds(spec: ServiceSpec, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` service times (seconds) from ``spec``; the mean is ``spec.mean_seconds``.

    >>> rng = np.random.default_rng(1)
    >>> spec = ServiceSpec(ServiceFamily.GAMMA, mean_seconds=5.0, cv=0.5, min_seconds=0.0)
    >>> round(float(draw_service_seconds(spec, rng, 200_000).mean()), 1)
    5.0
    """
    mean = spec.mean_seconds
    cv = max(spec.cv, 0.0)
    family = spec.family
    if family is ServiceFamily.DETERMINISTIC or (
        cv == 0.0 and family is not ServiceFamily.BAG_CHECK
    ):
        out = np.full(n, mean)
    elif family is ServiceFamily.EXPONENTIAL:
        out = rng.exponential(mean, n)
    elif family is ServiceFamily.GAMMA:
        out = rng.gamma(1.0 / cv**2, mean * cv**2, n)
    elif family is ServiceFamily.LOGNORMAL:
        out = _lognormal(rng, mean, cv, n)
    else:  # BAG_CHECK: a fast scan for everyone, a bag search for some
        extra = min(spec.bag_extra_seconds, 0.8 * mean / max(spec.bag_share, 1e-9))
        scan_mean = mean - spec.bag_share * extra
        out = _lognormal(rng, scan_mean, cv, n) if cv > 0 else np.full(n, scan_mean)
        searched = rng.random(n) < spec.bag_share
        out = out + np.where(searched, rng.exponential(max(extra, 1e-9), n), 0.0)
    if spec.min_seconds > 0:
        out = np.maximum(out, spec.min_seconds)
    return out


def _lognormal(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    sigma2 = math.log1p(cv * cv)
    return rng.lognormal(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2), n)


class ServiceSampler:
    """Hands out one service time at a time from pre-drawn blocks (one per gate)."""

    __slots__ = ("_block", "_i", "rng", "spec")

    def __init__(self, spec: ServiceSpec, rng: np.random.Generator) -> None:
        self.spec = spec
        self.rng = rng
        self._block: list[float] = []
        self._i = 0

    def next(self) -> float:
        if self._i >= len(self._block):
            self._block = draw_service_seconds(self.spec, self.rng, BLOCK_SIZE).tolist()
            self._i = 0
        value = self._block[self._i]
        self._i += 1
        return value
