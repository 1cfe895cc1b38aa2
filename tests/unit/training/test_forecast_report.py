"""evaluate's forecast report: the table, the plot, and plans put through the API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from stadiumflow.domain.plan import GatePlan, MatchPlan
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.wait import WaitEstimate
from stadiumflow.entrypoints.tools.api_eval import ApiRunner, plan_json, put_plan
from stadiumflow.entrypoints.tools.forecast_table import print_forecasts
from stadiumflow.entrypoints.tools.ml import forecast_plot_path
from stadiumflow.simulation.results import ObservedMinute
from stadiumflow.training.day_outputs import DayOutputs
from stadiumflow.training.forecast_eval import forecast_report
from stadiumflow.training.plots import plot_forecasts

KICKOFF = datetime(2025, 7, 14, 20, tzinfo=UTC)
PLAN = MatchPlan("X", KICKOFF, (GatePlan("G1", 4200, 6), GatePlan("G2", 900)))


class FakeDay:
    """A SimulatedDay of one gate: calm, then red from minute 60 on."""

    stadium_id = "X"
    profiles = ()

    def __init__(self, plan: MatchPlan | None = PLAN) -> None:
        self.plan = plan
        self.minutes = tuple(self._minute(k) for k in range(120))

    @staticmethod
    def _minute(k: int) -> ObservedMinute:
        ts = KICKOFF - timedelta(minutes=120 - k)
        wait = 12.0 if k >= 60 else 3.0
        ahead = 12.0 if k + 15 >= 60 else 3.0
        return ObservedMinute(Reading("X", "G1", ts, 40, 3.0, 50), True, 50, 4, wait, ahead, "")

    def readings(self) -> list[Reading]:
        return [m.reading for m in self.minutes]


def outputs(warn_from: int) -> DayOutputs:
    """The product forecasts the truth 15 minutes ahead exactly, so it warns from 45."""
    out = DayOutputs()
    day = FakeDay()
    for k, m in enumerate(day.minutes):
        estimate = WaitEstimate(m.wait_true, None, None, m.wait_true_in_15 if k >= warn_from else 3)
        state = "red" if m.wait_true > 10 else "green"
        out.add("X", m, m.reading.ts, estimate, [], state=state)
    out.add_context(day, 0)
    return out


def test_a_forecast_15_minutes_ahead_warns_15_minutes_ahead():
    report = forecast_report(outputs(warn_from=0))
    product = report["product"]
    assert product["in15"]["maePeak"] == 0.0 and product["in30"] is None
    assert product["warnings"]["redOnsets"] == 1
    assert product["warnings"]["medianLeadMinutes"] == 15.0
    assert product["meetsTargets"] == {"mae15Peak": True, "shareWarned5": True}
    assert "anchor" not in report  # the fake day has no profiles: no anchor


def test_the_table_says_n_a_for_a_forecast_the_product_does_not_make(capsys):
    report = {
        "forecast": forecast_report(outputs(warn_from=0)),
        "withPlans": {"given": False, "reason": "no save_plan"},
    }
    print_forecasts(report)
    text = capsys.readouterr().out
    product = next(line for line in text.splitlines() if line.startswith("product"))
    assert product.split()[1:4] == ["0.00", "0.00", "1.00"] and "n/a" in product
    assert "with plans: not run (no save_plan)" in text


def test_the_table_shows_the_product_with_plans_when_it_got_them(capsys):
    scored = forecast_report(outputs(warn_from=0))
    print_forecasts({"forecast": scored, "withPlans": {"given": True, "forecast": scored}})
    assert "product, with plans" in capsys.readouterr().out


def test_the_forecast_plot_goes_beside_the_wait_plot(tmp_path):
    assert forecast_plot_path(Path("a/evaluate_wait.png")) == Path("a/evaluate_wait_forecast.png")
    path = plot_forecasts(outputs(warn_from=50), tmp_path / "f.png")
    assert path is not None and path.read_bytes()[:4] == b"\x89PNG"
    calm = DayOutputs()
    assert plot_forecasts(calm, tmp_path / "none.png") is None


class PlanServer(BaseHTTPRequestHandler):
    answer = 204
    seen: ClassVar[list[tuple[str, Any]]] = []

    def do_PUT(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append((self.path, body))
        self.send_response(self.answer)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), PlanServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    PlanServer.seen.clear()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_a_plan_is_put_as_the_api_takes_it(server):
    put_plan(server, "X-1", PLAN)
    [(path, body)] = PlanServer.seen
    assert path == "/api/flow/plan?stadiumId=X-1"
    assert (
        body
        == plan_json(PLAN)
        == {
            "kickoff": "2025-07-14T20:00:00Z",
            "gates": [
                {"gateId": "G1", "expectedFans": 4200, "lanes": 6},
                {"gateId": "G2", "expectedFans": 900},
            ],
        }
    )


def test_a_server_without_the_plan_api_refuses_plans_and_nothing_is_scored(server, monkeypatch):
    monkeypatch.setattr(PlanServer, "answer", 404)
    runner = ApiRunner.at(server, plans=True)
    out = DayOutputs()
    runner(FakeDay(), out)
    assert runner.plans_refused is not None and "404" in runner.plans_refused
    assert out.truth == [] and runner.posting.posts == 0
    [(path, _)] = PlanServer.seen
    assert path.endswith(f"stadiumId=X-{runner.tag}")  # the run's own stadium id
