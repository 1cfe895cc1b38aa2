"""AnomalyScorer port on a SageMaker Random Cut Forest endpoint, the local scorer as net.

The worker scores every batch, so a slow or broken endpoint must never stall or stop
it. Each batch has a bounded budget: botocore timeouts (1 s connect, 2 s read), at most
two retries with jittered exponential backoff, all within ~5 s; after three consecutive
failed batches a circuit breaker skips the endpoint for a cool-down, then lets one batch
probe it. Whenever the endpoint cannot answer, that batch is scored by
``LocalRobustScorer`` instead: logged, counted, and visible in ``health()``.

RCF's raw scores have no fixed scale (they depend on the forest and the data), so they
are normalised against the endpoint's own recent scores (:mod:`.wire`): 3 at the mean
plus 3 standard deviations, the usual RCF threshold, ~0 for typical readings.
"""

from __future__ import annotations

import logging
import math
import os
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

from stadiumflow.adapters.sagemaker.breaker import CircuitBreaker, backoff_delay
from stadiumflow.adapters.sagemaker.wire import (
    CONTENT_TYPE,
    EndpointFailure,
    RollingNormaliser,
    parse_scores,
    request_bodies,
)
from stadiumflow.domain.health import EndpointHealth, ScorerHealth
from stadiumflow.domain.multivariate import LocalRobustScorer, shingle
from stadiumflow.domain.window import WindowPoint
from stadiumflow.ports import AnomalyScorer

log = logging.getLogger(__name__)

_RETRYABLE_CODES = frozenset(
    {"InternalFailure", "ServiceUnavailable", "ThrottlingException", "ModelNotReadyException"}
)


