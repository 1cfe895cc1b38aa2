"""The dashboard in headless Chromium, against the real server fed over HTTP.

A small replay posts half an hour of readings for six gates, shaped so that the gates end
green, yellow and red (one with a frozen queue sensor, an anomaly); the redirection
planner is not built yet, so one piece of advice is seeded in the store before the server
starts (the worker carries advice over to newer statuses; once the planner runs, it may
replace that advice with its own, and the page must show whichever the API has). Then the
page must show it all,
and a reading that turns a gate red must recolour its tile with no navigation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from stadiumflow.adapters.sqlite.store import SqliteGateStore
from stadiumflow.domain.classify import GateState
from stadiumflow.domain.recommendation import Recommendation
from stadiumflow.domain.status import GateStatus
from stadiumflow.testing.processes import ServerProcess, start_server, wait_until

pytestmark = pytest.mark.browser

STADIUM = "AGADIR"
MINUTES = 30
ADVICE = "Gate G3 busy: use Gate G4 (3 min walk)"
# gate -> (fans per minute, queue at minute i): ends green, yellow, red, green, stuck, green.
SHAPES = {
    "G1": (40, lambda i: 18 + i % 4),
    "G2": (25, lambda i: 60 + 4 * i),
    "G3": (25, lambda i: 100 + 12 * i),
    "G4": (40, lambda i: 30 + i % 5),
    "G5": (20, lambda i: 120),
    "G6": (30, lambda i: 40 + i),
}
LABELS = {"green": "GREEN", "yellow": "YELLOW", "red": "RED"}


def _iso(ts: datetime) -> str:
    return ts.isoformat().replace("+00:00", "Z")


def _reading(gate: str, ts: datetime, count: int, queue: int) -> dict[str, Any]:
    return {
        "stadiumId": STADIUM,
        "gateId": gate,
        "ts": _iso(ts),
        "perMinuteCount": count,
        "avgProcessingTime": 3.2,
        "queueLength": queue,
    }


def _seed_advice(data_dir: Path, ts: datetime) -> None:
    store = SqliteGateStore(data_dir / "gates.sqlite3")
    advice = Recommendation("G3", "G4", 0.3, 3.0, 9.0)
    assert advice.message == ADVICE
    seeded = GateStatus(
        stadium_id=STADIUM,
        gate_id="G3",
        ts=ts,
        wait=1.0,
        state=GateState.GREEN,
        per_minute_count=25,
        avg_processing_time=3.2,
        queue_length=20,
        model="seed",
        recommendation=advice,
    )
    with store.session() as session:
        session.save([seeded], [], {})
    store.close()


@pytest.fixture
def fed_server(tmp_path: Path) -> Iterator[tuple[ServerProcess, datetime]]:
    """A server whose AGADIR gates have half an hour of history, ending a minute ago."""
    data = tmp_path / "data"
    data.mkdir()
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(minutes=MINUTES + 1)
    _seed_advice(data, start - timedelta(minutes=1))
    server = start_server(data)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for i in range(MINUTES):
                ts = start + timedelta(minutes=i)
                batch = [_reading(g, ts, c, q(i)) for g, (c, q) in SHAPES.items()]
                assert client.post("/api/flow/ingest", json=batch).status_code == 202
            last = _iso(start + timedelta(minutes=MINUTES - 1))

            def caught_up() -> bool:
                response = client.get("/api/flow/status", params={"stadiumId": STADIUM})
                gates = response.json()["gates"] if response.status_code == 200 else []
                return len(gates) == len(SHAPES) and all(g["last_updated"] == last for g in gates)

            wait_until(caught_up)
        yield server, now
    finally:
        server.stop()


def test_tiles_show_states_and_a_live_update_arrives_without_reload(fed_server, browser, artifacts):
    server, now = fed_server
    status = httpx.get(f"{server.url}/api/flow/status", params={"stadiumId": STADIUM}).json()
    by_gate = {g["gateId"]: g for g in status["gates"]}
    assert {g["state"] for g in by_gate.values()} == {"green", "yellow", "red"}

    page = browser.new_page(viewport={"width": 1600, "height": 1000}, bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
    page.goto(f"{server.url}/?stadium={STADIUM}")
    page.wait_for_selector("#conn[data-conn='live']")
    page.wait_for_function(
        f"document.querySelectorAll('.tile[data-gate]').length === {len(SHAPES)}"
    )
    page.wait_for_function("document.querySelectorAll('.spark polyline').length >= 6")

    for gate_id, gate in by_gate.items():
        tile = page.locator(f".tile[data-gate='{gate_id}']")
        assert tile.get_attribute("data-state") == gate["state"]
        assert LABELS[gate["state"]] in tile.locator(".state-label").inner_text()
        assert tile.locator(".state-icon *").count() > 0  # a shape as well as a colour
        assert tile.locator(".wait-value").inner_text().strip()
        if gate["anomaly"]:
            badge = tile.locator(".badge").inner_text()
            assert gate["anomalyKind"].replace("_", " ") in badge and "since" in badge
        at_risk = gate["state"] != "red" and max(gate["waitHigh"] or 0, gate["waitIn15"] or 0) > 10
        assert tile.locator(".risk").count() == (1 if at_risk else 0), gate_id
    assert by_gate["G5"]["anomaly"], "a frozen queue sensor should be flagged"
    advised = {g: d["recommendation"]["message"] for g, d in by_gate.items() if d["recommendation"]}
    assert advised, "the seeded advice, or the planner's, is on some gate"
    for gate_id in by_gate:
        advice = page.locator(f".tile[data-gate='{gate_id}'] .advice")
        if gate_id in advised:
            assert advice.inner_text() == advised[gate_id]
        else:
            assert advice.is_hidden()
    assert page.locator("#kpi-rate").inner_text() == str(
        sum(g["perMinuteCount"] for g in by_gate.values())
    )
    reds = sum(g["state"] == "red" for g in by_gate.values())
    assert page.locator("#kpi-red").inner_text().replace(" ", "") == f"{reds}/{len(SHAPES)}"
    assert "G" in page.locator("#kpi-worst").inner_text()
    assert page.locator("#feed li").count() > 0
    page.screenshot(path=str(artifacts / "dashboard-wall.png"), full_page=True)

    # Live: mark the document, turn G6 red over HTTP, and watch the same document change.
    page.evaluate("window.__sameDocument = true")
    assert by_gate["G6"]["state"] != "red"
    readings = [
        _reading("G6", now - timedelta(seconds=40), 25, 350),
        _reading("G6", now - timedelta(seconds=20), 25, 650),
    ]
    for reading in readings:
        assert httpx.post(f"{server.url}/api/flow/ingest", json=reading).status_code == 202
    page.wait_for_selector(".tile[data-gate='G6'][data-state='red']", timeout=15_000)
    assert page.evaluate("window.__sameDocument === true")
    assert page.url.endswith(f"/?stadium={STADIUM}")
    assert "RED" in page.locator(".tile[data-gate='G6'] .state-label").inner_text()
    page.wait_for_selector("#feed li[data-kind='state_changed'][data-tone='red'] >> text=G6")
    page.wait_for_timeout(1500)  # let the change flash settle for the picture
    page.screenshot(path=str(artifacts / "dashboard-live.png"), full_page=True)
    assert not errors, errors
    assert not outside, f"the dashboard fetched from elsewhere: {outside}"
    page.close()


def test_dashboard_fits_a_phone(fed_server, browser, artifacts):
    server, _ = fed_server
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, bypass_csp=True
    )
    page.goto(f"{server.url}/?stadium={STADIUM}")
    page.wait_for_function(
        f"document.querySelectorAll('.tile[data-gate]').length === {len(SHAPES)}"
    )
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, "no sideways scrolling on a phone"
    first = page.locator(".tile").first.bounding_box()
    assert first is not None and first["width"] > 300  # one tile per row, full width
    page.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=False)
    page.close()


def test_stadium_choice_is_remembered_in_the_url(fed_server, browser):
    server, _ = fed_server
    csp = httpx.get(server.url + "/").headers["content-security-policy"]
    assert "default-src 'self'" in csp  # every asset is ours; no CDN could load
    page = browser.new_page(bypass_csp=True)  # Playwright's polling evaluates strings
    page.goto(server.url + "/")
    page.wait_for_function("new URL(location.href).searchParams.get('stadium') === 'AGADIR'")
    assert page.locator("#stadium-select").input_value() == STADIUM
    page.close()


def test_a_gate_whose_bound_or_forecast_is_red_shows_it_may_turn_red(tmp_path, browser):
    """Statuses seeded in the store, served with no worker: what the tile says follows
    from the status alone, whatever the model would have said."""
    data = tmp_path / "data"
    data.mkdir()
    now = datetime.now(UTC).replace(microsecond=0)
    shapes = {  # gate -> (state, wait, 90% bound, in 15 minutes)
        "G1": (GateState.YELLOW, 8.0, 13.0, 9.0),  # the bound is red
        "G2": (GateState.GREEN, 3.0, 4.5, 12.0),  # the forecast is red
        "G3": (GateState.YELLOW, 7.0, 9.5, 8.0),  # nothing red ahead
        "G4": (GateState.RED, 14.0, 18.0, 16.0),  # red already
    }
    store = SqliteGateStore(data / "gates.sqlite3")
    with store.session() as session:
        session.save(
            [
                GateStatus(
                    STADIUM, g, now, wait, state, 20, 3.0, 60, "seed", 0.5 * wait, high, ahead
                )
                for g, (state, wait, high, ahead) in shapes.items()
            ],
            [],
            {},
        )
    store.close()
    server = start_server(data, "--worker", "none")
    try:
        page = browser.new_page(viewport={"width": 1600, "height": 1000}, bypass_csp=True)
        page.goto(f"{server.url}/?stadium={STADIUM}")
        page.wait_for_function("document.querySelectorAll('.tile[data-gate]').length === 4")
        risky = {g: page.locator(f".tile[data-gate='{g}'] .risk").count() for g in shapes}
        assert risky == {"G1": 1, "G2": 1, "G3": 0, "G4": 0}
        assert "may turn red" in page.locator(".tile[data-gate='G1'] .risk").inner_text()
        page.close()
    finally:
        server.stop()


def test_old_data_is_stale_until_it_runs_faster_than_real_time_as_a_replay(tmp_path, browser):
    """Three-hour-old readings that stand still are stale; the same readings arriving a
    minute of event time per half second (the demo at 60x) read as a replay, not stale."""
    data = tmp_path / "data"
    data.mkdir()
    server = start_server(data)
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
    try:
        url = server.url
        with httpx.Client(base_url=url, timeout=10) as client:

            def post(minute: int) -> None:
                ts = start + timedelta(minutes=minute)
                batch = [_reading(g, ts, 30, 20) for g in ("G1", "G2")]
                assert client.post("/api/flow/ingest", json=batch).status_code == 202

            post(0)
            page = browser.new_page(bypass_csp=True)
            page.goto(f"{url}/?stadium={STADIUM}")
            page.wait_for_function(
                "document.getElementById('kpi-fresh').textContent.includes('h ago')"
            )
            assert "stale" in (page.get_attribute("#kpi-fresh-box", "class") or "")
            for minute in range(1, 16):
                post(minute)
                page.wait_for_timeout(500)
            page.wait_for_function(
                "document.getElementById('kpi-fresh').textContent.includes('replay ×')"
            )
            assert "stale" not in (page.get_attribute("#kpi-fresh-box", "class") or "")
            page.close()
    finally:
        server.stop()
