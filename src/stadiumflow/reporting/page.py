"""The report's HTML page: figures, a table per gate, the anomalies and the advice issued.

One self-contained file beside its PNGs (no scripts, no external styles), so it can be
mailed, archived with the match, or opened from a USB stick in the stadium.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from stadiumflow.domain.events import AdviceChanged, AnomalyStarted, EventKind, LaneAdviceChanged
from stadiumflow.reporting.day import MatchDay, error_summary, state_minutes

_STYLE = """
body{font-family:system-ui,'DejaVu Sans',sans-serif;margin:2rem auto;max-width:1200px;
color:#1f2328;padding:0 1rem}
h1{margin-bottom:.2rem} .sub{color:#57606a;margin-top:0}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.92rem}
th,td{border-bottom:1px solid #d0d7de;padding:.3rem .7rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;border:1px solid #d0d7de;margin:.5rem 0 1.5rem}
.red{color:#b31d28;font-weight:600}
"""


def _t(ts: datetime | None) -> str:
    return "–" if ts is None else ts.strftime("%H:%M")


def _gate_table(match: MatchDay) -> str:
    rows = []
    for gate, readings in match.readings.items():
        minutes = state_minutes(readings)
        peak = max(readings, key=lambda r: r.estimate.wait)
        anomalies = len(match.events_of(EventKind.ANOMALY_STARTED, gate))
        advice = len(match.events_of(EventKind.ADVICE_CHANGED, gate))
        error = ""
        if gate in match.errors:
            s = error_summary(match.errors[gate])
            error = f"<td class=n>{s['mae']:.2f}</td><td class=n>{s['naive_mae']:.2f}</td>"
        elif match.truth is not None:
            error = "<td>–</td><td>–</td>"
        red = ' class="n red"' if minutes["red"] else " class=n"
        rows.append(
            f"<tr><td>{escape(gate)}</td><td class=n>{len(readings)}</td>"
            f"<td class=n>{peak.estimate.wait:.1f} at {_t(peak.reading.ts)}</td>"
            f"<td class=n>{minutes['yellow']:.0f}</td><td{red}>{minutes['red']:.0f}</td>"
            f"<td class=n>{anomalies}</td><td class=n>{advice}</td>{error}</tr>"
        )
    truth_head = "<th>model MAE</th><th>naive MAE</th>" if match.truth is not None else ""
    return (
        "<table><tr><th>gate</th><th>readings</th><th>peak wait (min)</th><th>min yellow</th>"
        f"<th>min red</th><th>anomalies</th><th>advice changes</th>{truth_head}</tr>"
        + "".join(rows)
        + "</table>"
    )


def _anomaly_table(match: MatchDay) -> str:
    rows = []
    for stored in match.events_of(EventKind.ANOMALY_STARTED):
        e = stored.event
        assert isinstance(e, AnomalyStarted)
        ended = next(
            (
                x.event.ts
                for x in match.events_of(EventKind.ANOMALY_ENDED, e.gate_id)
                if x.id > stored.id
            ),
            None,
        )
        rows.append(
            f"<tr><td>{escape(e.gate_id)}</td><td>{escape(e.anomaly_kind)}</td>"
            f"<td>{_t(e.ts)}</td><td>{_t(ended)}</td>"
            f"<td class=n>{e.score:.3f}</td></tr>"
        )
    if not rows:
        return "<p>No anomaly was raised.</p>"
    return (
        "<table><tr><th>gate</th><th>kind</th><th>from</th><th>to</th><th>score</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _advice_table(match: MatchDay) -> str:
    rows = []
    for stored in match.events_of(EventKind.ADVICE_CHANGED):
        e = stored.event
        message = "advice withdrawn"
        if isinstance(e, AdviceChanged) and e.advice is not None:
            message = e.advice.message
        elif isinstance(e, LaneAdviceChanged) and e.lanes is not None:
            message = e.lanes.message
        rows.append(
            f"<tr><td>{_t(e.ts)}</td><td>{escape(e.gate_id or '')}</td>"
            f"<td>{escape(str(message))}</td></tr>"
        )
    if not rows:
        return "<p>No advice was issued.</p>"
    return "<table><tr><th>time</th><th>gate</th><th>advice</th></tr>" + "".join(rows) + "</table>"


def render_page(match: MatchDay, images: dict[str, str]) -> str:
    """The whole page; ``images`` maps a section title to its PNG's file name."""
    total = sum(len(r) for r in match.readings.values())
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(match.stadium_id)} {match.day}: match-day report</title>"
        f"<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{escape(match.stadium_id)} · {match.day}</h1>",
        f"<p class=sub>{len(match.readings)} gates, {total} readings, "
        f"{len(match.events)} control events (times in UTC).</p>",
        "<h2>Gates</h2>",
        _gate_table(match),
    ]
    if match.errors:
        pairs = [p for gate in match.errors.values() for p in gate]
        s = error_summary(pairs)
        parts.append(
            f"<p>Against the simulation's truth ({int(s['n'])} readings): model MAE "
            f"<b>{s['mae']:.2f} min</b>, RMSE {s['rmse']:.2f}, bias {s['bias']:+.2f}; the "
            f"queue / throughput baseline's MAE {s['naive_mae']:.2f} min.</p>"
        )
    for title, name in images.items():
        parts.append(f"<h2>{escape(title)}</h2><img src='{escape(name)}' alt='{escape(title)}'>")
    parts += ["<h2>Anomalies</h2>", _anomaly_table(match)]
    parts += ["<h2>Advice issued</h2>", _advice_table(match), "</body></html>"]
    return "\n".join(parts)
