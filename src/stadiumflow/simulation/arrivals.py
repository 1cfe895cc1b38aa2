"""When fans reach each gate: sector demand split over gates, times from an arrival curve.

Arrival times are drawn up front, vectorised, per gate (seconds since gates open, sorted);
surges add extra fans inside their window. Redirection and balking happen later, live,
when each fan reaches the gate (see ``stadium.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from stadiumflow.domain.layout import StadiumLayout
from stadiumflow.simulation.params import SECONDS_PER_MINUTE, ArrivalCurve, MatchDayParams

EARLY_UNTIL_MINUTES_BEFORE = 90.0  # early fans arrive between opening and this
LATE_FROM_MINUTES_BEFORE = 15.0  # late fans arrive between this and after kickoff


def gate_demand(
    layout: StadiumLayout, params: MatchDayParams, rng: np.random.Generator
) -> dict[str, float]:
    """Expected fans per gate: each sector's fans split over the gates that serve it.

    The split follows each gate's ``attraction``, disturbed by a lognormal factor of
    spread ``params.demand_spread`` so that no two match days load gates alike.
    """
    demand = {g.gate_id: 0.0 for g in layout.gates}
    for sector in layout.sectors:
        gates = layout.gates_serving(sector.sector_id)
        noise = rng.lognormal(0.0, params.demand_spread, len(gates)) if params.demand_spread else 1
        weights = np.array([g.attraction for g in gates]) * noise
        fans = sector.seats * params.attendance
        for gate, share in zip(gates, weights / weights.sum(), strict=True):
            demand[gate.gate_id] += fans * float(share)
    return demand


def sample_minutes_before(
    n: int, curve: ArrivalCurve, open_minutes_before: float, rng: np.random.Generator
) -> np.ndarray:
    """``n`` arrival times in minutes before kickoff (negative: after kickoff)."""
    kind = rng.random(n)
    scale = max(curve.peak_minutes_before - curve.floor_minutes, 1.0) / max(curve.shape - 1, 0.2)
    main = curve.floor_minutes + rng.gamma(curve.shape, scale, n)
    early = rng.uniform(EARLY_UNTIL_MINUTES_BEFORE, open_minutes_before, n)
    late = rng.uniform(-curve.late_until_minutes_after, LATE_FROM_MINUTES_BEFORE, n)
    out = np.where(kind < curve.early_share, early, main)
    out = np.where(kind > 1.0 - curve.late_share, late, out)
    return np.clip(out, -curve.late_until_minutes_after, open_minutes_before)


def curve_arrival_seconds(
    expected_fans: float,
    curve: ArrivalCurve,
    open_minutes_before: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Sorted arrival times (seconds since gates open) of one gate's fans."""
    n = int(rng.poisson(max(expected_fans, 0.0)))
    shift = rng.normal(0.0, curve.gate_peak_jitter_minutes) if curve.gate_peak_jitter_minutes else 0
    before = sample_minutes_before(n, curve, open_minutes_before, rng) + shift
    before = np.clip(before, -curve.late_until_minutes_after, open_minutes_before)
    return np.sort((open_minutes_before - before) * SECONDS_PER_MINUTE)


_GRID_MINUTES = 0.05  # resolution of the expected arrival curve


def expected_arrival_shares(curve: ArrivalCurve, open_minutes_before: float) -> np.ndarray:
    """The share of a gate's fans expected to arrive in each minute after the gates open.

    What ``curve_arrival_seconds`` draws from, in expectation: the early, main (gamma) and
    late parts, clipped to the day's span like the draws, and averaged over the gate's
    unknown peak shift (normal, ``gate_peak_jitter_minutes``). Surges are incidents, not
    part of the curve.

    >>> shares = expected_arrival_shares(ArrivalCurve(), 180.0)
    >>> len(shares), round(float(shares.sum()), 6), int(shares.argmax())  # peak 45 min before
    (201, 1.0, 134)
    """
    late_until = curve.late_until_minutes_after
    span = open_minutes_before + late_until
    before = np.arange(0.0, span + _GRID_MINUTES / 2, _GRID_MINUTES) - late_until
    main = np.zeros_like(before)
    scale = max(curve.peak_minutes_before - curve.floor_minutes, 1.0) / max(curve.shape - 1, 0.2)
    x = before - curve.floor_minutes
    positive = x > 0
    main[positive] = np.exp(
        (curve.shape - 1) * np.log(x[positive])
        - x[positive] / scale
        - math.lgamma(curve.shape)
        - curve.shape * math.log(scale)
    )
    main *= _GRID_MINUTES
    main[-1] += max(1.0 - main.sum(), 0.0)  # the tail past opening is clipped to opening
    early = _uniform(before, EARLY_UNTIL_MINUTES_BEFORE, open_minutes_before)
    late = _uniform(before, -late_until, LATE_FROM_MINUTES_BEFORE)
    main_share = 1.0 - curve.early_share - curve.late_share
    mass = main_share * main / main.sum() + curve.early_share * early + curve.late_share * late
    if curve.gate_peak_jitter_minutes:
        sd = curve.gate_peak_jitter_minutes
        offsets = np.arange(-4 * sd, 4 * sd + _GRID_MINUTES / 2, _GRID_MINUTES)
        kernel = np.exp(-0.5 * (offsets / sd) ** 2)
        spread = np.convolve(mass, kernel / kernel.sum())
        edge = len(offsets) // 2
        mass = spread[edge : edge + len(before)].copy()
        mass[0] += spread[:edge].sum()  # shifted past the ends: clipped to them, as drawn
        mass[-1] += spread[edge + len(before) :].sum()
    minute = np.clip(np.floor(open_minutes_before - before).astype(int), 0, math.ceil(span))
    counts = np.bincount(minute, weights=mass, minlength=math.ceil(span) + 1)
    shares: np.ndarray = counts / counts.sum()
    return shares


def _uniform(grid: np.ndarray, low: float, high: float) -> np.ndarray:
    """Unit mass spread evenly over the grid points in [low, high]."""
    inside = (grid >= min(low, high)) & (grid <= max(low, high))
    if not inside.any():
        inside = np.abs(grid - low) == np.abs(grid - low).min()
    found: np.ndarray = inside / inside.sum()
    return found


def add_surge(
    times: np.ndarray,
    start_s: float,
    end_s: float,
    multiplier: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Arrivals inside [start_s, end_s) multiplied by ``multiplier`` (extra fans added)."""
    inside = int(np.searchsorted(times, end_s) - np.searchsorted(times, start_s))
    baseline = max(inside, (end_s - start_s) / SECONDS_PER_MINUTE)  # a surge on a quiet gate
    extra = rng.uniform(start_s, end_s, int(rng.poisson(baseline * (multiplier - 1.0))))
    return np.sort(np.concatenate([times, extra]))


def rate_arrival_seconds(
    rates_per_minute: Sequence[float] | np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Sorted Poisson arrival times for piecewise-constant rates, one rate per minute.

    >>> times = rate_arrival_seconds([0.0, 600.0], np.random.default_rng(3))
    >>> bool(times.min() >= 60.0), 500 < len(times) < 700
    (True, True)
    """
    rates = np.asarray(rates_per_minute, dtype=float)
    counts = rng.poisson(np.clip(rates, 0.0, None))
    starts = np.repeat(np.arange(len(rates)) * SECONDS_PER_MINUTE, counts)
    return np.sort(starts + rng.uniform(0.0, SECONDS_PER_MINUTE, len(starts)))
