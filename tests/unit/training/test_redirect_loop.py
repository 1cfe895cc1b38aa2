"""A short closed loop: the planner, fed by the real service path, beats no advice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from stadiumflow.domain.layout import GateLayout, SectorLayout, StadiumLayout
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.domain.readings import Reading
from stadiumflow.simulation.params import MatchDayParams
from stadiumflow.training.redirect_eval import (
    RenamedAdvisor,
    RunScore,
    _summarise,
    run_variant,
    shuffled_names,
)

LAYOUT = StadiumLayout(
    "LOOP",
    "Loop",
    (
        GateLayout("G1", 4, ("S1",), 0.0, service_mean_seconds=5.0),
        GateLayout("G2", 8, ("S2",), 90.0, service_mean_seconds=4.0),
        GateLayout("G3", 8, ("S3",), 180.0, service_mean_seconds=4.0),
    ),
    (SectorLayout("S1", 4500), SectorLayout("S2", 3000), SectorLayout("S3", 3000)),
    12.0,
)
PARAMS = MatchDayParams(open_minutes_before=90.0, observe_minutes_after=10.0, incidents=())


@pytest.mark.parametrize("variant", ["plannerNoLayout", "plannerNoLayoutShuffled"])
def test_the_planner_beats_no_advice_in_a_short_day(variant):
    model = QueueingWaitModel()
    none = run_variant("none", LAYOUT, PARAMS, 3, model)
    planner = run_variant(variant, LAYOUT, PARAMS, 3, model)
    assert none.red_gate_minutes > 10
    assert planner.p95 < 0.7 * none.p95
    assert planner.red_gate_minutes < 0.5 * none.red_gate_minutes
    assert planner.redirected > 0


def test_shuffled_names_are_a_fixed_permutation_of_the_gate_ids():
    ids = [f"G{i}" for i in range(1, 13)]
    names = shuffled_names(ids, 11)
    assert sorted(names) == sorted(names.values()) == sorted(ids)
    assert names == shuffled_names(ids, 11)
    assert names != dict(zip(ids, ids, strict=True))
    assert any(shuffled_names(ids, seed) != names for seed in range(12, 16))


def test_a_renamed_advisor_renames_readings_in_and_advice_out():
    seen: list[Reading] = []

    def inner(now: datetime, readings: Sequence[Reading]) -> dict[str, tuple[str, float]]:
        seen.extend(readings)
        return {"G3": ("G1", 0.4)}  # in the names the service sees

    advisor = RenamedAdvisor(inner, {"G1": "G3", "G2": "G1", "G3": "G2"})
    now = datetime(2025, 7, 14, 18, tzinfo=UTC)
    advice = advisor(now, [Reading("LOOP", "G1", now, 30, 4.0, 80)])
    assert [r.gate_id for r in seen] == ["G3"]
    assert advice == {"G1": ("G2", 0.4)}  # real G1 (shown as G3) -> real G2 (shown as G1)
    with pytest.raises(ValueError):
        RenamedAdvisor(inner, {"G1": "G2", "G2": "G2"})


def test_the_summary_rates_every_planner_variant_against_the_oracle():
    def score(p95: float, red: int) -> RunScore:
        return RunScore(p95 / 2, p95, red, 0, 100)

    summary = _summarise(
        {
            "none": [score(20.0, 100)],
            "planner": [score(4.0, 10)],
            "plannerNoLayout": [score(5.0, 20)],
            "plannerNoLayoutShuffled": [score(8.0, 50)],
            "oracle": [score(4.0, 8)],
        }
    )
    assert summary["plannerNoLayoutShuffled"]["p95OverOracle"] == 2.0
    assert summary["plannerNoLayoutShuffled"]["redOverNone"] == 0.5
    assert summary["plannerNoLayoutShuffled"]["meetsTargets"] is False
    assert summary["plannerNoLayout"]["meetsTargets"] is True
    assert "p95OverOracle" not in summary["oracle"]
