"""The Flask simulation API, through its test client."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from stadiumflow.entrypoints.tools.sim_api import create_app
from stadiumflow.simulation.stationary import erlang_c_mean_wait


@pytest.fixture
def client() -> FlaskClient:
    return create_app().test_client()


def test_simulate_returns_wait_statistics_close_to_theory(client: FlaskClient) -> None:
    body = {
        "duration": 600,
        "arrival_rate": 96,
        "num_gates": 2,
        "lanes_per_gate": 4,
        "service_time": 4.0,
        "seed": 1,
    }
    answer = client.post("/simulate", json=body)
    assert answer.status_code == 200
    data = answer.get_json()
    assert 0 < data["average_wait"] <= data["p95_wait"] <= data["max_wait"]
    assert abs(data["fans_processed"] - 96 * 600) < 1000
    theory = erlang_c_mean_wait(48 / 60, 4.0, 4) / 60  # per gate: 48 fans/min, 4 lanes
    assert data["average_wait"] == pytest.approx(theory, rel=0.15)
    assert data["utilisation"] == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"duration": 60, "arrival_rate": 10}, "num_gates"),
        ({"duration": 60, "arrival_rate": "ten", "num_gates": 1}, "arrival_rate"),
        ({"duration": -1, "arrival_rate": 10, "num_gates": 1}, "duration"),
        ({"duration": 60, "arrival_rate": 10, "num_gates": 1.5}, "num_gates"),
        ([1, 2], "body"),
    ],
)
def test_simulate_rejects_bad_input_naming_the_field(
    client: FlaskClient, body: object, field: str
) -> None:
    answer = client.post("/simulate", json=body)
    assert answer.status_code == 400
    assert answer.get_json()["field"] == field


def test_what_if_more_lanes_shorten_the_worst_gate(client: FlaskClient) -> None:
    base = {"layout": "AGADIR", "forecast": {"total_fans": 40000}, "seed": 2}
    before = client.post("/simulate/what-if", json=base).get_json()
    worst = max(before["gates"], key=lambda g: g["peakWait"])
    assert worst["peakWait"] > 10 and len(worst["profile"]) > 100
    more = {**base, "lanes": {worst["gateId"]: worst["lanes"] * 3}}
    after = client.post("/simulate/what-if", json=more).get_json()
    again = next(g for g in after["gates"] if g["gateId"] == worst["gateId"])
    assert again["peakWait"] < worst["peakWait"] / 3


def test_what_if_inline_layout_and_rate_forecast(client: FlaskClient) -> None:
    layout = {
        "stadium": {"id": "MINI", "perimeter_walk_minutes": 10},
        "sectors": [{"id": "A", "seats": 5000}],
        "gates": [{"id": "G1", "lanes": 2, "sectors": ["A"], "angle_deg": 0}],
    }
    rates = [0.0] * 60 + [40.0] * 30 + [0.0] * 90  # 40 fans/min vs ~27/min capacity
    answer = client.post(
        "/simulate/what-if", json={"layout": layout, "forecast": {"arrivals_per_minute": rates}}
    )
    assert answer.status_code == 200
    gate = answer.get_json()["gates"][0]
    assert gate["peakWait"] > 5 and gate["redMinutes"] >= 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"layout": "NOWHERE", "forecast": {"total_fans": 1}}, "layout"),
        ({"layout": {"stadium": {}}, "forecast": {"total_fans": 1}}, "layout"),
        ({"layout": "RABAT", "forecast": {"total_fans": -5}}, "forecast.total_fans"),
        (
            {"layout": "RABAT", "forecast": {"arrivals_per_minute": ["x"]}},
            "forecast.arrivals_per_minute",
        ),
        ({"layout": "RABAT", "forecast": {"total_fans": 10}, "lanes": {"G99": 3}}, "lanes"),
    ],
)
def test_what_if_rejects_bad_input_naming_the_field(
    client: FlaskClient, body: object, field: str
) -> None:
    answer = client.post("/simulate/what-if", json=body)
    assert answer.status_code == 400
    assert answer.get_json()["field"] == field
