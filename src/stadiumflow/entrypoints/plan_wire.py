"""Wire schemas of the match plan routes (camelCase JSON, msgspec), for both HTTP homes.

``PUT /api/flow/plan?stadiumId=X`` takes a :class:`PlanIn`; the answers are
:class:`PlanOut`, :class:`PlansOut` and :class:`DeletedOut`. As with ingest, one decoder
serves the Starlette server and the Functions app, and the OpenAPI description is
generated from these types. The limits are the domain's (``domain/plan_book.py``), the
ones a layout's ``[[plans]]`` are held to as well.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

import msgspec

from stadiumflow.domain.errors import InvalidPlan, InvalidReading
from stadiumflow.domain.plan import GatePlan, MatchPlan
from stadiumflow.domain.plan_book import (
    EARLIEST_KICKOFF,
    LATEST_KICKOFF,
    MAX_EXPECTED_FANS,
    MAX_PLAN_GATES,
    MAX_PLAN_LANES,
    first_duplicate,
    kickoff_in_range,
)
from stadiumflow.entrypoints.wire import Identifier

MAX_PLAN_BODY_BYTES = 256 * 1024
"""500 gates with 64-character ids and generous whitespace fit in a fraction of this."""
PLAN_WHOLE_NUMBER_FIELDS = ("expectedFans", "lanes")
"""Decoded as numbers, then required whole (as ingest's counts: 5200.0 is 5200, 5200.5 is
refused); the OpenAPI description says integer."""

_KICKOFF_RANGE = f"from {EARLIEST_KICKOFF.year} to {LATEST_KICKOFF.year - 1}"
_ID_FULL = re.compile(r"[A-Za-z0-9_-]{1,64}")


class GatePlanIn(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    """What one gate expects: fans to enter there over the match day, lanes installed."""

    gate_id: Identifier
    expected_fans: Annotated[
        float,
        msgspec.Meta(
            ge=0,
            le=MAX_EXPECTED_FANS,
            description="fans expected to enter by this gate over the match day (a whole"
            " number; the ticket allocation)",
        ),
    ]
    lanes: (
        Annotated[
            float,
            msgspec.Meta(
                ge=1, le=MAX_PLAN_LANES, description="turnstile lanes installed (a whole number)"
            ),
        ]
        | None
    ) = None


class PlanIn(msgspec.Struct, forbid_unknown_fields=True):
    """A stadium's plan for one match day. Exactly these fields; unknown fields are rejected."""

    kickoff: Annotated[
        datetime,
        msgspec.Meta(
            tz=True,
            description=f"ISO 8601 / RFC 3339 with a timezone (Z or an offset), {_KICKOFF_RANGE}",
        ),
    ]
    gates: Annotated[
        list[GatePlanIn],
        msgspec.Meta(
            min_length=1,
            max_length=MAX_PLAN_GATES,
            description="one entry per gate, each gateId once",
        ),
    ]


class GatePlanOut(msgspec.Struct, rename="camel"):
    gate_id: str
    expected_fans: int
    lanes: int | None


class PlanOut(msgspec.Struct, rename="camel"):
    """A stored plan: the stadium, its kickoff (UTC) and its gates in the order given."""

    stadium_id: str
    kickoff: datetime
    gates: list[GatePlanOut]


class PlansOut(msgspec.Struct, rename="camel"):
    stadium_id: str
    plans: list[PlanOut]


class DeletedOut(msgspec.Struct):
    deleted: int


_plan_decoder = msgspec.json.Decoder(PlanIn)
_AT = re.compile(r" - at `\$\.?([^`]*)`$")
_GATE_INDEX = re.compile(r"^gates\[(\d+)\]")
_NAMED = re.compile(r"(?:unknown|missing required) field `([^`]*)`")


def _invalid(message: str) -> InvalidPlan:
    """msgspec's error as InvalidPlan: ``field`` the path (``gates[3].expectedFans``),
    ``index`` the gate's position when the error is inside a gate."""
    text, path = message, ""
    at = _AT.search(message)
    if at:
        text, path = message[: at.start()], at.group(1)
    named = _NAMED.search(text)
    if named:
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    gate = _GATE_INDEX.match(path)
    text = text.replace("`float`", "a number").replace("`float | null`", "a number or null")
    return InvalidPlan(text, field=path or None, index=int(gate.group(1)) if gate else None)


def _whole(value: float, i: int, name: str) -> int:
    if not value.is_integer():
        raise InvalidPlan(f"{name} must be a whole number", field=f"gates[{i}].{name}", index=i)
    return int(value)


def decode_plan(stadium_id: str, body: bytes) -> MatchPlan:
    """Decode and validate a plan body for ``stadium_id``. Raises InvalidPlan naming the
    field; the kickoff comes back in UTC."""
    try:
        decoded = _plan_decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise _invalid(str(exc)) from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise InvalidPlan("body is not valid JSON") from None
    if not kickoff_in_range(decoded.kickoff):
        raise InvalidPlan(f"kickoff must be {_KICKOFF_RANGE}", field="kickoff")
    gates: list[GatePlan] = []
    for i, item in enumerate(decoded.gates):
        if not _ID_FULL.fullmatch(item.gate_id):  # msgspec's $ lets a final newline through
            raise InvalidPlan(
                "gateId must be 1-64 characters of A-Z, a-z, 0-9, '_' and '-'",
                field=f"gates[{i}].gateId",
                index=i,
            )
        fans = _whole(item.expected_fans, i, "expectedFans")
        lanes = None if item.lanes is None else _whole(item.lanes, i, "lanes")
        gates.append(GatePlan(item.gate_id, fans, lanes))
    duplicate = first_duplicate(g.gate_id for g in gates)
    if duplicate is not None:
        raise InvalidPlan(
            f"gate {gates[duplicate].gate_id} is planned twice",
            field=f"gates[{duplicate}].gateId",
            index=duplicate,
        )
    return MatchPlan(stadium_id, decoded.kickoff.astimezone(UTC), tuple(gates))


def kickoff_param(value: str | None) -> datetime | None:
    """The ``kickoff`` query parameter: None when absent or empty, else an aware UTC time
    (InvalidReading naming ``kickoff`` when it is not one, as any malformed parameter)."""
    if value is None or value == "":
        return None
    try:
        kickoff = msgspec.json.decode(msgspec.json.encode(value), type=datetime)
    except msgspec.ValidationError:
        kickoff = None
    if kickoff is None or kickoff.tzinfo is None or not kickoff_in_range(kickoff):
        raise InvalidReading(
            f"kickoff must be an ISO 8601 time with a timezone, {_KICKOFF_RANGE}",
            field="kickoff",
        )
    return kickoff.astimezone(UTC)


def plan_out(plan: MatchPlan) -> PlanOut:
    return PlanOut(
        plan.stadium_id,
        plan.kickoff.astimezone(UTC),
        [GatePlanOut(g.gate_id, g.expected_fans, g.lanes) for g in plan.gates],
    )


def plans_out(stadium_id: str, plans: list[MatchPlan]) -> PlansOut:
    return PlansOut(stadium_id, [plan_out(p) for p in plans])
