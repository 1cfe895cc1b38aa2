"""Closed-loop evaluation of redirection: no advice, the product's planner, an oracle.

Each match day is simulated several times from the same seed (same fans, same
incidents): once without advice; with the planner, its advice coming from the real
service path (every simulated minute the readings go through ``process_batch`` on an
in-memory store with the given wait model, and the statuses' recommendations are what
fans see), once told the layout's walking times and once not (as the external judge
runs it), and once not told them with gate ids that say nothing about geometry (the
ids the service sees are a permutation of the real ones, fixed for the day: the
simulation is unchanged, only the names are); and with an oracle that reads the
simulation's true queues, open lanes, arrivals, walking times and compliance. Fans
follow advice with the day's compliance. Scored per fan (walk + wait, minutes) and per
gate-minute (red: true wait > 10).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.domain.advice import LayoutLookup, no_layout
from stadiumflow.domain.layout import StadiumLayout
from stadiumflow.domain.readings import Reading
from stadiumflow.layouts import SHIPPED_LAYOUTS, load_layout
from stadiumflow.ports import WaitModel
from stadiumflow.services.process import process_batch
from stadiumflow.simulation.control import Advisor
from stadiumflow.simulation.matchday import run_match_day
from stadiumflow.simulation.params import ArrivalCurve, MatchDayParams
from stadiumflow.simulation.randomise import random_layout
from stadiumflow.simulation.stadium import Stadium, watch_stadiums
from stadiumflow.training.evaluate import EVAL_ENTROPY
from stadiumflow.training.redirect_oracle import OracleAdvisor

REDIRECT_BRANCH = 0xAD71CE  # a branch of the evaluation seed tree that training never uses
RANDOM_STADIUMS = 2
VARIANTS = ("none", "planner", "plannerNoLayout", "plannerNoLayoutShuffled", "oracle")
PLANNER_VARIANTS = VARIANTS[1:-1]


@dataclass(frozen=True, slots=True)
class RunScore:
    mean: float  # minutes of walk + wait per fan
    p95: float
    red_gate_minutes: int
    redirected: int
    fans: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "mean": round(self.mean, 2),
            "p95": round(self.p95, 2),
            "redGateMinutes": self.red_gate_minutes,
            "redirected": self.redirected,
            "fans": self.fans,
        }


class ServiceAdvisor:
    """The product in the loop: readings -> process_batch -> statuses' recommendations."""

    def __init__(self, stadium_id: str, model: WaitModel, layouts: LayoutLookup) -> None:
        self.stadium_id = stadium_id
        self.model = model
        self.layouts = layouts
        self.store = MemoryGateStore()

    def __call__(
        self, now: datetime, readings: Sequence[Reading]
    ) -> Mapping[str, tuple[str, float]]:
        if readings:
            process_batch(readings, store=self.store, model=self.model, layouts=self.layouts)
        return {
            s.gate_id: (s.recommendation.to_gate_id, s.recommendation.share)
            for s in self.store.stadium_statuses(self.stadium_id)
            if s.recommendation
        }


class RenamedAdvisor:
    """An advisor that sees gates under other ids: ``names`` maps each real id to the one
    shown; readings are renamed on the way in and advice is renamed back on the way out."""

    def __init__(self, inner: Advisor, names: Mapping[str, str]) -> None:
        self.inner = inner
        self.names = dict(names)
        self.real = {shown: real for real, shown in self.names.items()}
        if len(self.real) != len(self.names):
            raise ValueError("gate names must be a one-to-one renaming")

    def __call__(
        self, now: datetime, readings: Sequence[Reading]
    ) -> Mapping[str, tuple[str, float]]:
        shown = [r._replace(gate_id=self.names.get(r.gate_id, r.gate_id)) for r in readings]
        advice = self.inner(now, shown)
        return {
            self.real.get(gate, gate): (self.real.get(to_gate, to_gate), share)
            for gate, (to_gate, share) in advice.items()
        }


def shuffled_names(gate_ids: Sequence[str], seed: int) -> dict[str, str]:
    """A permutation of ``gate_ids`` (real id -> id shown), the same for the same seed:
    the ids keep their form, so natural order still looks like gate order, but says
    nothing about where the gates are."""
    rng = np.random.default_rng([seed, REDIRECT_BRANCH])
    shown = [gate_ids[i] for i in rng.permutation(len(gate_ids))]
    return dict(zip(gate_ids, shown, strict=True))


