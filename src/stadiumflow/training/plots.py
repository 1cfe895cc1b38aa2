"""Predicted against true wait through a match day, for the busiest gates; and the
15-minute forecasts of the gates that turned red, beside the anchors'."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from stadiumflow.domain.classify import RED_ABOVE_MINUTES, YELLOW_FROM_MINUTES
from stadiumflow.training.day_outputs import DayOutputs
from stadiumflow.training.forecast_eval import anchor_warned, gate_days, product_warned
from stadiumflow.training.forecast_metrics import red_onsets
from stadiumflow.training.metrics import baseline_throughput


def plot_day(out: DayOutputs, stadium: str, path: Path, gates: int = 4) -> Path:
    """One panel per gate: truth, model with its 10-90% band, the queue/throughput baseline."""
    stadiums = out.array("stadium")
    mask = stadiums == stadium
    gate_ids = out.array("gate")[mask]
    truth = out.array("truth")[mask]
    worst = sorted(set(gate_ids), key=lambda g: -truth[gate_ids == g].max())[:gates]
    fig, axes = plt.subplots(len(worst), 1, figsize=(11, 2.6 * len(worst)), sharex=True)
    axes = np.atleast_1d(axes)
    ts_all = np.asarray(out.ts, dtype=object)[mask]
    features = np.asarray(out.features)[mask]
    for ax, gate in zip(axes, worst, strict=True):
        sel = gate_ids == gate
        ts = list(ts_all[sel])
        ax.axhspan(YELLOW_FROM_MINUTES, RED_ABOVE_MINUTES, color="#f5d76e", alpha=0.15, lw=0)
        ax.axhspan(RED_ABOVE_MINUTES, max(truth.max(), 12) * 1.1, color="#e74c3c", alpha=0.08, lw=0)
        low, high = out.array("low")[mask][sel], out.array("high")[mask][sel]
        if not np.isnan(low).all():
            ax.fill_between(ts, low, high, color="#3498db", alpha=0.2, lw=0, label="model 10-90%")
        ax.plot(ts, truth[sel], color="black", lw=1.6, label="true wait")
        ax.plot(ts, out.array("wait")[mask][sel], color="#2471a3", lw=1.2, label="model")
        ax.plot(
            ts,
            baseline_throughput(features[sel]),
            color="#aaa",
            lw=0.9,
            ls="--",
            label="queue / throughput",
        )
        ax.set_ylabel(f"{gate}\nminutes")
        ax.set_ylim(0, max(truth.max(), 12) * 1.1)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", ncol=4, fontsize=8)
    axes[0].set_title(f"{stadium}: wait of a fan joining now, predicted against true")
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))  # type: ignore[no-untyped-call]
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_forecasts(out: DayOutputs, path: Path, panels: int = 12) -> Path | None:
    """The gates that turned red, one panel each (shared axes): the true wait, and the
    product's and the anchors' 15-minute forecasts drawn at the minute they are for;
    the red threshold, the red onsets, and the minutes the product (and the anchor)
    warned. None when no gate turned red."""
    truth, to_kickoff = out.array("truth"), out.array("to_kickoff")
    series = [
        (key, rows)
        for key, rows in gate_days(out).items()
        if (truth[rows] > RED_ABOVE_MINUTES).any()
    ]
    if not series:
        return None
    series = sorted(series, key=lambda s: -truth[s[1]].max())[:panels]
    cols = min(3, len(series))
    nrows = -(-len(series) // cols)
    fig, axes = plt.subplots(
        nrows, cols, figsize=(4.6 * cols, 2.7 * nrows), sharex=True, sharey=True, squeeze=False
    )
    warned = product_warned(out)
    anchor, perfect = out.anchors["anchor"], out.anchors["anchorTrueArrivals"]
    anchor_warn = anchor_warned(anchor)
    minutes = np.asarray([ts.timestamp() / 60.0 for ts in out.ts])
    top = min(max(float(truth.max()), 12.0) * 1.1, 60.0)
    for ax, ((day, stadium, gate), rows) in zip(axes.flat, series, strict=False):
        t = to_kickoff[rows]
        band = ax.get_xaxis_transform()  # x in data, y in the axes' height
        for flags, height, colour, alpha, label in (
            (warned, 1.0, "#2471a3", 0.12, "product warned"),
            (anchor_warn, 0.04, "#e67e22", 0.6, "anchor warned"),
        ):
            ax.fill_between(
                t,
                0,
                height,
                where=flags[rows],
                transform=band,
                color=colour,
                alpha=alpha,
                lw=0,
                step="mid",
                label=label,
            )
        ax.axhline(RED_ABOVE_MINUTES, color="#e74c3c", lw=0.9, ls=":", label="red (> 10 min)")
        ax.plot(t, truth[rows], color="black", lw=1.5, label="true wait")
        for forecast, style, label in (
            (out.array("in_15"), {"color": "#2471a3", "lw": 1.2}, "product"),
            (anchor.array("in_15"), {"color": "#e67e22", "lw": 1.1, "ls": "--"}, "anchor (plan)"),
            (
                perfect.array("in_15"),
                {"color": "#7f8c8d", "lw": 0.9, "ls": ":"},
                "anchor (true arrivals)",
            ),
        ):
            ax.plot(t + 15, forecast[rows], label=f"{label}, 15 min", **style)
        for i in red_onsets(minutes[rows], truth[rows]):
            ax.axvline(t[i], color="#c0392b", lw=1.0, alpha=0.8)
            ax.plot([t[i]], [RED_ABOVE_MINUTES], marker="v", color="#c0392b", ms=6)
        ax.set_title(f"day {day} {stadium} {gate}", fontsize=9)
        ax.set_ylim(0, top)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(series) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("minutes to kickoff")
    for ax in axes[:, 0]:
        ax.set_ylabel("wait, minutes")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    onset = Line2D([], [], color="#c0392b", marker="v", lw=1.0, label="red onset")
    fig.legend([*handles, onset], [*labels, "red onset"], loc="lower center", ncol=4, fontsize=8)
    fig.suptitle("Wait forecast 15 minutes ahead, drawn at the minute it is for, against the truth")
    height = fig.get_figheight()
    fig.tight_layout(rect=(0, 0.75 / height, 1, 1 - 0.35 / height))  # legend below, title above
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
