"""Shared test helpers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stadiumflow.domain.readings import Reading
from stadiumflow.domain.window import WindowPoint

BASE_TS = datetime(2025, 7, 14, 17, 0, tzinfo=UTC)

# Locust's load file is run by locust, not collected: importing it monkey-patches gevent.
collect_ignore = ["locustfile.py"]


def reading(
    gate: str = "G1",
    minute: float = 0,
    *,
    stadium: str = "AGADIR",
    count: int = 40,
    seconds: float = 3.0,
    queue: int = 80,
) -> Reading:
    """A reading ``minute`` minutes after BASE_TS."""
    return Reading(stadium, gate, BASE_TS + timedelta(minutes=minute), count, seconds, queue)


def gate_window(rng: random.Random, surge: bool = False, minutes: int = 20) -> list[WindowPoint]:
    """A busy gate with noise: ~40 fans/min through, ~80 waiting; a surge at the end."""
    points = []
    for m in range(minutes):
        queue = 80 + rng.randint(-8, 8)
        if surge and m >= minutes - 2:
            queue = 400 + 200 * (m - minutes + 2)
        count = 40 + rng.randint(-4, 4)
        points.append(WindowPoint(60.0 * m, count, 3.0 + rng.uniform(-0.2, 0.2), queue))
    return points


def normal_windows(n: int, seed: int = 1) -> list[list[WindowPoint]]:
    rng = random.Random(seed)
    return [gate_window(rng) for _ in range(n)]


@pytest.fixture
def dummy_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy AWS credentials and region, and no config or metadata service to find real
    ones: boto3 signs requests to a local stub, and no AWS account is ever involved."""
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
