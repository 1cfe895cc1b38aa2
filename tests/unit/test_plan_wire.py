"""The match plan's wire format: every bad plan is refused naming its field, nothing else is."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import msgspec
import pytest

from stadiumflow.domain.errors import InvalidPlan, InvalidReading
from stadiumflow.domain.plan import GatePlan, MatchPlan
from stadiumflow.entrypoints.plan_wire import decode_plan, kickoff_param, plan_out, plans_out

KICKOFF = datetime(2025, 7, 14, 20, tzinfo=UTC)
G1 = {"gateId": "G1", "expectedFans": 5200, "lanes": 6}
G2 = {"gateId": "G2", "expectedFans": 3100}


def body(**changes: object) -> bytes:
    return json.dumps({"kickoff": "2025-07-14T20:00:00Z", "gates": [G1, G2], **changes}).encode()


def gates(*extra: dict[str, object]) -> list[dict[str, object]]:
    return [G1, G2, *extra]


def test_a_good_plan_decodes_with_its_kickoff_in_utc():
    plan = decode_plan("AGADIR", body(kickoff="2025-07-14T22:00:00+02:00"))
    assert plan == MatchPlan("AGADIR", KICKOFF, (GatePlan("G1", 5200, 6), GatePlan("G2", 3100)))
    assert plan.kickoff.tzinfo is UTC


def test_whole_numbers_written_with_a_decimal_point_are_counts():
    plan = decode_plan(
        "AGADIR", body(gates=[{"gateId": "G1", "expectedFans": 5200.0, "lanes": 6.0}])
    )
    (gate,) = plan.gates
    assert (gate.expected_fans, gate.lanes) == (5200, 6)
    assert type(gate.expected_fans) is int and type(gate.lanes) is int


def test_lanes_may_be_left_out_or_null_and_zero_fans_is_a_plan():
    plan = decode_plan(
        "AGADIR", body(gates=[{"gateId": "G1", "expectedFans": 0, "lanes": None}, G2])
    )
    assert plan.gates == (GatePlan("G1", 0, None), GatePlan("G2", 3100, None))


def test_the_limits_themselves_are_accepted():
    many = [{"gateId": f"G{i}", "expectedFans": 1_000_000, "lanes": 200} for i in range(500)]
    plan = decode_plan("AGADIR", body(gates=many, kickoff="2099-12-31T23:59:59Z"))
    assert len(plan.gates) == 500
    assert decode_plan("AGADIR", body(gates=[{**G1, "gateId": "A" * 64, "lanes": 1}]))


@pytest.mark.parametrize(
    ("changes", "field", "index"),
    [
        ({"kickoff": "2025-07-14T20:00:00"}, "kickoff", None),  # naive
        ({"kickoff": "2025-07-14"}, "kickoff", None),
        ({"kickoff": "tomorrow"}, "kickoff", None),
        ({"kickoff": 1752523200}, "kickoff", None),
        ({"kickoff": "1999-12-31T23:59:59Z"}, "kickoff", None),
        ({"kickoff": "2100-01-01T00:00:00Z"}, "kickoff", None),
        ({"kickoff": "0001-01-01T00:00:00+01:00"}, "kickoff", None),  # would overflow in UTC
        ({"gates": []}, "gates", None),
        ({"gates": [G1] * 501}, "gates", None),
        ({"gates": {"G1": 5200}}, "gates", None),
        ({"gates": gates({"gateId": "G3", "expectedFans": -1})}, "gates[2].expectedFans", 2),
        ({"gates": gates({"gateId": "G3", "expectedFans": 5200.5})}, "gates[2].expectedFans", 2),
        ({"gates": gates({"gateId": "G3", "expectedFans": 1_000_001})}, "gates[2].expectedFans", 2),
        ({"gates": gates({"gateId": "G3", "expectedFans": "5200"})}, "gates[2].expectedFans", 2),
        ({"gates": gates({"gateId": "G3", "expectedFans": True})}, "gates[2].expectedFans", 2),
        ({"gates": gates({"gateId": "G3"})}, "gates[2].expectedFans", 2),
        ({"gates": gates({"gateId": "G3", "expectedFans": 1, "lanes": 0})}, "gates[2].lanes", 2),
        ({"gates": gates({"gateId": "G3", "expectedFans": 1, "lanes": 201})}, "gates[2].lanes", 2),
        ({"gates": gates({"gateId": "G3", "expectedFans": 1, "lanes": 2.5})}, "gates[2].lanes", 2),
        ({"gates": gates({"gateId": "G3", "expectedFans": 1, "lanes": "6"})}, "gates[2].lanes", 2),
        ({"gates": gates({"expectedFans": 1})}, "gates[2].gateId", 2),
        ({"gates": gates({"gateId": "", "expectedFans": 1})}, "gates[2].gateId", 2),
        ({"gates": gates({"gateId": "G" * 65, "expectedFans": 1})}, "gates[2].gateId", 2),
        ({"gates": gates({"gateId": "G 3", "expectedFans": 1})}, "gates[2].gateId", 2),
        ({"gates": gates({"gateId": "G3\n", "expectedFans": 1})}, "gates[2].gateId", 2),
        ({"gates": gates({"gateId": "G3' or 'a' eq 'a", "expectedFans": 1})}, "gates[2].gateId", 2),
        ({"gates": gates({"gateId": 3, "expectedFans": 1})}, "gates[2].gateId", 2),
        ({"gates": gates({**G1})}, "gates[2].gateId", 2),  # G1 twice
        ({"gates": gates({"gateId": "G3", "expectedFans": 1, "seats": 9})}, "gates[2].seats", 2),
        ({"stadiumId": "AGADIR"}, "stadiumId", None),  # it is the query's, not the body's
    ],
)
def test_a_bad_plan_is_refused_naming_the_field(changes, field, index):
    with pytest.raises(InvalidPlan) as caught:
        decode_plan("AGADIR", body(**changes))
    assert (caught.value.field, caught.value.index) == (field, index)
    assert "`float" not in caught.value.message  # said in the reader's terms


def test_a_duplicate_gate_is_named_where_it_repeats():
    with pytest.raises(InvalidPlan) as caught:
        decode_plan("AGADIR", body(gates=[G1, G2, {**G2, "expectedFans": 1}]))
    assert caught.value.message == "gate G2 is planned twice"
    assert (caught.value.field, caught.value.index) == ("gates[2].gateId", 2)


def test_a_missing_kickoff_is_named():
    with pytest.raises(InvalidPlan) as caught:
        decode_plan("AGADIR", json.dumps({"gates": [G1]}).encode())
    assert caught.value.field == "kickoff"


NOT_PLANS = [b"", b"{nope", b"[]", b"null", b'"plan"']
NOT_PLANS += [b'{"kickoff": "\xff"}', b'{"gates": ["\xff"]}']  # not UTF-8


@pytest.mark.parametrize("raw", NOT_PLANS)
def test_a_body_that_is_no_plan_is_refused(raw):
    with pytest.raises(InvalidPlan):
        decode_plan("AGADIR", raw)


def test_the_kickoff_parameter_is_an_aware_time_in_utc():
    assert kickoff_param("2025-07-14T22:00:00+02:00") == KICKOFF
    assert kickoff_param(None) is None and kickoff_param("") is None
    for bad in ("2025-07-14T20:00:00", "2025-07-14", "soon", "1999-01-01T00:00:00Z"):
        with pytest.raises(InvalidReading) as caught:
            kickoff_param(bad)
        assert caught.value.field == "kickoff"


def test_plans_go_out_in_camel_case_with_a_utc_kickoff():
    plan = MatchPlan("AGADIR", KICKOFF, (GatePlan("G1", 5200, 6), GatePlan("G2", 3100)))
    assert msgspec.json.decode(msgspec.json.encode(plans_out("AGADIR", [plan]))) == {
        "stadiumId": "AGADIR",
        "plans": [
            {
                "stadiumId": "AGADIR",
                "kickoff": "2025-07-14T20:00:00Z",
                "gates": [
                    {"gateId": "G1", "expectedFans": 5200, "lanes": 6},
                    {"gateId": "G2", "expectedFans": 3100, "lanes": None},
                ],
            }
        ],
    }
    assert plan_out(plan).kickoff == KICKOFF
