"""Process a batch of readings: load the gates, predict, apply, save in one unit of work.

The domain decides (``domain.batch`` places readings and gathers the model's inputs,
``domain.advance`` moves the gates forward, ``domain.planning`` advises); this layer
only loads, calls and saves. The wait model and the multivariate scorer each run once
per batch, over all its gates; the planner once per stadium that is due.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from stadiumflow.domain.advance import advance
from stadiumflow.domain.advice import LayoutLookup, no_layout
from stadiumflow.domain.batch import Batch, by_gate, place
from stadiumflow.domain.multivariate import LocalRobustScorer
from stadiumflow.domain.planning import due_for_planning, gates_to_plan, plan_stadiums
from stadiumflow.domain.readings import GateKey, Reading
from stadiumflow.domain.status import GateStatus
from stadiumflow.ports import AnomalyScorer, GateStore, GateStoreSession, WaitModel

_LOCAL_SCORER = LocalRobustScorer()


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    applied: int = 0  # readings that moved a gate's status forward
    late: int = 0  # older than the gate's newest: history only
    duplicates: int = 0  # seen before: ignored
    gates: int = 0  # gates touched
    events: int = 0

    @property
    def total(self) -> int:
        return self.applied + self.late + self.duplicates


def process_batch(
    readings: Iterable[Reading],
    *,
    store: GateStore,
    model: WaitModel,
    scorer: AnomalyScorer = _LOCAL_SCORER,
    layouts: LayoutLookup = no_layout,
) -> BatchOutcome:
    """Apply ``readings`` to their gates and write the results in one unit of work.

    ``layouts`` gives a stadium's layout (walking times) when the operator wrote one.
    """
    groups = by_gate(readings)
    if not groups:
        return BatchOutcome()
    with store.session() as session:
        batch = place(groups, session.load_windows(groups), _load_statuses(session, groups))
        _predict(batch, model, scorer)
        done = advance(batch, model.version)
        due = due_for_planning(batch.previous, done.current, batch.stadiums)
        planned = [g for g in gates_to_plan(done.current, due) if g not in batch.windows]
        windows = {**session.load_windows(planned), **batch.windows} if planned else batch.windows
        advice = plan_stadiums(batch.previous, done.current, windows, due, layouts)
        done.changed.update(advice.changed)
        done.events += advice.events
        session.save(list(done.changed.values()), done.history, batch.windows, done.events)
    late = sum(1 for row in done.history if row.late)
    return BatchOutcome(
        applied=len(done.history) - late,
        late=late,
        duplicates=sum(g.duplicates for g in batch.gates),
        gates=len(groups),
        events=len(done.events),
    )


def _load_statuses(
    session: GateStoreSession, groups: Iterable[GateKey]
) -> dict[GateKey, GateStatus]:
    """Every gate status of the batch's stadiums: silence and advice look at all of them."""
    previous: dict[GateKey, GateStatus] = {}
    for stadium in {stadium for stadium, _ in groups}:
        previous.update(session.load_stadium(stadium))
    return previous


def _predict(batch: Batch, model: WaitModel, scorer: AnomalyScorer) -> None:
    """One model call and one scorer call for the whole batch."""
    if not batch.has_new_readings:
        return
    batch.take_estimates(model.predict(batch.model_rows()))
    shingles = batch.shingles()
    batch.take_scores(scorer.score(shingles) if shingles else [])
