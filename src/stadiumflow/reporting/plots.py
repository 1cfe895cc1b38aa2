"""The report's pictures, drawn with matplotlib's object API and the Agg canvas.

No pyplot: it keeps global figure state and picks a GUI backend from the environment,
neither of which a command run on a server or in CI wants. Each function writes one PNG
and returns its file name.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure

from stadiumflow.domain.classify import RED_ABOVE_MINUTES, YELLOW_FROM_MINUTES
from stadiumflow.domain.events import AnomalyStarted, EventKind
from stadiumflow.reporting.day import MatchDay, error_summary

COLOURS = {"green": "#2da44e", "yellow": "#e3b300", "red": "#d1242f"}
ANOMALY = "#8250df"
ADVICE = "#0969da"
DPI = 110


def _num(ts: datetime) -> float:
    """Matplotlib's date number: its typed API takes floats, not datetimes."""
    return float(date2num(ts))  # type: ignore[no-untyped-call]


def _clock(ax: Axes) -> None:
    """Label the x axis with UTC hours and minutes."""
    ax.xaxis.set_major_formatter(DateFormatter("%H:%M", tz=UTC))  # type: ignore[no-untyped-call]


def _save(fig: Figure, out: Path, name: str) -> str:
    FigureCanvasAgg(fig)
    fig.savefig(out / name, dpi=DPI)
    return name


def _runs(times: list[float], flags: list[bool]) -> list[tuple[float, float]]:
    """Spans of consecutive readings where ``flags`` holds, from first to next reading."""
    spans = []
    for flag, group in itertools.groupby(
        zip(times, range(len(times)), strict=True), key=lambda p: flags[p[1]]
    ):
        items = list(group)
        if flag:
            last = items[-1][1]
            end = times[last + 1] if last + 1 < len(times) else items[-1][0]
            spans.append((items[0][0], end))
    return spans


def _gate_axes(ax: Axes, match: MatchDay, gate: str) -> None:
    rows = match.readings[gate]
    ts = [_num(r.reading.ts) for r in rows]
    waits = [r.estimate.wait for r in rows]
    for state, alpha in (("red", 0.18), ("yellow", 0.16)):
        for start, end in _runs(ts, [r.state.value == state for r in rows]):
            ax.axvspan(start, end, color=COLOURS[state], alpha=alpha, lw=0)
    lows = [r.estimate.low for r in rows]
    highs = [r.estimate.high for r in rows]
    if all(v is not None for v in lows + highs):
        ax.fill_between(ts, lows, highs, color="#57606a", alpha=0.2, lw=0, label="interval")  # type: ignore[arg-type]
    ax.plot(ts, waits, color="#1f2328", lw=1.4, label="predicted wait")
    if match.errors.get(gate):
        pairs = match.errors[gate]
        ax.plot(
            [_num(p[0]) for p in pairs],
            [p[2] for p in pairs],
            color="#0a7f8a",
            lw=1.1,
            ls="--",
            label="true wait",
        )
    for level in (YELLOW_FROM_MINUTES, RED_ABOVE_MINUTES):
        ax.axhline(level, color="#8c959f", lw=0.7, ls=":")
    top = max([*waits, RED_ABOVE_MINUTES + 2]) * 1.1
    for stored in match.events_of(EventKind.ANOMALY_STARTED, gate):
        e = stored.event
        ax.plot(_num(e.ts), top * 0.95, marker="v", color=ANOMALY, ms=7)
        ax.annotate(
            e.anomaly_kind if isinstance(e, AnomalyStarted) else "anomaly",
            (_num(stored.event.ts), top * 0.95),
            xytext=(4, -3),
            textcoords="offset points",
            fontsize=7,
            color=ANOMALY,
        )
    for stored in match.events_of(EventKind.ADVICE_CHANGED, gate):
        ax.axvline(_num(stored.event.ts), color=ADVICE, lw=0.9, alpha=0.8)
    ax.set_ylim(0, top)
    ax.set_ylabel(f"{gate}\nmin", rotation=0, ha="right", va="center", fontsize=9)
    ax.grid(axis="y", alpha=0.25)


def plot_waits(match: MatchDay, out: Path) -> str:
    """Wait per gate through the day, yellow and red bands, anomalies and advice marked."""
    gates = list(match.readings)
    fig = Figure(figsize=(12, 1.7 * len(gates) + 1.2), layout="constrained")
    axes = fig.subplots(len(gates), 1, sharex=True, squeeze=False)[:, 0]
    for ax, gate in zip(axes, gates, strict=True):
        _gate_axes(ax, match, gate)
    axes[0].legend(loc="upper left", fontsize=8, ncols=3, frameon=False)
    _clock(axes[-1])
    axes[-1].set_xlabel("UTC")
    fig.suptitle(
        f"{match.stadium_id} {match.day}: wait per gate (yellow 5-10 min, red > 10;"
        " ▼ anomaly, blue line: advice changed)",
        fontsize=11,
    )
    return _save(fig, out, "waits.png")


def plot_states(match: MatchDay, out: Path) -> str:
    """A timeline of each gate's state: the day at a glance."""
    gates = list(match.readings)
    fig = Figure(figsize=(12, 0.45 * len(gates) + 1.4), layout="constrained")
    ax = fig.subplots()
    for i, gate in enumerate(gates):
        rows = match.readings[gate]
        ts = [_num(r.reading.ts) for r in rows]
        for state, colour in COLOURS.items():
            for start, end in _runs(ts, [r.state.value == state for r in rows]):
                ax.fill_between([start, end], i - 0.38, i + 0.38, color=colour, lw=0)
        for stored in match.events_of(EventKind.ANOMALY_STARTED, gate):
            ax.plot(_num(stored.event.ts), i, marker="*", color=ANOMALY, ms=10, mec="white")
    ax.set_yticks(range(len(gates)), gates)
    ax.invert_yaxis()
    _clock(ax)
    ax.set_title(f"{match.stadium_id} {match.day}: gate states (★ anomaly started)", fontsize=11)
    return _save(fig, out, "states.png")


def plot_error(match: MatchDay, out: Path) -> str:
    """The model's error against the simulation's truth, beside the naive baseline."""
    fig = Figure(figsize=(12, 6), layout="constrained")
    over_time, per_gate = fig.subplots(2, 1)
    gates = [g for g in match.readings if g in match.errors]
    for gate in gates:
        pairs = match.errors[gate]
        over_time.plot(
            [_num(p[0]) for p in pairs], [p[1] - p[2] for p in pairs], lw=0.9, label=gate
        )
    over_time.axhline(0, color="#1f2328", lw=0.8)
    over_time.set_ylabel("predicted - true (min)")
    _clock(over_time)
    over_time.legend(fontsize=7, ncols=min(len(gates), 8), frameon=False)
    summaries = [error_summary(match.errors[g]) for g in gates]
    x = range(len(gates))
    per_gate.bar(
        [i - 0.2 for i in x], [s["mae"] for s in summaries], 0.4, label="model MAE", color="#0969da"
    )
    per_gate.bar(
        [i + 0.2 for i in x],
        [s["naive_mae"] for s in summaries],
        0.4,
        label="queue / throughput MAE",
        color="#8c959f",
    )
    per_gate.set_xticks(list(x), gates)
    per_gate.set_ylabel("mean absolute error (min)")
    per_gate.legend(fontsize=8, frameon=False)
    fig.suptitle(f"{match.stadium_id} {match.day}: wait model against the truth", fontsize=11)
    return _save(fig, out, "error.png")
