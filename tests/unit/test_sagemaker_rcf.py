"""The SageMaker RCF scorer through real boto3 against a local runtime-protocol server.

Timeouts, backoff and cool-downs are shrunk so the whole module runs in a few seconds.
Credentials are dummies set per test; no real AWS account is ever involved.
"""

from __future__ import annotations

import doctest
import random
import statistics
import time

import pytest

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.adapters.sagemaker import breaker as circuit_breaker
from stadiumflow.adapters.sagemaker import wire as rcf_wire
from stadiumflow.adapters.sagemaker.breaker import CircuitBreaker
from stadiumflow.adapters.sagemaker.rcf import (
    RetryPolicy,
    SageMakerRcfScorer,
    build_runtime_client,
)
from stadiumflow.adapters.sagemaker.wire import RollingNormaliser
from stadiumflow.domain.health import EndpointHealth
from stadiumflow.domain.multivariate import LocalRobustScorer, shingle
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.domain.window import WindowPoint
from stadiumflow.services.process import process_batch
from stadiumflow.testing.sagemaker_stub import SageMakerStub
from tests.conftest import gate_window, normal_windows, reading

pytestmark = pytest.mark.usefixtures("dummy_aws")

FAST_RETRY = RetryPolicy(backoff_base=0.01, backoff_cap=0.02, budget=2.0, attempt_worst_case=0.5)


@pytest.fixture
def stub():
    with SageMakerStub(slow_seconds=1.0) as server:
        yield server


def make_scorer(stub, **overrides) -> SageMakerRcfScorer:
    client = build_runtime_client(endpoint_url=stub.url, connect_timeout=0.2, read_timeout=0.2)
    options = {
        "retry": FAST_RETRY,
        "breaker": CircuitBreaker(3, 60.0),
        "normaliser": RollingNormaliser(window=500, warmup=40),
    }
    return SageMakerRcfScorer(stub.endpoint_name, client, **(options | overrides))


def endpoint(scorer: SageMakerRcfScorer) -> EndpointHealth:
    """The endpoint's figures in the scorer's health snapshot."""
    health = scorer.health()
    assert health.name == scorer.name and health.endpoint is not None
    return health.endpoint


def test_scores_come_from_the_endpoint_in_rcfs_json_format(stub):
    scorer = make_scorer(stub, normaliser=RollingNormaliser(window=100, warmup=2))
    windows = [*normal_windows(3), [WindowPoint(0.0, 40, 3.0, 80)]]
    assert scorer.score(windows) == [0.0] * 4  # warming up; the 1-point window is not sent
    assert stub.bodies == [{"instances": [{"features": shingle(w)} for w in windows[:3]]}]
    assert all(len(i["features"]) == 16 for i in stub.bodies[0]["instances"])
    headers = stub.headers[0]
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert "authorization" in headers  # boto3 signed it with the dummy credentials
    health = endpoint(scorer)
    assert health.state == "closed" and health.calls == 1 and health.failures == 0
    assert scorer.health().fallback is False and health.last_latency_ms is not None
    assert health.warming_up is False and health.scores_seen == 3


def test_warm_up_reports_zero_then_an_outlier_scores_above_three(stub):
    scorer = make_scorer(stub)
    assert scorer.score(normal_windows(30)) == [0.0] * 30
    assert endpoint(scorer).warming_up is True
    scorer.score(normal_windows(30, seed=2))
    assert endpoint(scorer).warming_up is False
    rng = random.Random(3)
    scores = scorer.score([*normal_windows(20, seed=4), gate_window(rng, surge=True)])
    assert scores[-1] > 3.0
    assert statistics.median(scores[:-1]) < 1.0
    assert endpoint(scorer).raw_threshold is not None


def test_server_errors_are_retried_then_the_batch_is_scored_locally(stub):
    stub.mode = "error500"
    scorer = make_scorer(stub)
    windows = normal_windows(5)
    assert scorer.score(windows) == LocalRobustScorer().score(windows)
    assert stub.requests == 3  # the first try and two retries
    assert scorer.is_fallback
    health = endpoint(scorer)
    assert (health.calls, health.failures, health.retries) == (3, 3, 2)
    assert health.fallbacks == 1 and scorer.health().fallback is True
    assert health.last_error == "InternalFailure (HTTP 500)"
    stub.mode = "normal"
    scorer.score(windows)
    assert not scorer.is_fallback and endpoint(scorer).state == "closed"


