"""Simulated match days scored through the HTTP API, as an outside judge sees the product.

``stadiumflow evaluate --url URL`` posts each minute of a day (one request per stadium
and minute) to a running server, waits until ``GET /api/flow/status`` shows those
readings (each gate's ``last_updated``), and takes each gate's ``wait``, interval,
forecast and alarm from there, as a judge polling the API would. The truth, baselines
and scores are ``training.evaluate``'s, so the figures compare one to one with the
in-process evaluation: any difference is the API path's (the live worker's batches, the
store, the wire's rounding). Each run suffixes the stadium ids, so a server that already
saw a day takes it as new readings, not as duplicates. When a gate has two readings in
one posted minute (jittery or sub-minute sensors), only the newest shows in the status,
so only it is scored, as a judge reading the status would; and the status's ts is
compared at the wire's millisecond precision.

With ``plans``, each day's plan is put first (``PUT /api/flow/plan?stadiumId=X``); a
server without that route (404, 405 or 501) refuses plans, and the runner says why
(``plans_refused``) and scores nothing more.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from stadiumflow.domain.features import compute_features
from stadiumflow.domain.plan import MatchPlan
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.domain.window import GateWindow, WindowPoint
from stadiumflow.entrypoints.tools.replay import ReplayStats, post_readings, reading_json
from stadiumflow.simulation.results import iso_z
from stadiumflow.training.evaluate import DayOutputs, SimulatedDay

VISIBLE_WITHIN_SECONDS = 30.0  # a minute not shown by then counts as stale
POLL_SECONDS = 0.005
HTTP_TIMEOUT_SECONDS = 10.0
PLAN_PATH = "/api/flow/plan"
NO_PLAN_ROUTE = (404, 405, 501)  # what a server without the plan API answers
_NO_SHIFT = timedelta(0)  # readings keep their ts


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_SECONDS) as response:
        return json.loads(response.read())


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def plan_json(plan: MatchPlan) -> dict[str, Any]:
    """The plan as the API takes it (camelCase; lanes only where the plan names them)."""
    return {
        "kickoff": iso_z(plan.kickoff),
        "gates": [
            {
                "gateId": g.gate_id,
                "expectedFans": g.expected_fans,
                **({} if g.lanes is None else {"lanes": g.lanes}),
            }
            for g in plan.gates
        ],
    }


def put_plan(url: str, stadium_id: str, plan: MatchPlan) -> None:
    """PUT a stadium's plan; raises ``HTTPError`` when the server refuses it."""
    query = urllib.parse.urlencode({"stadiumId": stadium_id})
    request = urllib.request.Request(
        f"{url}{PLAN_PATH}?{query}",
        data=json.dumps(plan_json(plan)).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
        response.read()


@dataclass
class ApiRunner:
    """A ``training.evaluate.DayRunner`` that goes through a server at ``url``."""

    url: str
    tag: str
    posting: ReplayStats
    stale_minutes: int = 0
    polls: int = 0
    waited_seconds: float = 0.0
    plans: bool = False  # put each day's plan before its readings
    plans_refused: str | None = None  # why the server took no plan (then nothing is scored)

    @classmethod
    def at(cls, url: str, *, plans: bool = False) -> ApiRunner:
        tag = f"{int(time.time()) % 10**6:06d}{'p' if plans else ''}"
        return cls(url.rstrip("/"), tag, ReplayStats(), plans=plans)

    def model_version(self) -> str:
        ready = get_json(self.url + "/readyz")
        return str(ready.get("waitModel", {}).get("version", "unknown"))

    def __call__(self, day: SimulatedDay, out: DayOutputs) -> None:
        stadium = f"{day.stadium_id}-{self.tag}"
        if self.plans and not self._gave_plan(stadium, day.plan):
            return
        by_minute: dict[datetime, list[Reading]] = defaultdict(list)
        for reading in day.readings():
            by_minute[reading.ts.replace(second=0, microsecond=0)].append(reading)
        truth = {(m.reading.gate_id, m.reading.ts): m for m in day.minutes if m.reported}
        windows: dict[str, GateWindow] = defaultdict(GateWindow)
        alarms: dict[tuple[str, datetime], str | None] = {}
        for stamp in sorted(by_minute):
            readings = sorted(by_minute[stamp], key=lambda r: r.ts)
            body = [{**reading_json(r, _NO_SHIFT), "stadiumId": stadium} for r in readings]
            self.posting.posts += 1
            self.posting.readings += len(body)
            if not post_readings(self.url, body, self.posting):
                continue
            newest: dict[str, Reading] = {}
            for r in readings:
                window = windows[r.gate_id]
                if window.newest_ts is not None and r.ts.timestamp() <= window.newest_ts:
                    continue  # late: never moves a status
                window.add(WindowPoint.of(r))
                newest[r.gate_id] = r
            posted = {g: _ts(iso_z(r.ts)) for g, r in newest.items()}  # ms on the wire
            gates = self._visible(stadium, posted)
            for gate in gates:
                alarms[(gate["gateId"], stamp)] = gate["anomalyKind"] if gate["anomaly"] else None
            shown = {g["gateId"]: g for g in gates}
            for gate_id, r in newest.items():
                minute, status = truth.get((gate_id, r.ts)), shown.get(gate_id)
                if (
                    minute is None
                    or status is None
                    or _ts(status["last_updated"]) != posted[gate_id]
                ):
                    continue  # not the reading posted (a newer one arrived first): not shown
                estimate = WaitEstimate(
                    status["wait"],
                    status.get("waitLow"),
                    status.get("waitHigh"),
                    status.get("waitIn15"),
                )
                out.add(
                    day.stadium_id,
                    minute,
                    r.ts,
                    estimate,
                    compute_features(windows[gate_id].points),
                    state=status["state"],
                    in_30=status.get("waitIn30"),
                    red_expected_in=status.get("redExpectedIn"),
                )
        out.alarms.append(alarms)

    def _gave_plan(self, stadium: str, plan: MatchPlan | None) -> bool:
        """Put the day's plan under the suffixed stadium id; False when there is none or
        the server has no plan API (then ``plans_refused`` says so)."""
        if self.plans_refused is not None or plan is None:
            return False
        try:
            put_plan(self.url, stadium, replace(plan, stadium_id=stadium))
        except urllib.error.HTTPError as exc:
            if exc.code not in NO_PLAN_ROUTE:
                raise
            self.plans_refused = (
                f"the server has no plan API yet: PUT {PLAN_PATH} answered {exc.code}"
            )
            return False
        return True

    def _visible(self, stadium: str, expected: dict[str, datetime]) -> list[dict[str, Any]]:
        """The stadium's gates once each gate of ``expected`` shows at least its ts (or
        what they show after VISIBLE_WITHIN_SECONDS, counted as a stale minute)."""
        query = urllib.parse.urlencode({"stadiumId": stadium})
        start = time.monotonic()
        gates: list[dict[str, Any]] = []
        while True:
            self.polls += 1
            try:
                gates = get_json(f"{self.url}/api/flow/status?{query}")["gates"]
            except urllib.error.HTTPError as exc:
                if exc.code != 404:  # 404: the stadium's first minute is not processed yet
                    raise
            shown = {g["gateId"]: _ts(g["last_updated"]) for g in gates}
            if all(g in shown and shown[g] >= ts for g, ts in expected.items()):
                break
            if time.monotonic() - start > VISIBLE_WITHIN_SECONDS:
                self.stale_minutes += 1
                break
            time.sleep(POLL_SECONDS)
        self.waited_seconds += time.monotonic() - start
        return gates
