"""Queue function: process a message of readings from ``gates-inflow``.

The retry boundary is the Functions host here: a failure is logged and re-raised, the
host makes the message visible again, and after ``maxDequeueCount`` (5, host.json) moves
it to ``gates-inflow-poison``. Processing is idempotent, so a redelivered message, or one
delivered twice, changes nothing the second time.

A message body is what ``AzureQueue.enqueue`` writes (packed reading rows, possibly in an
error envelope); for producers that write to the queue directly, a body in the HTTP wire
format (one reading object, or an array of them) is accepted too.
"""

from __future__ import annotations

import logging

import azure.functions as func
import msgspec

from stadiumflow.adapters.azure.messages import unpack_readings
from stadiumflow.domain.readings import Reading
from stadiumflow.entrypoints.azure.context import get_services
from stadiumflow.entrypoints.wire import decode_ingest
from stadiumflow.ports import MAX_DEQUEUE_COUNT
from stadiumflow.services.process import process_batch

log = logging.getLogger(__name__)

bp = func.Blueprint()  # type: ignore[no-untyped-call]


def decode_body(body: bytes) -> list[Reading]:
    """Readings of a message body: packed rows, or the wire format. Raises if neither."""
    try:
        return unpack_readings(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        readings, _ = decode_ingest(body)  # raises InvalidReading when this fails too
        return readings


@bp.function_name("process_inflow")
@bp.queue_trigger(
    arg_name="msg", queue_name="%QUEUE_NAME_INFLOW%", connection="AzureWebJobsStorage"
)
def process_inflow(msg: func.QueueMessage) -> None:
    tries = msg.dequeue_count or 1
    try:
        readings = decode_body(msg.get_body())
        services = get_services()
        outcome = process_batch(
            readings,
            store=services.store,
            model=services.model,
            scorer=services.scorer,
            layouts=services.layouts,
        )
    except Exception:
        final = " (the last: the host now moves it to the poison queue)"
        log.exception(
            "message %s failed on try %d%s",
            msg.id,
            tries,
            final if tries >= MAX_DEQUEUE_COUNT else "",
        )
        raise
    log.info(
        "message %s: %d applied, %d late, %d duplicate (try %d)",
        msg.id,
        outcome.applied,
        outcome.late,
        outcome.duplicates,
        tries,
    )
