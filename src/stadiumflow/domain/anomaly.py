"""Anomaly rules of one gate, from its rolling window: few, early, explained alerts.

Each rule returns a score on one scale: about 0 when normal, 3 at its alarm threshold,
more the further past it; the gate's ``anomalyScore`` is the highest, its kind the
rule's. Congestion alone is not an anomaly: a gate that is busy as the match-day curve
predicts is red, not alarming. The rules look only at the gate's own recent history
(rates, ratios, runs), so they mean the same thing in any stadium.

    surge            arrivals far above the gate's own recent arrivals (stampede risk)
    throughput_drop  turnstiles passing far fewer fans than they just did, fans waiting
    sensor_stuck     the reported queue frozen while fans pass
    gate_silent      no reading for 3 expected intervals (see :mod:`silence`)
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from stadiumflow.domain.window import WindowPoint, index_after

ALARM = 3.0  # every score crosses its alarm threshold at 3
SECONDS_PER_MINUTE = 60.0

SURGE_BASELINE_MINUTES = (12.0, 2.5)  # the gate's arrivals from 12 to 2.5 minutes ago
SURGE_MIN_RATIO = 1.8  # the last two readings' arrivals at least 1.8x those on average...
SURGE_MIN_EACH_RATIO = 1.5  # ...each of them 1.5x (a one-off jump of the queue is no surge)...
SURGE_MIN_Z = 3.5  # ...and 3.5 robust deviations above them
SURGE_FLOOR_FANS_PER_MIN = 15.0  # a trickle becoming a few fans is no stampede risk

DROP_REFERENCE_MINUTES = (12.0, 1.5)
DROP_MIN_SHARE = 0.5  # at least half the fans the turnstiles just passed, or can, are gone...
DROP_MIN_Z = 3.0  # ...far below what counting noise explains (Poisson deviations)...
DROP_MIN_QUEUE = 10  # ...while fans wait and the queue is not draining
# Lanes down: part of a saturated gate's lanes stopped (one turnstile of six is a drop of
# 17%, far under the collapse above). Lanes at work = fans through x seconds per fan / 60,
# so a slower service (bag checks) is no lane down: fewer fans, each taking longer.
LANES_RECENT = 3  # the newest readings, averaged...
LANES_MIN_SHARE = 0.15  # ...pass at least this share fewer fans than the gate's lanes can...
LANES_MIN_Z = 3.0  # ...far past counting noise...
LANES_MIN_HISTORY = 5  # ...against what its lanes did in saturated minutes of its last hour

STUCK_MIN_QUEUE = 3
MAX_POINTS = 64
"""The rules read at most a gate's newest 64 readings: more than an hour at one a minute.
A gate reporting every few seconds is judged on its last 64, which bounds the work per
gate however chatty its sensor."""
STUCK_RUN_LONG_QUEUE = 3  # identical reports in a row when the queue is >= 10
STUCK_RUN_SHORT_QUEUE = 5  # when it is shorter (small numbers repeat by chance)
STUCK_MIN_FANS_PASSED = 5


@dataclass(frozen=True, slots=True)
class RuleScore:
    kind: str
    score: float
    detail: str


def _arrivals(points: Sequence[WindowPoint]) -> list[tuple[float, float]]:
    """(ts, fans/min joining) per reading: throughput plus queue growth."""
    found = []
    for prev, cur in itertools.pairwise(points):
        gap = (cur.ts - prev.ts) / SECONDS_PER_MINUTE
        if gap > 0:
            found.append(
                (cur.ts, cur.per_minute_count + (cur.queue_length - prev.queue_length) / gap)
            )
    return found


def _between(
    items: Sequence[tuple[float, float]], now: float, start: float, end: float
) -> list[float]:
    """Values with now - start*60 < ts <= now - end*60."""
    lo, hi = now - start * SECONDS_PER_MINUTE, now - end * SECONDS_PER_MINUTE
    return [v for t, v in items if lo < t <= hi]


def _since(points: Sequence[WindowPoint], minutes: float) -> Sequence[WindowPoint]:
    """The points newer than ``minutes`` before the newest, and the one point before them."""
    k = index_after(points, points[-1].ts - minutes * SECONDS_PER_MINUTE, 0, len(points) - 1)
    return points[max(k - 1, 0) :]


def surge_score(points: Sequence[WindowPoint]) -> RuleScore:
    now = points[-1].ts
    arrivals = _arrivals(_since(points[-MAX_POINTS:], SURGE_BASELINE_MINUTES[0]))
    baseline = _between(arrivals, now, *SURGE_BASELINE_MINUTES)
    if len(arrivals) < 2 or len(baseline) < 4:
        return RuleScore("surge", 0.0, "not enough history")
    recent = [a for _, a in arrivals[-2:]]
    level = statistics.median(baseline)
    mad = statistics.median([abs(v - level) for v in baseline]) * 1.4826
    scale = max(mad, 1.5 * math.sqrt(max(level, 1.0)), 3.0)
    now_rate = statistics.fmean(recent)
    floor = max(level, SURGE_FLOOR_FANS_PER_MIN)
    z = (now_rate - level) / scale
    score = ALARM * min(
        now_rate / floor / SURGE_MIN_RATIO,
        min(recent) / floor / SURGE_MIN_EACH_RATIO,
        z / SURGE_MIN_Z,
    )
    return RuleScore(
        "surge", max(score, 0.0), f"{now_rate:.0f} fans/min arriving, usually {level:.0f}"
    )


def throughput_drop_score(points: Sequence[WindowPoint]) -> RuleScore:
    """Turnstiles passing far fewer fans than they can while fans wait: a collapse (see
    :func:`collapse_score`) or lanes down at a saturated gate (:func:`lanes_down_score`)."""
    return max(collapse_score(points), lanes_down_score(points), key=lambda r: r.score)


def _saturated(point: WindowPoint, per_minute: float) -> bool:
    """A minute's work or more waiting: every working lane has a fan to serve."""
    return point.queue_length >= max(DROP_MIN_QUEUE, per_minute)


