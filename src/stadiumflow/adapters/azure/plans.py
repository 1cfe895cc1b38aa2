"""Match plans on Azure Tables: the ``gateplans`` table (TABLE_NAME_PLANS).

PartitionKey ``stadiumId``, RowKey the kickoff (``plan_codec.kickoff_key``: epoch
microseconds, fixed width, so a partition lists in kickoff order). Properties:
``kickoff`` (ISO 8601, for people reading the table), ``chunks`` and ``gates0``,
``gates1``, ...: the gates as JSON rows, split because a string property holds at most
64 KiB (32K UTF-16 characters) and 500 gates with 64-character ids can pass that. An
entity stays far below the 1 MiB entity limit.

Every filter binds its values with ``parameters=``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient, TableEntity, UpdateMode

from stadiumflow.adapters.azure.common import translated
from stadiumflow.adapters.plan_codec import (
    decode_gates,
    encode_gates,
    kickoff_key,
    kickoff_of_key,
)
from stadiumflow.domain.plan import MatchPlan

MAX_PROPERTY_CHARS = 30_000  # under the 64 KiB (UTF-16) limit of a string property


def plan_entity(plan: MatchPlan) -> dict[str, Any]:
    text = encode_gates(plan.gates).decode()
    chunks = [
        text[start : start + MAX_PROPERTY_CHARS]
        for start in range(0, len(text), MAX_PROPERTY_CHARS)
    ]
    entity: dict[str, Any] = {
        "PartitionKey": plan.stadium_id,
        "RowKey": kickoff_key(plan.kickoff),
        "kickoff": plan.kickoff.isoformat(),
        "chunks": len(chunks),
    }
    entity.update({f"gates{i}": chunk for i, chunk in enumerate(chunks)})
    return entity


def plan_of_entity(entity: TableEntity) -> MatchPlan:
    text = "".join(str(entity[f"gates{i}"]) for i in range(int(entity["chunks"])))
    return MatchPlan(
        str(entity["PartitionKey"]), kickoff_of_key(str(entity["RowKey"])), decode_gates(text)
    )


class AzurePlanTable:
    def __init__(self, table: TableClient) -> None:
        self.table = table
        self._what = f"table {table.table_name}"

    def save(self, plan: MatchPlan) -> None:
        with translated(self._what):
            # REPLACE, not MERGE: a shorter plan leaves no stale gates chunk behind.
            self.table.upsert_entity(plan_entity(plan), mode=UpdateMode.REPLACE)

    def add(self, plan: MatchPlan) -> bool:
        with translated(self._what):
            try:
                self.table.create_entity(plan_entity(plan))
            except ResourceExistsError:
                return False
        return True

    def of_stadium(self, stadium_id: str) -> list[MatchPlan]:
        with translated(self._what):
            entities = self.table.query_entities(
                "PartitionKey eq @stadium", parameters={"stadium": stadium_id}
            )
            found = [plan_of_entity(e) for e in entities]
        return sorted(found, key=lambda p: p.kickoff)

    def of_stadiums(self, stadium_ids: Iterable[str]) -> dict[str, list[MatchPlan]]:
        return {stadium: self.of_stadium(stadium) for stadium in dict.fromkeys(stadium_ids)}

    def delete(self, stadium_id: str, kickoff: datetime | None) -> int:
        query = "PartitionKey eq @stadium"
        parameters = {"stadium": stadium_id}
        if kickoff is not None:
            query += " and RowKey eq @kickoff"
            parameters["kickoff"] = kickoff_key(kickoff)
        with translated(self._what):
            keys = [
                str(e["RowKey"])
                for e in self.table.query_entities(query, parameters=parameters, select=["RowKey"])
            ]
            for key in keys:
                self.table.delete_entity(stadium_id, key)  # already gone: not an error
        return len(keys)

    def close(self) -> None:
        self.table.close()
