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

Errors name the offending field, e.g. ``gates[3].lanes: must be an integer >= 1``.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from stadiumflow.domain.errors import InvalidLayout
from stadiumflow.domain.layout import GateLayout, SectorLayout, StadiumLayout

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
    return StadiumLayout(stadium_id, name, gates, sectors, perimeter, walks)


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
