"""Turn Settings into the Azure Storage adapters, creating what they need once.

Called at start-up by ``bootstrap`` (backend ``azure``) and by the Functions app's
service builder: queues, tables and the container are created here, never per request.
Names come from the public contract's settings (QUEUE_NAME_INFLOW, TABLE_NAME_GATES, ...);
the events table, which the contract does not name, is named after the gates table, and
the plans table is TABLE_NAME_PLANS (default ``gateplans``).
"""

from __future__ import annotations

from functools import partial

from azure.data.tables import TableServiceClient

from stadiumflow.adapters.azure.common import create_if_missing
from stadiumflow.adapters.azure.events import AzureEventLog
from stadiumflow.adapters.azure.plans import AzurePlanTable
from stadiumflow.adapters.azure.queue import AzureQueue, create_queue, queue_client
from stadiumflow.adapters.azure.table import AzureTableGateStore
from stadiumflow.config import Settings

EVENTS_TABLE_SUFFIX = "events"


def connection_string(settings: Settings) -> str:
    if not settings.azure_storage_connection:
        raise ValueError(
            "backend 'azure' needs the AzureWebJobsStorage setting (a storage connection"
            " string; 'UseDevelopmentStorage=true' for Azurite on its default ports)"
        )
    return settings.azure_storage_connection


def build_azure_storage(
    settings: Settings, *, create: bool = True
) -> tuple[AzureQueue, AzureTableGateStore]:
    """The inflow queue and the gate store on Azure Storage; ``create`` makes the queues
    (inflow, its poison queue, control) and tables if they are missing."""
    conn = connection_string(settings)
    queue = AzureQueue.from_connection_string(conn, settings.queue_name_inflow)
    control = queue_client(conn, settings.queue_name_control)
    tables = TableServiceClient.from_connection_string(conn)
    names = (
        settings.table_name_gates,
        settings.table_name_history,
        settings.table_name_gates + EVENTS_TABLE_SUFFIX,
        settings.table_name_plans,
    )
    if create:
        queue.create()
        create_queue(control)
        for name in names:
            create_if_missing(f"table {name}", partial(tables.create_table, name))
    gates, history, events, plans = (tables.get_table_client(name) for name in names)
    store = AzureTableGateStore(
        gates, history, AzureEventLog(events, control), AzurePlanTable(plans)
    )
    return queue, store
