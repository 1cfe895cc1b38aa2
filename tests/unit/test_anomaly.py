"""Anomaly rules on hand-made gate histories: each fires on its incident, not on a busy day."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.domain.anomaly import ALARM, RuleScore, is_quiet, judge, score_rules
from stadiumflow.domain.multivariate import robust_score, shingle
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.domain.silence import silent_statuses
from stadiumflow.domain.window import WindowPoint
from stadiumflow.services.process import process_batch
from tests.conftest import reading


def history(counts, queues, seconds=3.0):
    return [
        WindowPoint(60.0 * i, int(c), seconds, int(q))
        for i, (c, q) in enumerate(zip(counts, queues, strict=True))
    ]


def scores(points):
    return {r.kind: r.score for r in score_rules(points)}


def busy_ramp(minutes=40, seed=1):
    """A gate filling as the match-day curve says: arrivals rising slowly, lanes full."""
    rng = np.random.default_rng(seed)
    counts, queues, queue = [], [], 0.0
    for m in range(minutes):
        arrivals = rng.poisson(20 + m * 0.8)
        served = min(30.0, queue + arrivals)
        queue = queue + arrivals - served
        counts.append(rng.poisson(served))
        queues.append(max(0, queue + rng.normal(0, 3)))
    return counts, queues


def test_a_busy_gate_filling_as_expected_is_not_an_anomaly():
    counts, queues = busy_ramp()
    for end in range(3, len(counts)):
        points = history(counts[:end], queues[:end])
        assert max(scores(points).values()) < ALARM, end
        assert robust_score(points) < ALARM, end


def test_surge_fires_within_two_minutes():
    counts, queues = busy_ramp(30)
    # Arrivals x4 from minute 30: the queue jumps by ~3 x 40 fans a minute.
    fired_after = None
    for minutes in range(1, 4):
        counts.append(30)
        queues.append(queues[-1] + 90)
        if scores(history(counts, queues))["surge"] >= ALARM:
            fired_after = minutes
            break
    assert fired_after is not None and fired_after <= 2


def test_throughput_drop_fires_at_the_first_low_count():
    counts, queues = busy_ramp(30)
    counts.append(4)  # 4 of 5 lanes down
    queues.append(queues[-1] + 25)
    assert scores(history(counts, queues))["throughput_drop"] >= ALARM


def saturated(minutes=30, lanes=6, seconds=4.0, seed=2):
    """A gate with a long queue: every lane busy, fans through = lanes x 60 / seconds."""
    rng = np.random.default_rng(seed)
    rate = lanes * 60.0 / seconds
    counts = list(rng.poisson(rate, minutes))
    queues = [300 + rng.normal(0, 10) for _ in range(minutes)]
    return counts, queues, [seconds] * minutes


def points_of(counts, queues, paces):
    return [
        WindowPoint(60.0 * i, int(c), p, int(q))
        for i, (c, q, p) in enumerate(zip(counts, queues, paces, strict=True))
    ]


def test_one_lane_of_six_down_at_a_saturated_gate_is_a_throughput_drop():
    """A sixth fewer fans through is far from a collapse, but a lane is down: operators
    should send a technician, and the detail says how many lanes work."""
    counts, queues, paces = saturated()
    fired = None
    for minute in range(1, 6):
        counts.append(75)  # 5 lanes x 60 / 4 s
        queues.append(queues[-1] + 15)
        paces.append(4.0)
        rules = {r.kind: r for r in score_rules(points_of(counts, queues, paces))}
        if rules["throughput_drop"].score >= ALARM:
            fired = minute
            assert "5 of 6 lanes" in rules["throughput_drop"].detail
            break
    assert fired is not None and fired <= 3


def test_a_slower_service_at_a_saturated_gate_is_no_lane_down():
    """Bag checks taking a fifth longer pass a sixth fewer fans with every lane at work."""
    counts, queues, paces = saturated()
    for _ in range(5):
        counts.append(75)
        queues.append(queues[-1] + 15)
        paces.append(4.8)
        assert scores(points_of(counts, queues, paces))["throughput_drop"] < ALARM


def test_a_queue_emptying_is_not_a_throughput_drop():
    counts, queues = busy_ramp(30)
    counts += [10, 2]
    queues += [3, 0]
    assert scores(history(counts, queues))["throughput_drop"] < ALARM


def test_a_frozen_queue_while_fans_pass_is_a_stuck_sensor():
    counts, queues = busy_ramp(20)
    counts += [30, 30, 30]
    queues += [57, 57, 57]
    assert scores(history(counts, queues))["sensor_stuck"] >= ALARM
    assert scores(history(counts[:-1], queues[:-1]))["sensor_stuck"] < ALARM


def test_an_empty_queue_staying_empty_is_fine():
    points = history([5, 6, 4, 5, 7, 5], [0, 0, 0, 0, 0, 0])
    assert max(scores(points).values()) < ALARM


def test_shingle_is_scale_free():
    counts, queues = busy_ramp(20)
    small = shingle(history(counts, queues))
    large = shingle(history([c * 10 for c in counts], [q * 10 for q in queues]))
    assert np.allclose(small, large, atol=0.05)
    assert len(small) == 16


def test_silence_by_event_time():
    store = MemoryGateStore()
    model = QueueingWaitModel()

    def live(gate, minute):  # a varying queue: a constant one would be a stuck sensor
        return reading(gate, minute, queue=80 + 7 * (minute % 3))

    for minute in range(5):
        process_batch([live(g, minute) for g in ("G1", "G2")], store=store, model=model)
    for minute in range(5, 8):  # G2 stops reporting
        process_batch([live("G1", minute)], store=store, model=model)
    statuses = {s.gate_id: s for s in store.stadium_statuses("AGADIR")}
    assert statuses["G2"].anomaly and statuses["G2"].anomaly_kind == "gate_silent"
    assert statuses["G2"].anomaly_since == reading("G2", 5).ts
    assert not statuses["G1"].anomaly
    kinds = [e.event.kind.value for e in store.events("AGADIR") if e.event.gate_id == "G2"]
    assert kinds[-1] == "anomaly_started"
    process_batch([live("G2", 8)], store=store, model=model)  # back
    statuses = {s.gate_id: s for s in store.stadium_statuses("AGADIR")}
    assert not statuses["G2"].anomaly
    kinds = [e.event.kind.value for e in store.events("AGADIR") if e.event.gate_id == "G2"]
    assert kinds[-1] == "anomaly_ended"


def test_silence_needs_three_intervals():
    store = MemoryGateStore()
    for minute in range(3):
        process_batch(
            [reading(g, minute) for g in ("G1", "G2")], store=store, model=QueueingWaitModel()
        )
    statuses = store.stadium_statuses("AGADIR")
    clock = reading("G1", 4).ts + timedelta(seconds=59)
    assert silent_statuses(statuses, clock) == []
    assert len(silent_statuses(statuses, clock + timedelta(seconds=1))) == 2


def test_the_watchdog_flags_a_live_stadium_that_went_quiet():
    from datetime import UTC, datetime

    from stadiumflow.services.watchdog import check_silent_gates

    class At:
        def __init__(self, now):
            self._now = now

        def now(self):
            return self._now

    store = MemoryGateStore()
    last = reading("G1", 0).ts
    for minute in range(3):
        process_batch(
            [reading(g, minute, queue=50 + 9 * minute) for g in ("G1", "G2")],
            store=store,
            model=QueueingWaitModel(),
        )
    last = reading("G1", 2).ts
    assert check_silent_gates(store, At(last + timedelta(minutes=2))) == 0
    assert check_silent_gates(store, At(last + timedelta(minutes=3, seconds=1))) == 2
    assert all(s.anomaly_kind == "gate_silent" for s in store.stadium_statuses("AGADIR"))
    assert check_silent_gates(store, At(last + timedelta(minutes=5))) == 0  # already flagged
    # A replayed day, long past, is never judged by today's clock.
    other = MemoryGateStore()
    process_batch([reading("G1", 0)], store=other, model=QueueingWaitModel())
    assert check_silent_gates(other, At(datetime.now(UTC))) == 0


def test_a_near_idle_gate_is_quiet_and_a_busy_or_queueing_one_is_not():
    idle = history([2, 0, 4, 1, 3, 6], [1, 0, 2, 0, 3, 4])
    assert is_quiet(idle)
    assert not is_quiet(history([2, 0, 4, 1, 30, 35], [1, 0, 2, 0, 3, 4]))  # fans passing
    assert not is_quiet(history([2, 0, 4, 1, 3, 2], [1, 0, 2, 0, 3, 14]))  # fans waiting
    # at a quiet gate the multivariate score alone raises no alarm; the rules still do
    assert judge([], 30.0, None, quiet=True).kind is None
    assert judge([RuleScore("surge", 4.0, "x")], 30.0, None, quiet=True).kind == "surge"


def test_a_gate_reporting_every_30_s_is_judged_as_if_it_reported_every_minute():
    counts, queues = busy_ramp(30)
    counts += [30, 30, 30]
    queues += [queues[-1] + 90 * k for k in (1, 2, 3)]  # a surge: see above
    model = QueueingWaitModel()
    judged: dict[str, list[tuple[bool, float, str | None]]] = {}
    for name, half_minutes in (("every minute", False), ("every 30 s", True)):
        store = MemoryGateStore()
        judged[name] = []
        for m, (count, queue) in enumerate(zip(counts, queues, strict=True)):
            if half_minutes and m > 0:  # between two minute readings, a jumpy queue
                jumpy = reading(minute=m - 0.5, count=count, queue=max(0, int(queue) - 25))
                process_batch([jumpy], store=store, model=model)
            process_batch(
                [reading(minute=m, count=count, queue=int(queue))], store=store, model=model
            )
            (status,) = store.stadium_statuses("AGADIR")
            judged[name].append((status.anomaly, status.anomaly_score, status.anomaly_kind))
    assert judged["every 30 s"] == judged["every minute"]
    assert judged["every minute"][-1][2] == "surge"
