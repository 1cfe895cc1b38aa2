"""One contract for every GateStore adapter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.adapters.sqlite.store import SqliteGateStore
from stadiumflow.domain.classify import GateState
from stadiumflow.domain.plan import GatePlan, MatchPlan
from stadiumflow.domain.recommendation import Recommendation
from stadiumflow.domain.status import GateStatus, ProcessedReading
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.domain.window import GateWindow, WindowPoint
from stadiumflow.ports import GateStore
from tests.conftest import BASE_TS, reading


def _azure(tmp: Path) -> GateStore:
    from tests.azure.backends import azure_store

    return azure_store()


BACKENDS: dict[str, Callable[[Path], GateStore]] = {
    "memory": lambda tmp: MemoryGateStore(),
    "sqlite": lambda tmp: SqliteGateStore(tmp / "gates.sqlite3"),
    "azure": _azure,
}
MARKS = {"azure": pytest.mark.azure}


@pytest.fixture(params=[pytest.param(name, marks=MARKS.get(name, ())) for name in sorted(BACKENDS)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> GateStore:
    return BACKENDS[request.param](tmp_path)


def status(gate: str = "G1", minute: float = 0, wait: float = 3.0, stadium: str = "AGADIR"):
    return GateStatus(
        stadium_id=stadium,
        gate_id=gate,
        ts=BASE_TS + timedelta(minutes=minute),
        wait=wait,
        state=GateState.GREEN,
        per_minute_count=40,
        avg_processing_time=3.0,
        queue_length=80,
        model="test",
        wait_low=1.0,
        wait_high=5.0,
        wait_in_15=4.0,
        anomaly=True,
        anomaly_score=3.5,
        anomaly_kind="surge",
        anomaly_since=BASE_TS,
        recommendation=Recommendation(gate, "G2", 0.3, 3.25, 1.5),
    )


def processed(gate: str = "G1", minute: float = 0, wait: float = 3.0) -> ProcessedReading:
    return ProcessedReading(
        reading(gate, minute), WaitEstimate(wait, 1.0, 5.0, 4.0), GateState.GREEN, "test"
    )


def test_saved_status_reads_back_whole(store):
    with store.session() as s:
        s.save([status()], [], {})
    assert store.stadium_statuses("AGADIR") == [status()]


def test_an_older_status_never_overwrites_a_newer_one(store):
    with store.session() as s:
        s.save([status(minute=5, wait=9.0)], [], {})
    with store.session() as s:
        s.save([status(minute=4, wait=1.0)], [], {})
    (current,) = store.stadium_statuses("AGADIR")
    assert current.wait == 9.0
    with store.session() as s:
        s.save([status(minute=6, wait=2.0)], [], {})
    assert store.stadium_statuses("AGADIR")[0].wait == 2.0


def test_stadiums_are_isolated(store):
    with store.session() as s:
        s.save([status("G1", stadium="AGADIR"), status("G9", stadium="RABAT")], [], {})
    assert [x.gate_id for x in store.stadium_statuses("AGADIR")] == ["G1"]
    assert [x.gate_id for x in store.stadium_statuses("RABAT")] == ["G9"]
    assert store.stadium_statuses("CASABLANCA") == []
    assert {x.stadium_id: x.gates for x in store.stadiums()} == {"AGADIR": 1, "RABAT": 1}


def test_history_is_idempotent_ordered_and_filtered(store):
    with store.session() as s:
        s.save([], [processed(minute=m) for m in (2, 0, 1)], {})
    with store.session() as s:
        s.save([], [processed(minute=1, wait=99.0)], {})  # redelivery: ignored
    rows = store.history("AGADIR", "G1")
    assert [r.reading.ts for r in rows] == [BASE_TS + timedelta(minutes=m) for m in (0, 1, 2)]
    assert rows[1].estimate.wait == 3.0
    assert rows[1].estimate == WaitEstimate(3.0, 1.0, 5.0, 4.0)
    since = store.history("AGADIR", "G1", since=BASE_TS + timedelta(minutes=1))
    assert len(since) == 2
    after = store.history("AGADIR", "G1", after=BASE_TS + timedelta(minutes=1))
    assert len(after) == 1
    assert len(store.history("AGADIR", "G1", until=BASE_TS, limit=10)) == 1
    assert len(store.history("AGADIR", "G1", limit=2)) == 2
    assert store.history("AGADIR", "G2") == []


def test_windows_persist_between_sessions(store):
    window = GateWindow()
    for t in (60.0, 120.0):
        window.add(WindowPoint(t, 10, 3.0, 5))
    with store.session() as s:
        assert s.load_windows([("AGADIR", "G1")]) == {}
        s.save([], [], {("AGADIR", "G1"): window})
    with store.session() as s:
        loaded = s.load_windows([("AGADIR", "G1"), ("AGADIR", "G2")])
    assert list(loaded) == [("AGADIR", "G1")]
    assert loaded[("AGADIR", "G1")].to_rows() == window.to_rows()
    assert loaded[("AGADIR", "G1")].newest_ts == 120.0


def test_a_window_changed_in_a_failed_session_loads_as_stored(store):
    gate = ("AGADIR", "G1")
    with store.session() as s:
        s.save([], [], {gate: GateWindow([WindowPoint(60.0, 10, 3.0, 5)], 60.0)})
    with pytest.raises(RuntimeError), store.session() as s:
        window = s.load_windows([gate])[gate]
        window.add(WindowPoint(120.0, 11, 3.0, 6))
        s.save([], [], {gate: window})
        raise RuntimeError("crash before commit")
    with store.session() as s:
        loaded = s.load_windows([gate])[gate]
    assert loaded.to_rows() == [(60.0, 10, 3.0, 5)]
    assert loaded.newest_ts == 60.0


def test_sqlite_sees_a_window_another_worker_wrote(tmp_path):
    """Two workers on one database: each keeps decoded windows, never a stale one."""
    gate = ("AGADIR", "G1")
    mine, other = (SqliteGateStore(tmp_path / "gates.sqlite3") for _ in range(2))
    with mine.session() as s:
        s.save([], [], {gate: GateWindow([WindowPoint(60.0, 10, 3.0, 5)], 60.0)})
    with mine.session() as s:
        assert s.load_windows([gate])[gate].newest_ts == 60.0
    with other.session() as s:
        window = s.load_windows([gate])[gate]
        window.add(WindowPoint(120.0, 11, 3.0, 6))
        s.save([], [], {gate: window})
    with mine.session() as s:
        loaded = s.load_windows([gate])[gate]
        loaded.add(WindowPoint(180.0, 12, 3.0, 7))  # the caller's copy, not the kept one
    with mine.session() as s:
        again = s.load_windows([gate])[gate]
    assert [p.ts for p in loaded.points] == [60.0, 120.0, 180.0]
    assert [p.ts for p in again.points] == [60.0, 120.0]


def test_a_failed_session_writes_nothing(store):
    with pytest.raises(RuntimeError), store.session() as s:
        s.save([status()], [processed()], {})
        raise RuntimeError("crash before commit")
    assert store.stadium_statuses("AGADIR") == []
    assert store.history("AGADIR", "G1") == []


def test_events_are_published_in_order_per_stadium(store):
    from stadiumflow.domain.advice import LaneAdvice
    from stadiumflow.domain.classify import GateState
    from stadiumflow.domain.events import (
        AdviceChanged,
        AnomalyEnded,
        AnomalyStarted,
        LaneAdviceChanged,
        StateChanged,
    )

    first = StateChanged("AGADIR", "G1", BASE_TS, GateState.YELLOW, GateState.RED, 12.5)
    second = AnomalyStarted("RABAT", "G2", BASE_TS, "surge", 4.25)
    third = LaneAdviceChanged("AGADIR", BASE_TS, None)
    advice = Recommendation("G1", "G3", 0.3, 3.5, 2.0)
    later = [
        AdviceChanged("AGADIR", "G1", BASE_TS, advice),
        LaneAdviceChanged("AGADIR", BASE_TS, LaneAdvice("G1", 120.0, "G4")),
        AnomalyEnded("RABAT", "G2", BASE_TS, "surge"),
        AdviceChanged("AGADIR", "G1", BASE_TS, None),
        StateChanged("AGADIR", "G5", BASE_TS, None, GateState.GREEN, 0.0),
    ]
    with store.session() as s:
        s.save([], [], {}, [first, second])
    with store.session() as s:
        s.save([], [], {}, [third])
    everything = store.events(None)
    assert [e.event for e in everything] == [first, second, third]
    assert [e.event for e in store.events("AGADIR")] == [first, third]
    assert [e.event for e in store.events("AGADIR", after=everything[0].id)] == [third]
    assert store.events("AGADIR", limit=1)[0].event == first
    with store.session() as s:  # every kind comes back as it was published
        s.save([], [], {}, later)
    assert [e.event for e in store.events(None, after=everything[-1].id)] == later


def test_load_statuses_returns_only_the_asked_gates(store):
    with store.session() as s:
        s.save([status("G1"), status("G2")], [], {})
    with store.session() as s:
        found = s.load_statuses([("AGADIR", "G2"), ("AGADIR", "G3")])
    assert list(found) == [("AGADIR", "G2")]
    assert found[("AGADIR", "G2")] == status("G2")


# ---- match plans -----------------------------------------------------------------------

KICKOFF = datetime(2025, 7, 14, 20, tzinfo=UTC)


def plan(
    kickoff: datetime = KICKOFF, stadium: str = "AGADIR", fans: int = 5200, gates: int = 2
) -> MatchPlan:
    return MatchPlan(
        stadium,
        kickoff,
        tuple(GatePlan(f"G{i + 1}", fans + i, 6 if i % 2 == 0 else None) for i in range(gates)),
    )


def test_a_saved_plan_reads_back_whole(store):
    store.save_plan(plan())
    (stored,) = store.plans("AGADIR")
    assert stored == plan()
    assert stored.kickoff.tzinfo is not None and stored.kickoff.utcoffset() == timedelta(0)
    assert stored.gate("G2") == GatePlan("G2", 5201, None)


def test_saving_again_at_the_same_kickoff_replaces_the_plan(store):
    store.save_plan(plan(gates=3))
    store.save_plan(plan(fans=100, gates=1))
    assert store.plans("AGADIR") == [plan(fans=100, gates=1)]


def test_plans_list_in_kickoff_order(store):
    days = [KICKOFF + timedelta(days=d) for d in (4, -3, 0, 11)]
    for day in days:
        store.save_plan(plan(day))
    assert [p.kickoff for p in store.plans("AGADIR")] == sorted(days)


def test_adding_a_plan_never_replaces_a_stored_one(store):
    store.save_plan(plan(fans=7000))
    assert store.add_plan(plan()) is False
    assert store.plans("AGADIR") == [plan(fans=7000)]
    later = plan(KICKOFF + timedelta(days=1))
    assert store.add_plan(later) is True
    assert store.plans("AGADIR") == [plan(fans=7000), later]


def test_delete_one_plan_or_every_plan_of_a_stadium(store):
    for d in range(3):
        store.save_plan(plan(KICKOFF + timedelta(days=d)))
    store.save_plan(plan(stadium="RABAT"))
    assert store.delete_plans("AGADIR", KICKOFF + timedelta(days=1)) == 1
    assert [p.kickoff for p in store.plans("AGADIR")] == [KICKOFF, KICKOFF + timedelta(days=2)]
    assert store.delete_plans("AGADIR", KICKOFF + timedelta(days=1)) == 0
    assert store.delete_plans("AGADIR") == 2
    assert store.plans("AGADIR") == []
    assert store.delete_plans("AGADIR") == 0
    assert store.plans("RABAT") == [plan(stadium="RABAT")]


def test_a_kickoff_in_another_zone_is_the_same_kickoff(store):
    store.save_plan(plan())
    paris = KICKOFF.astimezone(timezone(timedelta(hours=2)))
    store.save_plan(plan(paris, fans=1))
    (stored,) = store.plans("AGADIR")
    assert stored.kickoff == KICKOFF and stored.gates[0].expected_fans == 1
    assert store.delete_plans("AGADIR", paris) == 1


def test_plans_of_stadiums_are_kept_apart_and_an_unknown_stadium_has_none(store):
    store.save_plan(plan(stadium="AGADIR", fans=1))
    store.save_plan(plan(stadium="RABAT", fans=2))
    assert store.plans("AGADIR") == [plan(stadium="AGADIR", fans=1)]
    assert store.plans("RABAT") == [plan(stadium="RABAT", fans=2)]
    assert store.plans("CASABLANCA") == []
    assert store.plans("nope' or 'a' eq 'a") == []
    assert store.delete_plans("nope' or 'a' eq 'a") == 0
    assert len(store.plans("AGADIR")) == 1  # nothing deleted by the injection


def test_load_plans_reads_them_inside_a_unit_of_work(store):
    later = plan(KICKOFF + timedelta(days=7))
    store.save_plan(later)
    store.save_plan(plan())
    store.save_plan(plan(stadium="RABAT"))
    with store.session() as s:
        found = s.load_plans(["AGADIR", "CASABLANCA", "AGADIR"])
        s.save([status()], [], {})
    assert found == {"AGADIR": [plan(), later], "CASABLANCA": []}
    assert store.stadium_statuses("AGADIR") == [status()]


def test_a_plan_of_500_gates_with_long_ids_round_trips(store):
    gates = tuple(GatePlan(f"{i:03d}-" + "X" * 60, 1_000_000, 200) for i in range(500))
    big = MatchPlan("AGADIR", KICKOFF, gates)
    store.save_plan(big)
    assert store.plans("AGADIR") == [big]
    store.save_plan(plan())  # a short plan replaces it whole
    assert store.plans("AGADIR") == [plan()]


def test_sqlite_adds_the_plan_table_to_a_database_made_before_plans(tmp_path):
    path = tmp_path / "gates.sqlite3"
    old = SqliteGateStore(path)
    with old.session() as s:
        s.save([status()], [], {})
    old._db.get().execute("DROP TABLE match_plan")  # as a database of the previous release
    old.close()
    reopened = SqliteGateStore(path)
    assert reopened.stadium_statuses("AGADIR") == [status()]
    reopened.save_plan(plan())
    assert reopened.plans("AGADIR") == [plan()]
