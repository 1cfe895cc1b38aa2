"""Azure adapters on the shared Azurite, for the contract suites and the azure tests.

Each call gets fresh queue/table/container names, so tests never share state and
queues stay shallow (Azurite slows sharply as a queue deepens). The launcher and the
names are ``stadiumflow.testing.azurite``; what is pytest's (the skip) is here.
"""

from __future__ import annotations

import time

import pytest

from stadiumflow.adapters.azure.blob import AzureBlobModelStore
from stadiumflow.adapters.azure.queue import AzureQueue
from stadiumflow.adapters.azure.storage import build_azure_storage
from stadiumflow.adapters.azure.table import AzureTableGateStore
from stadiumflow.testing.azurite import (
    Azurite,
    AzuriteMissing,
    azure_settings,
    shared_azurite,
    unique_name,
)


def running_azurite() -> Azurite:
    """The shared Azurite, or a skip saying how to install it."""
    try:
        return shared_azurite()
    except AzuriteMissing as exc:
        pytest.skip(str(exc))


def azure_queue() -> AzureQueue:
    azurite = running_azurite()
    queue = AzureQueue.from_connection_string(azurite.connection_string, unique_name("inflow"))
    queue.create()
    return queue


def azure_store() -> AzureTableGateStore:
    _, store = build_azure_storage(azure_settings(running_azurite()))
    return store


def azure_model_store() -> AzureBlobModelStore:
    azurite = running_azurite()
    store = AzureBlobModelStore.from_connection_string(
        azurite.connection_string, unique_name("models")
    )
    store.create()
    return store


class SleepingTime:
    """The contract suite's fake clock, for a backend whose leases run on real time:
    ``now += seconds`` sleeps that long (Azure visibility timeouts are whole seconds)."""

    def __init__(self) -> None:
        self._start = time.time()

    @property
    def now(self) -> float:
        return time.time()

    @now.setter
    def now(self, value: float) -> None:
        delay = value - time.time()
        if delay > 0:
            time.sleep(delay + 0.1)

    def __call__(self) -> float:
        return time.time()
