"""What every Azure Storage adapter shares: error translation and idempotent creation.

Kept apart so the queue, table and blob adapters answer storage trouble the same way:
as StorageUnavailable, which the HTTP edge maps to 503 and a queue trigger re-raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from azure.core.exceptions import AzureError, ResourceExistsError

from stadiumflow.domain.errors import StorageUnavailable


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Re-raise an SDK failure as StorageUnavailable naming ``what``, never its text
    (which may hold account names or URLs); the cause stays chained for the logs."""
    try:
        yield
    except AzureError as exc:
        raise StorageUnavailable(f"{what}: {type(exc).__name__}") from exc


def create_if_missing(what: str, create: Callable[[], object]) -> None:
    """Run ``create`` (a queue, table or container), accepting that it already exists."""
    with translated(what), suppress(ResourceExistsError):
        create()
