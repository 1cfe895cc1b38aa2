"""Shipped layouts load and differ; operator mistakes are reported by field."""

from __future__ import annotations

from pathlib import Path

import pytest

from stadiumflow.domain.errors import InvalidLayout
from stadiumflow.layouts import SHIPPED_LAYOUTS, load_layout, parse_layout_toml

MINIMAL = """
[stadium]
id = "X"
perimeter_walk_minutes = 12
[[sectors]]
id = "A"
seats = 1000
[[gates]]
id = "G1"
lanes = 4
sectors = ["A"]
angle_deg = 0
[[gates]]
id = "G2"
lanes = 2
sectors = ["A"]
angle_deg = 90
"""


def test_shipped_layouts_are_distinct_stadiums() -> None:
    layouts = [load_layout(name) for name in SHIPPED_LAYOUTS]
    assert [lay.stadium_id for lay in layouts] == list(SHIPPED_LAYOUTS)
    for lay in layouts:
        assert 8 <= len(lay.gates) <= 14
        assert 20_000 <= lay.capacity <= 70_000
        for sector in lay.sectors:
            assert lay.gates_serving(sector.sector_id)
    assert len({len(lay.gates) for lay in layouts}) == 3
    assert len({tuple(g.lanes for g in lay.gates) for lay in layouts}) == 3


def test_walk_minutes_from_angles_and_overrides() -> None:
    lay = parse_layout_toml(MINIMAL + '[[walks]]\nfrom = "G2"\nto = "G1"\nminutes = 1.5\n')
    assert lay.walk_minutes("G1", "G2") == 1.5  # override, either direction
    assert parse_layout_toml(MINIMAL).walk_minutes("G1", "G2") == pytest.approx(3.0)


def test_layout_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(MINIMAL)
    assert load_layout(path).gate_ids == ("G1", "G2")


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("lanes = 4", "lanes = 0"), "gates[0].lanes"),
        (
            ('sectors = ["A"]\nangle_deg = 90', 'sectors = ["B"]\nangle_deg = 90'),
            "gates[1].sectors",
        ),
        (('id = "G2"', 'id = "G1"'), "gates[].id"),
        (("seats = 1000", 'seats = "many"'), "sectors[0].seats"),
        (('id = "X"', "name = 3"), "stadium.id"),
        (("[[gates]]", "[[gates]"), "not valid TOML"),
    ],
)
def test_invalid_layouts_name_the_field(change: tuple[str, str], where: str) -> None:
    with pytest.raises(InvalidLayout) as error:
        parse_layout_toml(MINIMAL.replace(*change, 1))
    assert where in str(error.value)


def test_unknown_layout_name() -> None:
    with pytest.raises(InvalidLayout, match="shipped layouts"):
        load_layout("NOWHERE")
