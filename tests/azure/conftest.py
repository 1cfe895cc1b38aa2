"""Fixtures of the azure tests: a real Azurite (shared by the session) and services on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stadiumflow.adapters.azure.storage import build_azure_storage
from stadiumflow.bootstrap import Services, bootstrap
from stadiumflow.config import Settings
from stadiumflow.entrypoints.azure.context import use_services
from stadiumflow.testing.azurite import Azurite, azure_settings
from tests.azure.backends import running_azurite

pytestmark = pytest.mark.azure


@pytest.fixture(scope="session")
def azurite() -> Azurite:
    return running_azurite()


@pytest.fixture
def settings(azurite: Azurite) -> Settings:
    return azure_settings(azurite)


def installed_services(settings: Settings) -> Iterator[Services]:
    """Services on fresh queues and tables, installed as the Functions worker's services
    until the generator is closed (a fixture's body)."""
    queue, store = build_azure_storage(settings)
    built = bootstrap(settings, queue=queue, store=store)
    use_services(built)
    try:
        yield built
    finally:
        use_services(None)
        built.close()


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    yield from installed_services(settings)
