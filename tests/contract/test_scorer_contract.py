"""One contract for every AnomalyScorer adapter: the local robust scorer, SageMaker RCF
(through real boto3, against a local server speaking the runtime's wire protocol), and
the in-memory fake.

Each scorer has first seen a steady hour of many gates, as one in service has: the RCF
scorer normalises against the scores it has seen, and is silent until it has seen some.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator

import pytest

from stadiumflow.adapters.memory import MemoryScorer
from stadiumflow.adapters.sagemaker.breaker import CircuitBreaker
from stadiumflow.adapters.sagemaker.rcf import RetryPolicy, SageMakerRcfScorer, build_runtime_client
from stadiumflow.adapters.sagemaker.wire import RollingNormaliser
from stadiumflow.domain.health import EndpointHealth, ScorerHealth
from stadiumflow.domain.multivariate import LocalRobustScorer
from stadiumflow.domain.window import WindowPoint
from stadiumflow.ports import AnomalyScorer
from stadiumflow.testing.sagemaker_stub import SageMakerStub
from tests.conftest import gate_window, normal_windows

ALARM = 3.0
WARM_UP = normal_windows(60, seed=11)


def _sagemaker(stack: list[SageMakerStub]) -> AnomalyScorer:
    stub = SageMakerStub()
    stack.append(stub.__enter__())
    client = build_runtime_client(endpoint_url=stub.url, connect_timeout=0.5, read_timeout=1.0)
    return SageMakerRcfScorer(
        stub.endpoint_name,
        client,
        retry=RetryPolicy(backoff_base=0.01, backoff_cap=0.02, budget=3.0, attempt_worst_case=1.5),
        breaker=CircuitBreaker(3, 60.0),
        normaliser=RollingNormaliser(window=500, warmup=40),
    )


ADAPTERS: dict[str, Callable[[list[SageMakerStub]], AnomalyScorer]] = {
    "local-robust": lambda stack: LocalRobustScorer(),
    "sagemaker-rcf": _sagemaker,
    "memory": lambda stack: MemoryScorer(),
}


@pytest.fixture(params=sorted(ADAPTERS))
def scorer(request: pytest.FixtureRequest, dummy_aws: None) -> Iterator[AnomalyScorer]:
    stubs: list[SageMakerStub] = []
    try:
        built = ADAPTERS[request.param](stubs)
        built.score(WARM_UP)
        yield built
    finally:
        for stub in stubs:
            stub.__exit__(None, None, None)


def steady(n: int = 12, seed: int = 5) -> list[list[WindowPoint]]:
    return normal_windows(n, seed=seed)


def surge(seed: int = 6) -> list[WindowPoint]:
    return gate_window(random.Random(seed), surge=True)


def test_one_finite_non_negative_score_per_window(scorer):
    windows = [*steady(), surge(), [WindowPoint(0.0, 40, 3.0, 80)]]
    scores = scorer.score(windows)
    assert len(scores) == len(windows)
    assert all(isinstance(s, float) and math.isfinite(s) and s >= 0.0 for s in scores)


def test_an_empty_batch_is_an_empty_list(scorer):
    assert scorer.score([]) == []


def test_a_window_of_one_reading_scores_zero(scorer):
    assert scorer.score([[WindowPoint(0.0, 40, 3.0, 80)]] * 3) == [0.0] * 3


def test_steady_gates_raise_no_alarm(scorer):
    scores = scorer.score(steady())
    assert max(scores) < ALARM
    assert sorted(scores)[len(scores) // 2] < 1.0  # the typical gate is about 0


def test_a_surge_scores_above_the_alarm_and_above_every_steady_gate(scorer):
    scores = scorer.score([*steady(), surge()])
    assert scores[-1] > ALARM
    assert scores[-1] > max(scores[:-1])


@pytest.mark.parametrize("at", [0, 5, 12])
def test_scores_follow_their_windows(scorer, at):
    windows = steady()
    windows.insert(at, surge())
    scores = scorer.score(windows)
    assert max(range(len(scores)), key=scores.__getitem__) == at


def test_it_is_named_and_reports_a_typed_health_snapshot(scorer):
    assert isinstance(scorer.name, str) and scorer.name
    scorer.score(steady(3))
    health = scorer.health()
    assert isinstance(health, ScorerHealth)
    assert (health.name, health.fallback) == (scorer.name, scorer.is_fallback)
    assert health.fallback is False  # every scorer here is healthy
    assert health.endpoint is None or isinstance(health.endpoint, EndpointHealth)
