"""``stadiumflow report`` on a small data dir: plots, page, truth, and the refusals."""

from __future__ import annotations

import argparse
import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stadiumflow.bootstrap import bootstrap
from stadiumflow.config import Settings
from stadiumflow.domain.events import AdviceChanged
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.domain.readings import Reading
from stadiumflow.domain.recommendation import Recommendation
from stadiumflow.entrypoints.tools.report import add_report_command
from stadiumflow.services.process import process_batch

DAY = datetime(2025, 7, 14, 17, 0, tzinfo=UTC)
ADVICE = "Gate G2 busy: use Gate G1 (2 min walk)"


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="stadiumflow")
    add_report_command(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(list(argv))


def _report(out: Path, data_dir: Path, date: str = "2025-07-14", *extra: str) -> argparse.Namespace:
    """``stadiumflow report`` for AGADIR on ``date``, parsed."""
    return _parse(
        "report", "--stadium", "AGADIR", "--date", date, "--out", str(out),
        "--data-dir", str(data_dir), *extra,
    )  # fmt: skip


def _queues(minute: int) -> dict[str, int]:
    """G1 stays short; G2 builds up past red and drains; G3's queue sensor freezes."""
    build = minute * 15 if minute < 40 else max(0, 600 - (minute - 40) * 30)
    return {"G1": 20 + minute % 3, "G2": build, "G3": 90}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    services = bootstrap(Settings(data_dir=data), model=QueueingWaitModel())
    readings = [
        Reading("AGADIR", gate, DAY + timedelta(minutes=m), 40, 3.0, queue)
        for m in range(60)
        for gate, queue in _queues(m).items()
    ]
    process_batch(readings, store=services.store, model=services.model)
    advice = Recommendation("G2", "G1", 0.3, 2.0, 4.0)
    event = AdviceChanged("AGADIR", "G2", DAY + timedelta(minutes=30), advice)
    with services.store.session() as session:  # the planner's part, until it lands
        session.save([], [], {}, [event])
    services.close()
    return data


def _truth(path: Path) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["stadium_id", "gate_id", "ts", "wait_true"])
        for m in range(60):
            for gate, queue in _queues(m).items():
                ts = (DAY + timedelta(minutes=m)).isoformat().replace("+00:00", "Z")
                writer.writerow(["AGADIR", gate, ts, round(queue / 40 * 1.1, 3)])
    return path


def test_report_draws_the_day_with_truth(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = _report(out, data_dir, "2025-07-14", "--truth", str(_truth(tmp_path / "truth.csv")))
    assert args.handler(args) == 0
    for name in ("index.html", "waits.png", "states.png", "error.png"):
        assert (out / name).stat().st_size > 1000, name
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "index.html").read_text()
    assert ADVICE in page
    assert "sensor_stuck" in page  # G3's frozen queue was raised as an anomaly
    assert "model MAE" in page and "queue / throughput baseline" in page
    assert 'class="n red"' in page  # G2 spent minutes red


def test_report_without_truth_skips_the_error_plot(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = _report(out, data_dir)
    assert args.handler(args) == 0
    assert (out / "waits.png").exists() and not (out / "error.png").exists()
    assert "model MAE" not in (out / "index.html").read_text()


def test_report_refuses_an_empty_day_and_a_missing_store(data_dir: Path, tmp_path: Path) -> None:
    empty_day = _report(tmp_path / "a", data_dir, "2025-07-15")
    assert empty_day.handler(empty_day) == 2
    no_store = _report(tmp_path / "b", tmp_path / "nothing")
    assert no_store.handler(no_store) == 2
    assert not (tmp_path / "nothing").exists()
    with pytest.raises(SystemExit):
        _parse("report", "--stadium", "AGADIR", "--date", "14/07/2025", "--out", "x")