class RuntimeClient(Protocol):
    """The one call we need from a boto3 ``sagemaker-runtime`` client."""

    def invoke_endpoint(self, **kwargs: Any) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one batch tries before falling back; every bound is in seconds."""

    max_retries: int = 2
    backoff_base: float = 0.1
    backoff_cap: float = 1.0
    budget: float = 4.8  # the whole batch, every chunk and retry included
    attempt_worst_case: float = 2.5  # ~ read timeout + connect: a retry must fit in budget


def build_runtime_client(
    *,
    endpoint_url: str | None = None,
    region_name: str | None = None,
    connect_timeout: float = 1.0,
    read_timeout: float = 2.0,
) -> Any:
    """A ``sagemaker-runtime`` client with short timeouts and botocore's retries off.

    Retries are ours (bounded by the batch budget), so botocore must add none. Region:
    ``region_name``, else AWS_REGION, else AWS_DEFAULT_REGION (botocore reads only that).
    """
    region = region_name or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    session = boto3.session.Session()  # its own, not boto3's process-wide default session
    return session.client(
        "sagemaker-runtime", region_name=region, endpoint_url=endpoint_url, config=config
    )


class SageMakerRcfScorer:
    """AnomalyScorer port: RCF scores from an endpoint, local robust scores as fallback."""

    name = "sagemaker-rcf"

    def __init__(
        self,
        endpoint_name: str,
        client: RuntimeClient,
        *,
        fallback: AnomalyScorer | None = None,
        breaker: CircuitBreaker | None = None,
        normaliser: RollingNormaliser | None = None,
        retry: RetryPolicy | None = None,
        max_request_bytes: int = 1_000_000,
        max_instances: int = 2_000,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        seed: int = 0,
    ) -> None:
        self.endpoint_name = endpoint_name
        self.is_fallback = False
        self._client = client
        self._fallback = fallback or LocalRobustScorer()
        self._breaker = breaker or CircuitBreaker(3, 30.0, clock=clock)
        self._normaliser = normaliser or RollingNormaliser()
        self._retry = retry or RetryPolicy()
        self._limits = (max_request_bytes, max_instances)
        self._clock, self._sleep, self._rng = clock, sleep, random.Random(seed)
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(("batches", "calls", "failures", "retries", "fallbacks"), 0)
        self._last_error: str | None = None
        self._last_latency: float | None = None

    def score(self, windows: Sequence[Sequence[WindowPoint]]) -> list[float]:
        """Normalised scores, one per window; never raises for an endpoint failure."""
        self._count("batches")
        result = [0.0] * len(windows)
        scored = [i for i, points in enumerate(windows) if len(points) > 1]
        if not scored:
            return result
        features = [shingle(windows[i]) for i in scored]
        if not all(math.isfinite(v) for row in features for v in row):
            log.warning("non-finite shingle features: batch scored locally")  # not the endpoint's
            return self._fall_back(windows)
        if not self._breaker.allow():
            log.debug("circuit open: batch of %d scored locally", len(windows))
            return self._fall_back(windows)
        try:
            raw = self._invoke_all(features)
        except EndpointFailure as failure:
            self._endpoint_failed(failure)
            return self._fall_back(windows)
        except BaseException:
            self._breaker.record_failure()  # a bug must not leave a half-open probe hanging
            raise
        if self._breaker.state != "closed" or self.is_fallback:
            log.info("SageMaker RCF %s answering again", self.endpoint_name)
        self._breaker.record_success()
        self.is_fallback = False
        for i, value in zip(scored, self._normaliser.normalise(raw), strict=True):
            result[i] = value
        return result

    def health(self) -> ScorerHealth:
        """For /readyz: breaker state, counters, last error and latency, warm-up."""
        with self._lock:
            counts = dict(self._counts)
            last_error, latency = self._last_error, self._last_latency
        calibration = self._normaliser.snapshot()
        endpoint = EndpointHealth(
            endpoint=self.endpoint_name,
            state=self._breaker.state,
            batches=counts["batches"],
            calls=counts["calls"],
            failures=counts["failures"],
            retries=counts["retries"],
            fallbacks=counts["fallbacks"],
            consecutive_failures=self._breaker.consecutive_failures,
            seconds_until_probe=round(self._breaker.seconds_until_probe(), 1),
            last_error=last_error,
            last_latency_ms=None if latency is None else round(latency * 1000.0, 1),
            warming_up=calibration.warming_up,
            scores_seen=calibration.scores_seen,
            warmup_scores=calibration.warmup_scores,
            raw_threshold=calibration.raw_threshold,
        )
        return ScorerHealth(self.name, self.is_fallback, endpoint)

    def _endpoint_failed(self, failure: EndpointFailure) -> None:
        was = self._breaker.state
        self._breaker.record_failure()
        log.warning(
            "SageMaker RCF %s failed (%s): batch scored locally", self.endpoint_name, failure.reason
        )
        if self._breaker.state == "open" and was != "open":
            log.error("SageMaker RCF circuit open for %.0f s", self._breaker.cool_down)

    def _fall_back(self, windows: Sequence[Sequence[WindowPoint]]) -> list[float]:
        self._count("fallbacks")
        self.is_fallback = True
        return self._fallback.score(windows)

    def _count(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def _invoke_all(self, features: list[list[float]]) -> list[float]:
        """Raw scores for every shingle, chunk by chunk, within the batch budget."""
        deadline = self._clock() + self._retry.budget
        raw: list[float] = []
        for body, count in request_bodies(features, *self._limits):
            if self._clock() >= deadline:
                raise EndpointFailure("batch time budget spent", retryable=False)
            raw += self._invoke_with_retries(body, count, deadline)
        return raw

    def _invoke_with_retries(self, body: bytes, count: int, deadline: float) -> list[float]:
        policy = self._retry
        attempt = 0
        while True:
            try:
                return self._invoke(body, count)
            except EndpointFailure as failure:
                attempt += 1
                if not failure.retryable or attempt > policy.max_retries:
                    raise
                delay = backoff_delay(attempt, policy.backoff_base, policy.backoff_cap, self._rng)
                if self._clock() + delay + policy.attempt_worst_case > deadline:
                    raise
                self._count("retries")
                self._sleep(delay)

    def _invoke(self, body: bytes, count: int) -> list[float]:
        """One request; failures carry a short reason, never exception text (/readyz shows it)."""
        self._count("calls")
        started = self._clock()
        try:
            response = self._client.invoke_endpoint(
                EndpointName=self.endpoint_name,
                Body=body,
                ContentType=CONTENT_TYPE,
                Accept=CONTENT_TYPE,
            )
            payload = response["Body"].read()
            return parse_scores(payload, count)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "ClientError"))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
            retryable = code in _RETRYABLE_CODES or status >= 500 or status == 429
            raise self._failed(EndpointFailure(f"{code} (HTTP {status})", retryable), exc) from exc
        except (HTTPClientError, ConnectionError) as exc:
            raise self._failed(EndpointFailure(type(exc).__name__, True), exc) from exc
        except BotoCoreError as exc:  # credentials, configuration: retrying will not help
            raise self._failed(EndpointFailure(type(exc).__name__, False), exc) from exc
        except EndpointFailure as failure:
            raise self._failed(failure, None) from None
        finally:
            with self._lock:
                self._last_latency = self._clock() - started

    def _failed(self, failure: EndpointFailure, exc: BaseException | None) -> EndpointFailure:
        self._count("failures")
        with self._lock:
            self._last_error = failure.reason
        log.debug("SageMaker RCF call failed: %s", failure.reason, exc_info=exc)
        return failure
