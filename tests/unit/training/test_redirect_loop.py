"""A short closed loop: the planner, fed by the real service path, beats no advice."""

from __future__ import annotations

from stadiumflow.domain.layout import GateLayout, SectorLayout, StadiumLayout
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.simulation.params import MatchDayParams
from stadiumflow.training.redirect_eval import run_variant

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


def test_the_planner_beats_no_advice_in_a_short_day():
    model = QueueingWaitModel()
    none = run_variant("none", LAYOUT, PARAMS, 3, model)
    planner = run_variant("plannerNoLayout", LAYOUT, PARAMS, 3, model)
    assert none.red_gate_minutes > 10
    assert planner.p95 < 0.7 * none.p95
    assert planner.red_gate_minutes < 0.5 * none.red_gate_minutes
    assert planner.redirected > 0
