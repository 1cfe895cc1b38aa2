"""Optimistic concurrency on Azure Tables: read, merge, write under the ETag, retry on conflict.

Two workers (two Functions instances, or a redelivered message) may write the same
entity. Every write here is conditional: an update carries the ETag of the entity it was
merged from (``MatchConditions.IfNotModified``) and a new entity is a ``create``, which
fails if someone created it meanwhile. On 412 or 409 the entities are read again and
merged again, so the merge function decides the outcome with both writers' data in hand
(a newer status wins, windows and history rows are unions): nothing is overwritten blind.

Writes go in transactions of at most 100 entities of one partition (the service's limit;
Azurite answers a 101st operation with a confusing BadStatusLine).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableEntity, TableTransactionError, UpdateMode

from stadiumflow.adapters.azure.common import translated
from stadiumflow.domain.errors import StorageUnavailable

TRANSACTION_LIMIT = 100
MAX_ATTEMPTS = 8
_CONFLICTS = {409, 412}

Merge = Callable[[str, TableEntity | None], dict[str, Any] | None]
"""(row key, current entity or None) -> the properties to write, or None to write nothing."""


def read_entities(
    table: TableClient, partition: str, keys: Iterable[str]
) -> dict[str, TableEntity]:
    """Point reads (the retry path only: conflicts are rare)."""
    found: dict[str, TableEntity] = {}
    with translated(f"table {table.table_name}"):
        for key in keys:
            try:
                found[key] = table.get_entity(partition, key)
            except ResourceNotFoundError:
                continue
    return found


def guarded_write(
    table: TableClient,
    partition: str,
    keys: Iterable[str],
    current: Mapping[str, TableEntity],
    merge: Merge,
) -> None:
    """Write ``merge(key, current[key])`` for every key of one partition, conditionally.

    A transaction is atomic; several transactions (over 100 entities) are not, which is
    safe because each entity's merge is idempotent.
    """
    pending = list(dict.fromkeys(keys))
    for _ in range(MAX_ATTEMPTS):
        operations: list[tuple[str, tuple[Any, ...]]] = []
        for key in pending:
            props = merge(key, current.get(key))
            if props is not None:
                operations.append((key, _operation(partition, key, props, current.get(key))))
        failed: list[str] = []
        for start in range(0, len(operations), TRANSACTION_LIMIT):
            chunk = operations[start : start + TRANSACTION_LIMIT]
            try:
                with translated(f"table {table.table_name}"):
                    table.submit_transaction([op for _, op in chunk])
            except StorageUnavailable as exc:
                cause = exc.__cause__
                if not (
                    isinstance(cause, TableTransactionError) and cause.status_code in _CONFLICTS
                ):
                    raise
                failed.extend(key for key, _ in chunk)
        if not failed:
            return
        pending = failed
        current = read_entities(table, partition, failed)
    raise StorageUnavailable(f"table {table.table_name}: still conflicting after retries")


def _operation(
    partition: str, key: str, props: dict[str, Any], old: TableEntity | None
) -> tuple[Any, ...]:
    entity = {**props, "PartitionKey": partition, "RowKey": key}
    if old is None:
        return ("create", entity)
    return (
        "update",
        entity,
        {
            "mode": UpdateMode.REPLACE,
            "etag": old.metadata["etag"],
            "match_condition": MatchConditions.IfNotModified,
        },
    )


def properties(entity: TableEntity | None) -> dict[str, Any]:
    """An entity's own properties (no keys, no metadata), for a merge to start from."""
    if entity is None:
        return {}
    return {k: v for k, v in entity.items() if k not in ("PartitionKey", "RowKey")}
