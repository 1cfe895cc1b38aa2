"""The inflow queue on Azure Storage Queue (``gates-inflow``), behind the InflowQueue port.

Mapping of the port onto the service:
- a lease is the visibility timeout of a received message, its receipt the pop receipt;
- ack deletes with the pop receipt; 404 means the lease was lost (expired and handed to
  someone else, or already deleted), which at-least-once processing tolerates;
- release updates the message (visible again after ``retry_after``, error recorded in it);
- a message received for the (MAX_DEQUEUE_COUNT + 1)th time goes to ``<name>-poison``
  with its error, as the Functions host does with ``maxDequeueCount`` 5;
- messages are base64 text, what the Functions queue trigger decodes by default.

A claim asks for as many messages as the reading budget should need, judging by the
readings per message seen so far. Messages received beyond the budget are kept as spares
and handed out (with their lease renewed) by the next claim, rather than put back, which
would count a dequeue against them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.storage.queue import (
    QueueClient,
    TextBase64DecodePolicy,
    TextBase64EncodePolicy,
)
from azure.storage.queue import QueueMessage as AzureMessage

from stadiumflow.adapters.azure.common import create_if_missing, translated
from stadiumflow.adapters.azure.messages import (
    pack_readings,
    poison_body,
    read_envelope,
    unpack_readings,
    with_error,
)
from stadiumflow.adapters.codec import decode_readings, encode_readings
from stadiumflow.domain.readings import Reading
from stadiumflow.ports import MAX_DEQUEUE_COUNT, PoisonedMessage, QueueMessage, QueueStats

MAX_PER_RECEIVE = 32  # the service's cap on messages per Get Messages call
MAX_RECEIVES_PER_CLAIM = 8


def queue_client(connection_string: str, name: str) -> QueueClient:
    """A client that writes and reads base64 text, as the Functions trigger expects."""
    return QueueClient.from_connection_string(
        connection_string,
        name,
        message_encode_policy=TextBase64EncodePolicy(),
        message_decode_policy=TextBase64DecodePolicy(),
    )


@contextmanager
def lease_lost_is_fine() -> Iterator[None]:
    """A delete or update whose pop receipt no longer holds (404 MessageNotFound, or 400
    PopReceiptMismatch once the message was received again) lost its lease: at-least-once
    delivery means another worker has, or will have, the message."""
    try:
        yield
    except ResourceNotFoundError:
        pass
    except HttpResponseError as exc:
        if getattr(exc, "error_code", None) != "PopReceiptMismatch":
            raise


def create_queue(client: QueueClient) -> None:
    create_if_missing(f"queue {client.queue_name}", client.create_queue)


class AzureQueue:
    def __init__(self, client: QueueClient, poison: QueueClient) -> None:
        self._client = client
        self._poison = poison
        self._lock = threading.Lock()
        self._spares: list[tuple[AzureMessage, list[Reading]]] = []
        self._per_message = 1.0  # readings per message, as last seen

    @classmethod
    def from_connection_string(cls, connection_string: str, name: str) -> AzureQueue:
        return cls(
            queue_client(connection_string, name),
            queue_client(connection_string, f"{name}-poison"),
        )

    def create(self) -> None:
        """Create the queue and its poison queue if missing: once, at start-up."""
        create_queue(self._client)
        create_queue(self._poison)

    def enqueue(self, readings: Sequence[Reading]) -> None:
        """Send the readings, split into messages under 64 KiB; returns once all are stored.

        Not atomic across messages: if a later send fails, the caller gets
        StorageUnavailable (HTTP 503), retries, and the readings already sent arrive
        twice, which processing ignores (a reading is identified by gate and ts).
        """
        with translated(f"queue {self._client.queue_name}"):
            for body in pack_readings(readings):
                self._client.send_message(body.decode())

    def enqueue_many(self, batches: Sequence[Sequence[Reading]]) -> None:
        """Several requests' readings packed together: fewer, fuller messages.

        As with :meth:`enqueue`, a failure part-way means a retry, and readings sent
        twice are ignored by processing.
        """
        self.enqueue([reading for batch in batches for reading in batch])

    def claim(self, max_readings: int, lease_seconds: float) -> list[QueueMessage]:
        lease = max(1, math.ceil(lease_seconds))
        claimed: list[QueueMessage] = []
        budget = max_readings
        with self._lock:
            spares, self._spares = self._spares, []
            for message, readings in spares:
                if claimed and len(readings) > budget:
                    self._spares.append((message, readings))
                    continue
                renewed = self._renew(message, lease)
                if renewed is not None:
                    claimed.append(_to_port(renewed, readings))
                    budget -= len(readings)
            for _ in range(MAX_RECEIVES_PER_CLAIM):
                if budget <= 0 and claimed:
                    break
                wanted = max(1, min(MAX_PER_RECEIVE, math.ceil(budget / self._per_message)))
                page = self._receive(wanted, lease)
                readings_seen = 0
                for message in page:
                    usable = self._usable(message)
                    if usable is None:
                        continue
                    readings = usable
                    readings_seen += len(readings)
                    if claimed and len(readings) > budget:
                        self._spares.append((message, readings))
                        continue
                    claimed.append(_to_port(message, readings))
                    budget -= len(readings)
                if page and readings_seen:
                    self._per_message = max(1.0, readings_seen / len(page))
                if len(page) < wanted and (claimed or not page):
                    break
        return claimed

    def _receive(self, count: int, lease: int) -> list[AzureMessage]:
        pages = self._client.receive_messages(
            messages_per_page=count, max_messages=count, visibility_timeout=lease
        ).by_page()
        return list(next(pages, []))

    def _renew(self, message: AzureMessage, lease: int) -> AzureMessage | None:
        """Extend a spare's lease (no dequeue is counted); None if the lease was lost."""
        with lease_lost_is_fine():
            updated = self._client.update_message(
                message.id, message.pop_receipt, visibility_timeout=lease
            )
            message.pop_receipt = updated.pop_receipt
            return message
        return None

    def _usable(self, message: AzureMessage) -> list[Reading] | None:
        """The message's readings, or None once it has been moved to the poison queue."""
        count = message.dequeue_count or 1
        if count <= MAX_DEQUEUE_COUNT:
            return unpack_readings(message.content)
        body = poison_body(
            message.content,
            dequeue_count=count - 1,
            poisoned_at=time.time(),
            source_id=message.id,
        )
        self._poison.send_message(body)  # first copy, then delete: never lose it
        with lease_lost_is_fine():
            self._client.delete_message(message.id, message.pop_receipt)
        return None

    def ack(self, messages: Sequence[QueueMessage]) -> None:
        for message in messages:
            with lease_lost_is_fine():
                self._client.delete_message(message.id, message.receipt)

    def release(self, message: QueueMessage, error: str, retry_after: float = 1.0) -> None:
        """Visible again after ``retry_after`` (whole seconds), with the error recorded in
        the message (re-encoded from its readings) so that it reaches the poison queue."""
        body = with_error(encode_readings(message.readings).decode(), error)
        with lease_lost_is_fine():
            self._client.update_message(
                message.id,
                message.receipt,
                content=body,
                visibility_timeout=max(0, math.ceil(retry_after)),
            )

    def stats(self) -> QueueStats:
        """Approximate, as the service is: count from the queue's properties, readings and
        age from a peek at (at most 32) visible messages, extrapolated to the count."""
        with translated(f"queue {self._client.queue_name}"):
            count = self._client.get_queue_properties().approximate_message_count or 0
            peeked = self._client.peek_messages(max_messages=MAX_PER_RECEIVE)
            poisoned = self._poison.get_queue_properties().approximate_message_count or 0
        sizes = [len(unpack_readings(m.content)) for m in peeked]
        readings = sum(sizes)
        if peeked and count > len(peeked):
            readings = round(readings / len(peeked) * count)
        oldest = min((m.inserted_on.timestamp() for m in peeked if m.inserted_on), default=None)
        return QueueStats(count, readings, oldest, poisoned)

    def poisoned(self, limit: int = 100) -> list[PoisonedMessage]:
        """The oldest poisoned messages (the service peeks at most 32). Messages the
        Functions host moved there carry no error and no count: MAX_DEQUEUE_COUNT is shown."""
        with translated(f"queue {self._poison.queue_name}"):
            peeked = self._poison.peek_messages(max_messages=min(limit, MAX_PER_RECEIVE))
        found: list[PoisonedMessage] = []
        for m in peeked:
            envelope = read_envelope(m.content)
            found.append(
                PoisonedMessage(
                    envelope.source_id or m.id,
                    len(decode_readings(bytes(envelope.readings))),
                    envelope.dequeue_count or MAX_DEQUEUE_COUNT,
                    envelope.poisoned_at or (m.inserted_on.timestamp() if m.inserted_on else 0),
                    envelope.last_error,
                )
            )
        return found

    def close(self) -> None:
        self._client.close()
        self._poison.close()


def _to_port(message: AzureMessage, readings: list[Reading]) -> QueueMessage:
    enqueued = message.inserted_on.timestamp() if message.inserted_on else time.time()
    return QueueMessage(
        message.id, readings, message.dequeue_count or 1, enqueued, message.pop_receipt or ""
    )
