"""Match plans in layout files: parsed and checked like the rest, stored at start-up."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from stadiumflow.adapters.memory import MemoryGateStore, MemoryWaitModel
from stadiumflow.bootstrap import bootstrap
from stadiumflow.config import Settings
from stadiumflow.domain.errors import InvalidLayout
from stadiumflow.domain.plan import GatePlan, MatchPlan
from stadiumflow.layouts import SHIPPED_LAYOUTS, load_layout, parse_layout, parse_layout_toml
from stadiumflow.layouts.catalog import LayoutCatalog
from tests.unit.simulation.test_layouts import MINIMAL

KICKOFF = datetime(2025, 7, 14, 20, tzinfo=UTC)
LAYOUT = MINIMAL  # two gates of 4 and 2 lanes, one sector
PLAN = """
[[plans]]
kickoff = 2025-07-14T22:00:00+02:00
[[plans.gates]]
id = "G1"
expected_fans = 5200
lanes = 6
[[plans.gates]]
id = "G2"
expected_fans = 3100
"""


def test_a_plan_reads_with_its_kickoff_in_utc_and_the_layouts_lanes_by_default():
    layout = parse_layout_toml(LAYOUT + PLAN)
    assert layout.plans == (
        MatchPlan("X", KICKOFF, (GatePlan("G1", 5200, 6), GatePlan("G2", 3100, 2))),
    )
    assert layout.plans[0].kickoff.tzinfo is UTC
    assert parse_layout_toml(LAYOUT).plans == ()


def test_plans_come_in_kickoff_order():
    earlier = PLAN.replace("2025-07-14T22:00:00+02:00", "2025-07-10T20:00:00Z")
    layout = parse_layout_toml(LAYOUT + PLAN + earlier)
    assert [p.kickoff for p in layout.plans] == [KICKOFF - timedelta(days=4), KICKOFF]


def test_a_json_layout_may_give_the_kickoff_as_a_string():
    data = tomllib.loads(LAYOUT + PLAN)
    data["plans"][0]["kickoff"] = "2025-07-14T20:00:00Z"
    assert parse_layout(data).plans[0].kickoff == KICKOFF


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("2025-07-14T22:00:00+02:00", "2025-07-14T22:00:00"), "plans[0].kickoff"),  # local
        (("2025-07-14T22:00:00+02:00", "2025-07-14"), "plans[0].kickoff"),
        (("2025-07-14T22:00:00+02:00", '"soon"'), "plans[0].kickoff"),
        (("2025-07-14T22:00:00+02:00", '"2025-07-14T20:00:00"'), "plans[0].kickoff"),
        (("2025-07-14T22:00:00+02:00", "1999-07-14T20:00:00Z"), "plans[0].kickoff"),
        (("kickoff = 2025-07-14T22:00:00+02:00\n", ""), "plans[0].kickoff"),
        (('id = "G2"', 'id = "G9"'), "plans[0].gates[1].id"),
        (('id = "G2"', 'id = "G1"'), "plans[0].gates[1].id"),
        (("expected_fans = 3100", "expected_fans = -1"), "plans[0].gates[1].expected_fans"),
        (("expected_fans = 3100", "expected_fans = 3100.5"), "plans[0].gates[1].expected_fans"),
        (("expected_fans = 3100", "expected_fans = 1000001"), "plans[0].gates[1].expected_fans"),
        (("expected_fans = 3100", 'expected_fans = "3100"'), "plans[0].gates[1].expected_fans"),
        (("expected_fans = 3100", ""), "plans[0].gates[1].expected_fans"),
        (("lanes = 6", "lanes = 0"), "plans[0].gates[0].lanes"),
        (("lanes = 6", "lanes = 201"), "plans[0].gates[0].lanes"),
        (("lanes = 6", "lane = 6"), "plans[0].gates[0].lane"),  # a typo is not ignored
        (("[[plans]]\n", "[[plans]]\nstadium = 'X'\n"), "plans[0].stadium"),
    ],
)
def test_a_bad_plan_stops_the_layout_naming_where(change, where):
    old, new = change
    assert old in PLAN
    with pytest.raises(InvalidLayout) as caught:
        parse_layout_toml(LAYOUT + PLAN.replace(old, new), where="x.toml")
    assert caught.value.where == f"x.toml: {where}"


def test_a_plan_without_gates_or_a_second_plan_at_a_kickoff_is_refused():
    without = PLAN.split("[[plans.gates]]")[0]
    with pytest.raises(InvalidLayout) as caught:
        parse_layout_toml(LAYOUT + without)
    assert caught.value.where == "layout: plans[0].gates"
    same_instant = PLAN.replace("2025-07-14T22:00:00+02:00", "2025-07-14T20:00:00Z")
    with pytest.raises(InvalidLayout) as caught:
        parse_layout_toml(LAYOUT + PLAN + same_instant)
    assert caught.value.where == "layout: plans[1]"
    with pytest.raises(InvalidLayout) as caught:
        parse_layout_toml("plans = 3\n" + LAYOUT)  # top level: not the last gate's
    assert caught.value.where == "layout: plans"


def test_the_shipped_layouts_hold_no_plan_and_agadirs_commented_example_is_valid():
    assert all(load_layout(name).plans == () for name in SHIPPED_LAYOUTS)
    source = resources.files("stadiumflow.layouts").joinpath("agadir.toml").read_text()
    example = source[source.index("# [[plans]]") :]
    uncommented = re.sub(r"^# ?", "", example, flags=re.MULTILINE)
    (plan,) = parse_layout_toml(source + uncommented).plans
    assert plan.kickoff == KICKOFF
    assert plan.gates == (
        GatePlan("G1", 5200, 8),
        GatePlan("G3", 6800, 7),
        GatePlan("G8", 8100, 12),
    )


def _layout_dir(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "layouts"
    folder.mkdir()
    (folder / "x.toml").write_text(text)
    return folder


def test_the_catalog_lists_every_layouts_plans(tmp_path):
    catalog = LayoutCatalog.from_dir(_layout_dir(tmp_path, LAYOUT + PLAN))
    assert [(p.stadium_id, p.kickoff) for p in catalog.plans()] == [("X", KICKOFF)]


def test_bootstrap_stores_the_layouts_plans_unless_one_is_stored_at_that_kickoff(tmp_path):
    settings = Settings(backend="memory", layout_dir=_layout_dir(tmp_path, LAYOUT + PLAN))
    fresh = MemoryGateStore()
    bootstrap(settings, store=fresh, model=MemoryWaitModel())
    assert fresh.plans("X") == list(parse_layout_toml(LAYOUT + PLAN).plans)

    operators = MatchPlan("X", KICKOFF, (GatePlan("G1", 9999, None),))
    kept = MemoryGateStore()
    kept.save_plan(operators)
    bootstrap(settings, store=kept, model=MemoryWaitModel())
    bootstrap(settings, store=kept, model=MemoryWaitModel())  # a restart changes nothing
    assert kept.plans("X") == [operators]
