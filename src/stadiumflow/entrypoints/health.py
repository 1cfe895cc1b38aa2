"""The core's typed health snapshots as camelCase JSON, for /readyz, the worker's heartbeat
file and /metrics: the one place their wire names are made (and read back).

    >>> camel("last_latency_ms"), snake("lastLatencyMs")
    ('lastLatencyMs', 'last_latency_ms')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from stadiumflow.domain.health import ScorerInService, WaitModelHealth
from stadiumflow.services.consume import ConsumerSnapshot

_UPPER = re.compile(r"(?<!^)(?=[A-Z])")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def snake(name: str) -> str:
    return _UPPER.sub("_", name).lower()


def _renamed(value: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {rename(key): _renamed(item, rename) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_renamed(item, rename) for item in value]
    return value


def as_json(snapshot: object) -> dict[str, Any]:
    """A snapshot (a dataclass) as a JSON object, its fields in order, named in camelCase."""
    body: dict[str, Any] = _renamed(msgspec.to_builtins(snapshot), camel)
    return body


def wait_model_json(health: WaitModelHealth) -> dict[str, Any]:
    return as_json(health)


def scorer_json(in_service: ScorerInService) -> dict[str, Any]:
    """The scorer, the endpoint configured, then (for a remote scorer) its endpoint's figures."""
    scorer = in_service.scorer
    body: dict[str, Any] = {
        "name": scorer.name,
        "fallback": scorer.fallback,
        "configuredEndpoint": in_service.configured_endpoint,
    }
    if scorer.endpoint is not None:
        body |= as_json(scorer.endpoint)
    return body


def consumer_json(snapshot: ConsumerSnapshot) -> dict[str, Any]:
    return as_json(snapshot)


def consumer_from_json(body: Mapping[str, Any]) -> ConsumerSnapshot | None:
    """The counters in a JSON object written by :func:`consumer_json` (other keys are
    ignored), or None if it does not hold them all."""
    try:
        return msgspec.convert(_renamed(dict(body), snake), ConsumerSnapshot)
    except msgspec.ValidationError:
        return None