def lanes_down_score(points: Sequence[WindowPoint]) -> RuleScore:
    """A saturated gate whose lanes at work fell below what they were in its saturated
    minutes of the last hour (their upper quartile: the lanes it has)."""
    none = RuleScore("throughput_drop", 0.0, "not saturated, or no saturated history")
    recent = points[-LANES_RECENT:]
    earlier = points[-MAX_POINTS - LANES_RECENT : -LANES_RECENT]
    if len(recent) < LANES_RECENT or len(earlier) < LANES_MIN_HISTORY:
        return none
    # Saturated now needs every recent queue >= what the lanes can pass, which is more
    # than the fewest fans any recent minute passed: most gates stop here, cheaply.
    if min(p.queue_length for p in recent) < max(
        DROP_MIN_QUEUE, min(p.per_minute_count for p in recent)
    ):
        return none
    lanes = sorted(
        p.per_minute_count * p.avg_processing_time / SECONDS_PER_MINUTE
        for p in earlier
        if p.per_minute_count > 0 and _saturated(p, p.per_minute_count)
    )
    if len(lanes) < LANES_MIN_HISTORY:
        return none
    working = lanes[int(0.75 * (len(lanes) - 1))]
    paces = [p.avg_processing_time for p in recent if p.per_minute_count > 0]
    if working <= 0 or not paces:
        return none
    can = working * SECONDS_PER_MINUTE / statistics.fmean(paces)  # fans/min at this pace
    if not all(_saturated(p, can) for p in recent):
        return none
    through = statistics.fmean(p.per_minute_count for p in recent)
    share = 1.0 - through / can
    z = (can - through) / math.sqrt(can / LANES_RECENT)
    score = ALARM * min(share / LANES_MIN_SHARE, z / LANES_MIN_Z)
    at_work = through * statistics.fmean(paces) / SECONDS_PER_MINUTE
    return RuleScore(
        "throughput_drop",
        max(0.0, min(score, 2 * ALARM)),
        f"about {at_work:.0f} of {working:.0f} lanes at work, {points[-1].queue_length} waiting",
    )


def collapse_score(points: Sequence[WindowPoint]) -> RuleScore:
    """Fans waiting, the queue not draining, and the turnstiles passing far fewer fans
    than this gate just did or can do (its recent median, or the best of its hour)."""
    last = points[-1]
    if last.queue_length < DROP_MIN_QUEUE:
        return RuleScore("throughput_drop", 0.0, "no reference or nobody waiting")
    now = last.ts
    earlier = points[-MAX_POINTS - 1 : -1]
    counts = [(p.ts, float(p.per_minute_count)) for p in earlier]
    recent = _between(counts, now, *DROP_REFERENCE_MINUTES)
    if len(recent) < 3:
        return RuleScore("throughput_drop", 0.0, "no reference or nobody waiting")
    hour = sorted(c for _, c in counts[:-1]) or [0.0]
    capable = hour[int(0.75 * (len(hour) - 1))]  # the hour's upper quartile: what it can do
    reference = max(statistics.median(recent), capable)
    previous = earlier[-1]
    if reference <= 0 or last.queue_length < previous.queue_length:
        return RuleScore("throughput_drop", 0.0, "queue draining")
    count = float(last.per_minute_count)
    drop = 1.0 - count / reference
    z = (reference - count) / math.sqrt(max(reference, 1.0))
    score = ALARM * min(drop / DROP_MIN_SHARE, z / DROP_MIN_Z)
    return RuleScore(
        "throughput_drop",
        max(0.0, min(score, 2 * ALARM)),
        f"{count:.0f} fans/min through, can do {reference:.0f}, {last.queue_length} waiting",
    )