def test_a_retry_that_succeeds_is_no_fallback(stub):
    stub.queue_modes(["error500"])
    scorer = make_scorer(stub)
    scorer.score(normal_windows(5))
    assert stub.requests == 2 and not scorer.is_fallback
    assert endpoint(scorer).fallbacks == 0


def test_a_slow_endpoint_times_out_within_the_batch_budget(stub):
    stub.mode = "slow"
    scorer = make_scorer(stub)
    started = time.monotonic()
    scorer.score(normal_windows(5))
    assert time.monotonic() - started < FAST_RETRY.budget
    assert scorer.is_fallback and endpoint(scorer).last_error == "ReadTimeoutError"
    assert stub.requests == 3


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("model_error", "ModelError (HTTP 424)"),
        ("malformed", "malformed response (not JSON)"),
        ("wrong_count", "wrong number of scores (4 for 5)"),
    ],
)
def test_answers_that_a_retry_cannot_fix_fall_back_at_once(stub, mode, error):
    stub.mode = mode
    scorer = make_scorer(stub)
    assert scorer.score(normal_windows(5)) == LocalRobustScorer().score(normal_windows(5))
    assert stub.requests == 1
    assert endpoint(scorer).last_error == error


def test_the_breaker_opens_after_consecutive_failures_and_stops_calling(stub):
    stub.mode = "model_error"
    scorer = make_scorer(stub, breaker=CircuitBreaker(2, 60.0))
    for _ in range(2):
        scorer.score(normal_windows(3))
    assert endpoint(scorer).state == "open" and stub.requests == 2
    for _ in range(5):
        scorer.score(normal_windows(3))
    assert stub.requests == 2  # no call while open
    health = endpoint(scorer)
    assert health.fallbacks == 7 and health.seconds_until_probe > 0
    assert scorer.is_fallback


def test_after_the_cool_down_one_probe_closes_or_reopens_the_breaker(stub):
    now = [0.0]
    breaker = CircuitBreaker(1, 30.0, clock=lambda: now[0])
    stub.mode = "model_error"
    scorer = make_scorer(stub, breaker=breaker)
    scorer.score(normal_windows(3))
    assert breaker.state == "open"
    now[0] = 30.0
    scorer.score(normal_windows(3))  # the half-open probe fails: open again
    assert stub.requests == 2 and breaker.state == "open"
    scorer.score(normal_windows(3))
    assert stub.requests == 2
    now[0] = 60.0
    stub.mode = "normal"
    scorer.score(normal_windows(3))  # the probe succeeds
    assert stub.requests == 3 and breaker.state == "closed" and not scorer.is_fallback
    scorer.score(normal_windows(3))
    assert stub.requests == 4


def test_large_batches_are_split_into_requests_under_the_size_limit(stub):
    scorer = make_scorer(stub, max_request_bytes=2_000, max_instances=1_000)
    windows = normal_windows(25)
    scorer.score(windows)
    assert stub.requests > 1 and max(stub.sizes) <= 2_000
    sent = [i["features"] for body in stub.bodies for i in body["instances"]]
    assert sent == [shingle(w) for w in windows]  # every shingle once, in order
    assert endpoint(scorer).scores_seen == 25


def test_the_worker_path_uses_the_endpoint(stub):
    scorer = make_scorer(stub)
    store = MemoryGateStore()
    batch = [reading("G1", m, queue=80 + m) for m in range(6)]
    outcome = process_batch(batch, store=store, model=QueueingWaitModel(), scorer=scorer)
    assert outcome.applied == 6
    # Anomalies are judged on each gate's newest reading of a batch: one instance.
    assert stub.requests == 1 and len(stub.bodies[0]["instances"]) == 1


def test_the_region_comes_from_aws_region_first(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert build_runtime_client().meta.region_name == "eu-west-1"


def test_missing_credentials_fall_back_without_a_request(stub, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    scorer = make_scorer(stub)
    scorer.score(normal_windows(3))
    assert stub.requests == 0 and scorer.is_fallback
    assert endpoint(scorer).last_error == "NoCredentialsError"


@pytest.mark.parametrize("module", [rcf_wire, circuit_breaker], ids=lambda m: m.__name__)
def test_the_docstring_examples_run(module):
    """testpaths does not collect adapters' doctests, so run these here."""
    assert doctest.testmod(module).failed == 0
