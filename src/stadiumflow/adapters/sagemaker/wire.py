"""The SageMaker Random Cut Forest wire format, and the normalisation of its raw scores.

Request (ContentType application/json)::

    {"instances": [{"features": [f1, ..., f16]}, ...]}

Response (Accept application/json)::

    {"scores": [{"score": 0.87}, ...]}     one score per instance, in order

The runtime rejects payloads over 6 MB, so shingles are split into requests of at most
``max_bytes`` (1 MB by default: well under the limit, and small enough that one slow
request does not eat a batch's time budget) and ``max_instances``.
"""

from __future__ import annotations

import json
import math
import statistics
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from typing import NamedTuple

CONTENT_TYPE = "application/json"
SERVICE_PAYLOAD_LIMIT = 6 * 1024 * 1024  # bytes, the runtime's hard limit
_HEAD, _SEP, _TAIL = b'{"instances":[', b",", b"]}"


class EndpointFailure(Exception):
    """The endpoint did not give usable scores. ``reason`` is short and safe to show
    (an error code or type, never a message that may carry URLs or account details)."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def request_bodies(
    features: Sequence[Sequence[float]], max_bytes: int = 1_000_000, max_instances: int = 2_000
) -> Iterator[tuple[bytes, int]]:
    """JSON request bodies covering ``features`` in order, with their instance counts.

    >>> [(body, n) for body, n in request_bodies([[1.0], [2.5]], max_instances=1)]
    [(b'{"instances":[{"features":[1.0]}]}', 1), (b'{"instances":[{"features":[2.5]}]}', 1)]
    """
    if max_bytes >= SERVICE_PAYLOAD_LIMIT or max_instances < 1:
        raise ValueError("max_bytes must stay under 6 MB and max_instances be >= 1")
    items: list[bytes] = []
    size = len(_HEAD) + len(_TAIL)
    for row in features:
        item = json.dumps({"features": list(row)}, separators=(",", ":"), allow_nan=False)
        encoded = item.encode()
        if items and (size + len(_SEP) + len(encoded) > max_bytes or len(items) >= max_instances):
            yield _HEAD + _SEP.join(items) + _TAIL, len(items)
            items, size = [], len(_HEAD) + len(_TAIL)
        items.append(encoded)
        size += len(encoded) + (len(_SEP) if len(items) > 1 else 0)
    if items:
        yield _HEAD + _SEP.join(items) + _TAIL, len(items)


def parse_scores(payload: bytes, expected: int) -> list[float]:
    """The raw scores of a response, checked: JSON, one finite number per instance.

    >>> parse_scores(b'{"scores": [{"score": 0.5}, {"score": 1.25}]}', 2)
    [0.5, 1.25]
    """
    try:
        document = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise EndpointFailure("malformed response (not JSON)", retryable=False) from None
    scores = document.get("scores") if isinstance(document, dict) else None
    if not isinstance(scores, list):
        raise EndpointFailure("malformed response (no scores)", retryable=False)
    if len(scores) != expected:
        reason = f"wrong number of scores ({len(scores)} for {expected})"
        raise EndpointFailure(reason, retryable=False)
    values: list[float] = []
    for item in scores:
        value = item.get("score") if isinstance(item, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise EndpointFailure("malformed response (score not a number)", retryable=False)
        if not math.isfinite(value):
            raise EndpointFailure("malformed response (score not finite)", retryable=False)
        values.append(float(value))
    return values


class Calibration(NamedTuple):
    """How far the normaliser is calibrated (:meth:`RollingNormaliser.snapshot`)."""

    warming_up: bool
    scores_seen: int
    warmup_scores: int
    raw_threshold: float | None  # mean + 3 sigma of the recent raw scores, once warm


class RollingNormaliser:
    """Raw RCF scores -> ~0 normal, 3 at mean + 3 sigma of the last ``window`` raw scores.

    A batch is judged against the scores seen *before* it, so an outlier does not inflate
    its own yardstick. Until ``warmup`` scores have been seen there is no yardstick: the
    normalised scores are 0 (no alarm from an uncalibrated threshold) and ``snapshot``
    says so. Below-mean scores map to 0, as the port's scale starts at 0.

    >>> n = RollingNormaliser(window=100, warmup=4)
    >>> n.normalise([1.0, 1.2, 0.8, 1.0])
    [0.0, 0.0, 0.0, 0.0]
    >>> [round(s, 2) for s in n.normalise([1.0, 1.1, 1.6])]
    [0.0, 0.71, 4.24]
    """

    def __init__(self, window: int = 2_000, warmup: int = 200) -> None:
        if warmup < 2 or window < warmup:
            raise ValueError("need 2 <= warmup <= window")
        self.warmup = warmup
        self._recent: deque[float] = deque(maxlen=window)
        self._seen = 0
        self._lock = threading.Lock()  # health() reads while the worker writes

    def normalise(self, raw: Sequence[float]) -> list[float]:
        with self._lock:
            if len(self._recent) < self.warmup:
                result = [0.0] * len(raw)
            else:
                mean = statistics.fmean(self._recent)
                sigma = max(statistics.pstdev(self._recent, mean), 0.01 * abs(mean), 1e-9)
                result = [max(0.0, 3.0 * (s - mean) / (3.0 * sigma)) for s in raw]
            self._recent.extend(raw)
            self._seen += len(raw)
        return result

    def snapshot(self) -> Calibration:
        """For /readyz: whether scores are calibrated yet, and the raw threshold."""
        with self._lock:
            recent, seen = list(self._recent), self._seen
        warming = len(recent) < self.warmup
        threshold = None
        if not warming:
            mean = statistics.fmean(recent)
            threshold = round(mean + 3.0 * statistics.pstdev(recent, mean), 4)
        return Calibration(warming, seen, self.warmup, threshold)