def sensor_stuck_score(points: Sequence[WindowPoint]) -> RuleScore:
    last = points[-1]
    queue = last.queue_length
    run = 0
    passed = 0
    for point in reversed(points):
        if point.queue_length != queue:
            break
        run += 1
        passed += point.per_minute_count
    needed = STUCK_RUN_LONG_QUEUE if queue >= 10 else STUCK_RUN_SHORT_QUEUE
    if queue < STUCK_MIN_QUEUE or passed - last.per_minute_count < STUCK_MIN_FANS_PASSED:
        return RuleScore("sensor_stuck", 0.0, "queue not frozen while fans pass")
    return RuleScore(
        "sensor_stuck",
        ALARM * run / needed,
        f"queue reported {queue} for {run} readings while {passed} fans passed",
    )


RULES = (surge_score, throughput_drop_score, sensor_stuck_score)


def score_rules(points: Sequence[WindowPoint]) -> list[RuleScore]:
    """Every rule's score for the newest point of ``points`` (ts order)."""
    if len(points) < 2:
        return []
    return [rule(points) for rule in RULES]


END_BELOW = 2.0
"""An active alarm ends once its own score falls below this (hysteresis: no flapping)."""
UNUSUAL = "unusual"  # the multivariate score's kind, for what the rules miss
UNUSUAL_ALARM = 12.0
"""The multivariate score raises an alarm of its own only far past 3: on a match day
the rules explain the common incidents, and the score alone also reacts to the normal
ramp of arrivals; it still shows in ``anomalyScore``."""


QUIET_FANS_PER_MIN = 5.0
QUIET_QUEUE = 10
"""A gate passing under 5 fans a minute with under 10 waiting is quiet: the multivariate
score's ratios swing on a handful of fans there, and no incident it could add to the
rules' (surges start at 15 fans a minute) matters yet."""


def is_quiet(points: Sequence[WindowPoint]) -> bool:
    """Fewer than QUIET_FANS_PER_MIN through, on average over the newest 5 minutes, and
    fewer than QUIET_QUEUE waiting now."""
    last = points[-1]
    if last.queue_length >= QUIET_QUEUE:
        return False
    oldest, newest = max(len(points) - MAX_POINTS, 0), len(points) - 1
    recent = points[index_after(points, last.ts - 5 * SECONDS_PER_MINUTE, oldest, newest) :]
    return statistics.fmean(p.per_minute_count for p in recent) < QUIET_FANS_PER_MIN


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str | None  # the active alarm, None when normal
    score: float  # the highest score of any detector, 0..~10
    detail: str


def judge(
    rules: Sequence[RuleScore],
    multivariate: float,
    active_kind: str | None,
    *,
    quiet: bool = False,
) -> Verdict:
    """The alarm after this reading, given the one active before it (hysteresis).
    At a quiet gate (:func:`is_quiet`) the multivariate score does not count.

    >>> judge([RuleScore("surge", 3.4, "x")], 0.5, None).kind
    'surge'
    >>> judge([RuleScore("surge", 2.0, "x")], 0.5, "surge").kind  # still above 1.5
    'surge'
    >>> judge([RuleScore("surge", 1.0, "x")], 0.5, "surge").kind is None
    True
    >>> judge([], 20.0, None).kind, judge([], 20.0, None, quiet=True).kind
    ('unusual', None)
    """
    scores = list(rules)
    if not quiet:
        scores.append(
            RuleScore(UNUSUAL, multivariate * ALARM / UNUSUAL_ALARM, "unusual counts and queue")
        )
    if not scores:
        return Verdict(None, 0.0, "")
    best = max(scores, key=lambda r: r.score)
    if active_kind is not None:
        current = next((r for r in scores if r.kind == active_kind), None)
        if current is not None and current.score >= END_BELOW:
            if best.score >= ALARM and best.score > current.score + ALARM:
                return Verdict(best.kind, best.score, best.detail)  # a worse alarm takes over
            return Verdict(active_kind, max(current.score, best.score), current.detail)
    if best.score >= ALARM:
        return Verdict(best.kind, best.score, best.detail)
    return Verdict(None, best.score, best.detail)
