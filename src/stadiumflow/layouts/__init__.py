"""Stadium layouts written by operators as TOML files, loaded and validated.

A layout file (see ``agadir.toml`` for a commented example)::

    [stadium]
    id = "AGADIR"                 # the stadiumId the turnstiles report
    name = "Grand Stade d'Agadir"
    perimeter_walk_minutes = 16   # minutes to walk once around the outside

    [[sectors]]
    id = "NORTH-LOWER"
    seats = 6000

    [[gates]]
    id = "G1"
    lanes = 8                     # turnstiles working in parallel
    sectors = ["NORTH-LOWER"]     # tickets this gate accepts
    angle_deg = 0                 # position around the perimeter
    attraction = 1.0              # optional: relative pull among gates of a sector
    service_mean_seconds = 4.5    # optional: ticket scan + bag check, mean seconds
    service_cv = 0.6              # optional: coefficient of variation of that time

    [[walks]]                     # optional overrides of perimeter walking times
    from = "G1"
    to = "G2"
    minutes = 3

    [[plans]]                     # optional: match plans, one per match day
    kickoff = 2025-07-14T20:00:00Z  # a TOML date-time with Z or an offset (or such a string)
    [[plans.gates]]               # the gates the plan names (not necessarily all)
    id = "G1"                     # one of the [[gates]] above, once per plan
    expected_fans = 5200          # fans expected to enter there over the match day
    lanes = 6                     # optional: default, the gate's lanes above

A plan from a layout file is saved into the store at start-up unless the store already
holds a plan for that stadium and kickoff: a plan the operator PUT through the API wins,
and a plan deleted through the API comes back at the next start while the file holds
it (edit the file to remove it for good). The limits are the API's
(``domain/plan_book.py``): at most 500 gates, 0 to 1,000,000 fans, 1 to 200 lanes, a
kickoff from 2000 to 2099; unknown keys in a plan are refused.

Errors name the offending field, e.g. ``gates[3].lanes: must be an integer >= 1``.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from stadiumflow.domain.errors import InvalidLayout
from stadiumflow.domain.layout import GateLayout, SectorLayout, StadiumLayout
from stadiumflow.domain.plan import GatePlan, MatchPlan
from stadiumflow.domain.plan_book import (
    MAX_EXPECTED_FANS,
    MAX_PLAN_GATES,
    MAX_PLAN_LANES,
    first_duplicate,
    kickoff_in_range,
)

SHIPPED_LAYOUTS: tuple[str, ...] = ("AGADIR", "RABAT", "CASABLANCA")
MAX_LANES = 200
MAX_SERVICE_SECONDS = 120.0


def load_layout(name_or_path: str | Path) -> StadiumLayout:
    """A shipped layout by stadium id (``"AGADIR"``) or an operator's TOML file by path."""
    text = str(name_or_path)
    if text.upper() in SHIPPED_LAYOUTS and not Path(text).is_file():
        resource = resources.files(__package__).joinpath(f"{text.lower()}.toml")
        source = resource.read_text(encoding="utf-8")
        return parse_layout_toml(source, where=f"{text.lower()}.toml")
    path = Path(text)
    if not path.is_file():
        known = ", ".join(SHIPPED_LAYOUTS)
        raise InvalidLayout(f"no such layout file (shipped layouts: {known})", where=text)
    return parse_layout_toml(path.read_text(encoding="utf-8"), where=str(path))


def parse_layout_toml(source: str, *, where: str = "layout") -> StadiumLayout:
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidLayout(f"not valid TOML ({exc})", where=where) from exc
    return parse_layout(data, where=where)


def parse_layout(data: Any, *, where: str = "layout") -> StadiumLayout:
    """Validate a layout mapping (parsed TOML, or inline JSON in the what-if API)."""
    if not isinstance(data, dict):
        raise InvalidLayout("must be a table/object", where=where)
    stadium = _table(data, "stadium", where)
    stadium_id = _text(stadium, "id", f"{where}: stadium")
    name = str(stadium.get("name", stadium_id))
    perimeter = _number(stadium, "perimeter_walk_minutes", f"{where}: stadium", 0.0, 120.0, 16.0)

    sectors = tuple(
        SectorLayout(
            _text(row, "id", f"{where}: sectors[{i}]"),
            int(_number(row, "seats", f"{where}: sectors[{i}]", 1, 500_000, None, integer=True)),
        )
        for i, row in enumerate(_rows(data, "sectors", where))
    )
    sector_ids = [s.sector_id for s in sectors]
    _unique(sector_ids, f"{where}: sectors[].id")

    gates = tuple(
        _gate(row, f"{where}: gates[{i}]", set(sector_ids))
        for i, row in enumerate(_rows(data, "gates", where))
    )
    gate_ids = [g.gate_id for g in gates]
    _unique(gate_ids, f"{where}: gates[].id")
    for sector in sector_ids:
        if not any(sector in g.sectors for g in gates):
            raise InvalidLayout(
                f"sector {sector!r} is served by no gate", where=f"{where}: sectors"
            )

    walks: dict[tuple[str, str], float] = {}
    for i, row in enumerate(data.get("walks", []) or []):
        at = f"{where}: walks[{i}]"
        if not isinstance(row, dict):
            raise InvalidLayout("must be a table", where=at)
        a, b = _text(row, "from", at), _text(row, "to", at)
        for end in (a, b):
            if end not in gate_ids:
                raise InvalidLayout(f"unknown gate {end!r}", where=at)
        walks[(a, b)] = _number(row, "minutes", at, 0.0, 120.0, None)
    plans = _plans(data.get("plans", []), stadium_id, {g.gate_id: g for g in gates}, where)
    return StadiumLayout(stadium_id, name, gates, sectors, perimeter, walks, plans)