def stadiums(days_per_stadium: int) -> list[tuple[str, StadiumLayout, MatchDayParams, int]]:
    """(label, layout, params, seed) per evaluation day: shipped stadiums, then random ones."""
    days = []
    for index in range(len(SHIPPED_LAYOUTS) + RANDOM_STADIUMS):
        for day in range(days_per_stadium):
            seq = np.random.SeedSequence([EVAL_ENTROPY, REDIRECT_BRANCH, index, day])
            rng = np.random.default_rng(seq)
            if index < len(SHIPPED_LAYOUTS):
                layout = load_layout(SHIPPED_LAYOUTS[index])
            else:
                layout = congested(random_layout(rng, ArrivalCurve(), f"SIM{index - 2}"), rng)
            params = MatchDayParams(attendance=0.95 if index < len(SHIPPED_LAYOUTS) else 1.0)
            days.append((layout.stadium_id, layout, params, int(rng.integers(2**31))))
    return days


def congested(layout: StadiumLayout, rng: np.random.Generator) -> StadiumLayout:
    """A third of the gates with about half their lanes: a day where redirection matters."""
    n = len(layout.gates)
    short = set(rng.choice(n, size=max(1, n // 3), replace=False).tolist())
    gates = tuple(
        replace(g, lanes=max(1, round(g.lanes * 0.5))) if i in short else g
        for i, g in enumerate(layout.gates)
    )
    return replace(layout, gates=gates)


def score_run(stadium: Stadium, red_gate_minutes: int, redirected: int) -> RunScore:
    totals: list[float] = []
    for gate_id, gate in stadium.gates.items():
        for joined, wait in zip(gate.join_times, gate.waits, strict=True):
            totals.append(wait / 60.0 + stadium.walked.get((gate_id, joined), 0.0))
    values = np.asarray(totals) if totals else np.zeros(1)
    return RunScore(
        float(values.mean()),
        float(np.percentile(values, 95)),
        red_gate_minutes,
        redirected,
        len(totals),
    )


def run_variant(
    variant: str, layout: StadiumLayout, params: MatchDayParams, seed: int, model: WaitModel
) -> RunScore:
    """One day under one variant of advice."""
    with watch_stadiums() as seen:
        advisor: Advisor | None = None
        if variant == "planner":
            advisor = ServiceAdvisor(layout.stadium_id, model, lambda _sid: layout)
        elif variant == "plannerNoLayout":
            advisor = ServiceAdvisor(layout.stadium_id, model, no_layout)
        elif variant == "plannerNoLayoutShuffled":
            names = shuffled_names(list(layout.gate_ids), seed)
            service = ServiceAdvisor(layout.stadium_id, model, no_layout)
            advisor = RenamedAdvisor(service, names)
        elif variant == "oracle":
            advisor = OracleAdvisor(seen, params.behaviour.compliance)
        result = run_match_day(layout, params, seed, advisor=advisor)
    red = sum(g.red_minutes for g in result.gates)
    return score_run(seen[0], red, result.redirected)


def evaluate_redirect(
    model: WaitModel,
    days_per_stadium: int = 1,
    *,
    on_run: Callable[[str, str, RunScore], None] | None = None,
    variants: Sequence[str] = VARIANTS,
    only: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Per stadium and variant: mean and p95 of walk + wait, red gate-minutes (day sums).

    ``variants`` must include "none" and "oracle" (the ratios are to them); ``only``
    keeps the named stadiums (labels as reported), for a quicker look.
    """
    per: dict[str, dict[str, list[RunScore]]] = {}
    for label, layout, params, seed in stadiums(days_per_stadium):
        if only is not None and label not in only:
            continue
        for variant in variants:
            score = run_variant(variant, layout, params, seed, model)
            per.setdefault(label, {}).setdefault(variant, []).append(score)
            if on_run is not None:
                on_run(label, variant, score)
    return {label: _summarise(variants) for label, variants in per.items()}


def _summarise(variants: dict[str, list[RunScore]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for variant, scores in variants.items():
        out[variant] = {
            "mean": round(float(np.mean([s.mean for s in scores])), 2),
            "p95": round(float(np.mean([s.p95 for s in scores])), 2),
            "redGateMinutes": int(sum(s.red_gate_minutes for s in scores)),
            "redirected": int(sum(s.redirected for s in scores)),
        }
    oracle, none = out["oracle"], out["none"]
    for variant in PLANNER_VARIANTS:
        got = out.get(variant)
        if got is None:
            continue
        got["p95OverOracle"] = round(got["p95"] / max(oracle["p95"], 1e-9), 2)
        got["redOverNone"] = round(got["redGateMinutes"] / max(none["redGateMinutes"], 1), 2)
        got["meetsTargets"] = got["p95OverOracle"] <= 1.5 and got["redOverNone"] <= 0.4
    return out
