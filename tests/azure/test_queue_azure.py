"""Azure-only queue behaviour: poison after 5 dequeues, host-moved poison, the worker loop."""

from __future__ import annotations

import pytest
from azure.storage.queue import QueueClient

from stadiumflow.adapters.codec import encode_readings
from stadiumflow.ports import MAX_DEQUEUE_COUNT
from stadiumflow.services.consume import ConsumerStats, consume_once
from tests.conftest import reading

pytestmark = pytest.mark.azure


def test_a_message_failing_every_time_goes_to_the_poison_queue_with_its_error(services):
    queue = services.queue
    queue.enqueue([reading("G1"), reading("G2")])
    for attempt in range(1, MAX_DEQUEUE_COUNT + 1):
        (message,) = queue.claim(10, lease_seconds=30)
        assert message.dequeue_count == attempt
        queue.release(message, f"ValueError: bad {attempt}", retry_after=0)
    assert queue.claim(10, lease_seconds=30) == []  # moved, not handed out a 6th time
    stats = queue.stats()
    assert (stats.messages, stats.poisoned) == (0, 1)
    (poisoned,) = queue.poisoned()
    assert poisoned.readings == 2
    assert poisoned.dequeue_count == MAX_DEQUEUE_COUNT
    assert poisoned.last_error == f"ValueError: bad {MAX_DEQUEUE_COUNT}"


def test_a_message_the_functions_host_poisoned_is_listed_too(services, settings):
    from stadiumflow.adapters.azure.queue import queue_client

    host_side = queue_client(
        settings.azure_storage_connection, f"{settings.queue_name_inflow}-poison"
    )
    host_side.send_message(encode_readings([reading("G3")]).decode())  # as the host moves it
    (poisoned,) = services.queue.poisoned()
    assert (poisoned.readings, poisoned.dequeue_count, poisoned.last_error) == (
        1,
        MAX_DEQUEUE_COUNT,
        None,
    )


def test_the_embedded_worker_loop_runs_on_azure(services):
    services.queue.enqueue([reading(f"G{g}", m) for g in range(1, 6) for m in range(4)])
    services.queue.enqueue([reading("G1", 10)])
    stats = ConsumerStats()
    handled = consume_once(
        services.queue, services.store, services.model, stats, max_readings=100, lease_seconds=5
    )
    assert handled == 2
    assert stats.readings_applied == 21
    assert services.queue.stats().messages == 0
    assert len(services.store.stadium_statuses("AGADIR")) == 5


def test_messages_are_base64_text_for_the_functions_trigger(services, settings):
    services.queue.enqueue([reading()])
    raw = QueueClient.from_connection_string(
        settings.azure_storage_connection, settings.queue_name_inflow
    )
    (message,) = raw.peek_messages()
    assert message.content.startswith("W1si")  # base64 of '[["'