_PLAN_KEYS = frozenset({"kickoff", "gates"})
_PLAN_GATE_KEYS = frozenset({"id", "expected_fans", "lanes"})


def _plans(
    rows: Any, stadium_id: str, gates: dict[str, GateLayout], where: str
) -> tuple[MatchPlan, ...]:
    if not isinstance(rows, list):
        raise InvalidLayout("must be an array of [[plans]] tables", where=f"{where}: plans")
    plans = tuple(
        _plan(row, stadium_id, gates, f"{where}: plans[{i}]") for i, row in enumerate(rows)
    )
    twice = first_duplicate(p.kickoff.isoformat() for p in plans)
    if twice is not None:
        raise InvalidLayout("a second plan at the same kickoff", where=f"{where}: plans[{twice}]")
    return tuple(sorted(plans, key=lambda p: p.kickoff))


def _plan(row: Any, stadium_id: str, gates: dict[str, GateLayout], at: str) -> MatchPlan:
    _known_keys(row, _PLAN_KEYS, at)
    kickoff = _kickoff(row.get("kickoff"), f"{at}.kickoff")
    rows = row.get("gates")
    if not isinstance(rows, list) or not rows or len(rows) > MAX_PLAN_GATES:
        raise InvalidLayout(
            f"needs 1 to {MAX_PLAN_GATES} [[plans.gates]] entries", where=f"{at}.gates"
        )
    planned = tuple(_plan_gate(r, gates, f"{at}.gates[{j}]") for j, r in enumerate(rows))
    twice = first_duplicate(g.gate_id for g in planned)
    if twice is not None:
        raise InvalidLayout(
            f"gate {planned[twice].gate_id!r} is planned twice", where=f"{at}.gates[{twice}].id"
        )
    return MatchPlan(stadium_id, kickoff, planned)


def _plan_gate(row: Any, gates: dict[str, GateLayout], at: str) -> GatePlan:
    _known_keys(row, _PLAN_GATE_KEYS, at)
    gate_id = _text(row, "id", at)
    if gate_id not in gates:
        raise InvalidLayout(f"unknown gate {gate_id!r}", where=f"{at}.id")
    fans = _number(row, "expected_fans", at, 0, MAX_EXPECTED_FANS, None, integer=True)
    lanes = _number(row, "lanes", at, 1, MAX_PLAN_LANES, gates[gate_id].lanes, integer=True)
    return GatePlan(gate_id, int(fans), int(lanes))


def _kickoff(value: Any, at: str) -> datetime:
    """A TOML date-time with an offset (or an ISO 8601 string with one, from JSON)."""
    hint = "must be a date-time with Z or an offset, e.g. 2025-07-14T20:00:00Z"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidLayout(hint, where=at) from None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidLayout(hint, where=at)
    if not kickoff_in_range(value):
        raise InvalidLayout("must be from 2000 to 2099", where=at)
    return value.astimezone(UTC)


def _known_keys(row: Any, known: frozenset[str], at: str) -> None:
    if not isinstance(row, dict):
        raise InvalidLayout("must be a table", where=at)
    for key in row:
        if key not in known:
            raise InvalidLayout(
                f"unknown key (known: {', '.join(sorted(known))})", where=f"{at}.{key}"
            )


def _gate(row: Any, at: str, sector_ids: set[str]) -> GateLayout:
    if not isinstance(row, dict):
        raise InvalidLayout("must be a table", where=at)
    served = row.get("sectors")
    if not isinstance(served, list) or not served or not all(isinstance(s, str) for s in served):
        raise InvalidLayout("must be a non-empty list of sector ids", where=f"{at}.sectors")
    for sector in served:
        if sector not in sector_ids:
            raise InvalidLayout(f"unknown sector {sector!r}", where=f"{at}.sectors")
    return GateLayout(
        gate_id=_text(row, "id", at),
        lanes=int(_number(row, "lanes", at, 1, MAX_LANES, None, integer=True)),
        sectors=tuple(served),
        angle_deg=_number(row, "angle_deg", at, 0.0, 360.0, 0.0),
        attraction=_number(row, "attraction", at, 0.01, 100.0, 1.0),
        service_mean_seconds=_number(
            row, "service_mean_seconds", at, 0.5, MAX_SERVICE_SECONDS, 4.5
        ),
        service_cv=_number(row, "service_cv", at, 0.0, 3.0, 0.6),
    )


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise InvalidLayout("missing table", where=f"{where}: {key}")
    return value


def _rows(data: dict[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise InvalidLayout(f"needs at least one [[{key}]] entry", where=f"{where}: {key}")
    return value


def _text(row: Any, key: str, at: str) -> str:
    if not isinstance(row, dict):
        raise InvalidLayout("must be a table", where=at)
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidLayout("must be a non-empty string", where=f"{at}.{key}")
    return value.strip()


def _number(
    row: dict[str, Any],
    key: str,
    at: str,
    low: float,
    high: float,
    default: float | None,
    *,
    integer: bool = False,
) -> float:
    value = row.get(key, default)
    kind = "an integer" if integer else "a number"
    ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
    if value is None or isinstance(value, bool) or not ok_type:
        raise InvalidLayout(f"must be {kind} in [{low}, {high}]", where=f"{at}.{key}")
    if not low <= value <= high:
        raise InvalidLayout(f"must be {kind} in [{low}, {high}], got {value}", where=f"{at}.{key}")
    return float(value)


def _unique(values: list[str], at: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise InvalidLayout(f"duplicate id {value!r}", where=at)
        seen.add(value)
