"""``stadiumflow report``: a match-day report (PNG plots and an HTML page) from a data dir.

Reads the embedded home's gate store (history and control events), so it runs after a
match or during one, beside a live server (SQLite readers do not block the worker).
"""

from __future__ import annotations

import argparse
import logging
from datetime import date
from pathlib import Path

log = logging.getLogger(__name__)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def add_report_command(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``report`` on the ``stadiumflow`` command's subparsers."""
    report = subparsers.add_parser(
        "report", help="match-day report of one stadium: PNG plots and an HTML page"
    )
    report.add_argument("--stadium", required=True, help="stadium id, e.g. AGADIR")
    report.add_argument("--date", required=True, type=_day, help="the day, YYYY-MM-DD (UTC)")
    report.add_argument("--out", required=True, type=Path, help="folder for index.html and PNGs")
    report.add_argument("--data-dir", type=Path, help="SQLite files here (default ./.stadiumflow)")
    report.add_argument(
        "--truth",
        type=Path,
        help="CSV of stadium,gate,ts,wait_true (the simulation's output) to plot model error",
    )
    report.set_defaults(handler=run_report, extra="reports")


def run_report(args: argparse.Namespace) -> int:
    """Build the report; 0 on success, 2 when there is nothing to report on."""
    # Heavy imports here: `stadiumflow serve` must not pay for matplotlib at start-up.
    from stadiumflow.bootstrap import bootstrap
    from stadiumflow.config import Settings
    from stadiumflow.domain.queueing import QueueingWaitModel
    from stadiumflow.reporting.day import attach_truth, load_day, read_truth
    from stadiumflow.reporting.page import render_page
    from stadiumflow.reporting.plots import plot_error, plot_states, plot_waits

    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    if settings.backend == "sqlite" and not (settings.data_dir / "gates.sqlite3").exists():
        log.error("no gate store in %s", settings.data_dir)
        return 2
    # The report predicts nothing: the queueing model spares loading the ONNX one.
    services = bootstrap(settings, model=QueueingWaitModel())
    try:
        match = load_day(services.store, args.stadium, args.date)
    finally:
        services.close()
    if not match.readings:
        log.error("no readings of %s on %s", args.stadium, args.date)
        return 2
    if args.truth is not None:
        attach_truth(match, read_truth(args.truth, args.stadium, args.date))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    images = {
        "Wait per gate": plot_waits(match, out),
        "Gate states": plot_states(match, out),
    }
    if match.errors:
        images["Model error"] = plot_error(match, out)
    elif args.truth is not None:
        log.warning("no truth in %s matches the readings of %s", args.truth, args.date)
    (out / "index.html").write_text(render_page(match, images), encoding="utf-8")
    log.info("report of %s on %s written to %s", args.stadium, args.date, out / "index.html")
    return 0
