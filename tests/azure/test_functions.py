"""The Functions handlers against Azurite: ingest -> gates-inflow -> trigger -> status."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from azure.storage.queue import QueueClient

from stadiumflow.adapters.codec import encode_readings
from stadiumflow.domain.readings import Reading
from tests.azure.functions import (
    body_json,
    deliver,
    deliver_body,
    get_status,
    inflow_client,
    post_ingest,
)
from tests.conftest import BASE_TS, reading

pytestmark = pytest.mark.azure


def wire(r: Reading) -> dict[str, object]:
    return {
        "stadiumId": r.stadium_id,
        "gateId": r.gate_id,
        "ts": r.ts.isoformat().replace("+00:00", "Z"),
        "perMinuteCount": r.per_minute_count,
        "avgProcessingTime": r.avg_processing_time,
        "queueLength": r.queue_length,
    }


def receive_all(services, settings):
    client = inflow_client(settings.azure_storage_connection, settings.queue_name_inflow)
    return list(client.receive_messages(messages_per_page=32, visibility_timeout=30))


def test_ingest_enqueues_base64_and_the_trigger_makes_the_status(services, settings):
    readings = [reading(f"G{g}", m, queue=40 * g) for g in (1, 2, 10) for m in range(3)]
    response = post_ingest([wire(r) for r in readings])
    assert response.status_code == 202
    assert body_json(response) == {"accepted": 9}

    raw = QueueClient.from_connection_string(  # no decode policy: the text on the wire
        settings.azure_storage_connection, settings.queue_name_inflow
    )
    (peeked,) = raw.peek_messages()
    assert base64.b64decode(peeked.content).startswith(b'[["AGADIR"')  # the trigger decodes it

    (message,) = receive_all(services, settings)
    deliver(message)
    status = get_status({"stadiumId": "AGADIR"})
    assert status.status_code == 200
    body = body_json(status)
    assert [g["gateId"] for g in body["gates"]] == ["G1", "G2", "G10"]
    newest = (BASE_TS + timedelta(minutes=2)).isoformat().replace("+00:00", "Z")
    assert {g["last_updated"] for g in body["gates"]} == {newest}
    assert all(g["state"] in ("green", "yellow", "red") and g["wait"] >= 0 for g in body["gates"])
    assert len(services.store.history("AGADIR", "G2")) == 3


def test_a_large_request_is_split_into_messages_under_64_kib(services, settings):
    readings = [reading(f"G{i % 40}", i // 40) for i in range(4_000)]
    assert post_ingest([wire(r) for r in readings]).status_code == 202
    messages = receive_all(services, settings)
    assert len(messages) > 1
    assert all(len(base64.b64encode(m.content.encode())) < 64 * 1024 for m in messages)
    for message in messages:
        deliver(message)
    assert len(body_json(get_status({"stadiumId": "AGADIR"}))["gates"]) == 40
    assert len(services.store.history("AGADIR", "G7", limit=1_000)) == 100


def test_a_duplicate_delivery_changes_nothing(services, settings):
    post_ingest([wire(reading("G1", m)) for m in range(3)])
    (message,) = receive_all(services, settings)
    deliver(message)
    before = (
        body_json(get_status({"stadiumId": "AGADIR"})),
        services.store.history("AGADIR", "G1"),
        services.store.events("AGADIR"),
    )
    deliver(message)  # the host redelivers (e.g. the first run timed out after writing)
    after = (
        body_json(get_status({"stadiumId": "AGADIR"})),
        services.store.history("AGADIR", "G1"),
        services.store.events("AGADIR"),
    )
    assert after == before


def test_an_older_reading_arriving_late_never_moves_the_status_back(services):
    deliver_body(encode_readings([reading("G1", 10, queue=300)]))
    deliver_body(encode_readings([reading("G1", 5, queue=0)]))
    (gate,) = body_json(get_status({"stadiumId": "AGADIR"}))["gates"]
    assert gate["last_updated"] == (BASE_TS + timedelta(minutes=10)).isoformat().replace(
        "+00:00", "Z"
    )
    assert gate["queueLength"] == 300
    history = services.store.history("AGADIR", "G1")
    assert [h.late for h in history] == [True, False]


def test_the_original_wire_format_is_accepted_on_the_queue(services):
    deliver_body(
        b'{"stadiumId":"RABAT","gateId":"G4","ts":"2025-07-14T17:00:00Z",'
        b'"perMinuteCount":30,"avgProcessingTime":2.0,"queueLength":12}'
    )
    assert [g["gateId"] for g in body_json(get_status({"stadiumId": "RABAT"}))["gates"]] == ["G4"]


@pytest.mark.parametrize("tries", [1, 5])
def test_a_bad_message_is_re_raised_so_the_host_retries_then_poisons_it(services, tries):
    with pytest.raises(Exception):  # noqa: B017  # any failure: the host's policy applies
        deliver_body(b"not json at all", dequeue_count=tries)
    assert services.store.stadiums() == []


INJECTION = "nope' or 'a' eq 'a"


def test_an_odata_injection_in_stadium_id_is_refused(services):
    deliver_body(encode_readings([reading("G1", 0, stadium="AGADIR")]))
    response = get_status({"stadiumId": INJECTION})
    assert response.status_code == 400
    assert body_json(response)["field"] == "stadiumId"
    # Below the HTTP edge, the adapter binds values with parameters=: still no rows.
    assert services.store.stadium_statuses(INJECTION) == []
    assert services.store.history(INJECTION, "G1") == []
    assert services.store.history("AGADIR", INJECTION) == []
    assert services.store.events(INJECTION) == []


def test_unknown_stadium_is_404(services):
    response = get_status({"stadiumId": "NOWHERE"})
    assert response.status_code == 404
    assert body_json(response)["error"] == "not_found"


@pytest.mark.parametrize("params", [{}, {"stadiumId": ""}])
def test_a_missing_stadium_id_is_its_own_error(services, params):
    response = get_status(params)
    assert response.status_code == 400
    assert body_json(response) == {
        "error": "missing_parameter",
        "message": "query parameter stadiumId is required",
        "field": "stadiumId",
    }
