"""The simulator agrees with queueing theory: M/M/c mean waits against Erlang C."""

from __future__ import annotations

import pytest

from stadiumflow.simulation.params import ServiceFamily, ServiceSpec
from stadiumflow.simulation.stationary import erlang_c_mean_wait, poisson_arrivals, run_gate

FANS = 450_000  # per case: the mean's standard error is ~1% at these loads (3% = 3 sigma)
WARMUP_SECONDS = 3_000.0


@pytest.mark.parametrize(
    ("lanes", "utilisation", "service_mean"),
    [(1, 0.6, 4.0), (2, 0.7, 5.0), (4, 0.75, 4.0)],
)
def test_mean_wait_matches_erlang_c(lanes: int, utilisation: float, service_mean: float) -> None:
    rate = utilisation * lanes / service_mean  # fans per second
    spec = ServiceSpec(ServiceFamily.EXPONENTIAL, service_mean, 1.0, min_seconds=0.0)
    run = run_gate(poisson_arrivals(rate, FANS / rate, seed=lanes), lanes, spec, seed=100 + lanes)
    expected = erlang_c_mean_wait(rate, service_mean, lanes)
    measured = float(run.after(WARMUP_SECONDS).mean())
    assert measured == pytest.approx(expected, rel=0.03)


def test_erlang_c_known_values() -> None:
    # M/M/1: Wq = rho / (mu - lambda); M/M/2 with a = 1: P(wait) = 1/3, Wq = 1/3 * 1 / (2 - 1)
    assert erlang_c_mean_wait(0.8, 1.0, 1) == pytest.approx(4.0)
    assert erlang_c_mean_wait(1.0, 1.0, 2) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        erlang_c_mean_wait(2.0, 1.0, 2)
