"""Predicted against true wait through a match day, for the busiest gates."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from stadiumflow.domain.classify import RED_ABOVE_MINUTES, YELLOW_FROM_MINUTES
from stadiumflow.training.evaluate import DayOutputs
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
