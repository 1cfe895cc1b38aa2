"""The ``gatestatus`` entity: one gate's status and rolling window, and how two versions
of it merge.

A status and its window live in one entity so they are written together, under one
ETag. The merge is what makes a conflicting or late write safe: a status is replaced
only by one whose ts is at least as new (the never-move-back rule), and windows, being
sets of points keyed by ts, merge as their union (trimmed as the domain trims).
"""

from __future__ import annotations

from typing import Any

from azure.data.tables import TableEntity

from stadiumflow.adapters.azure.guarded import properties
from stadiumflow.adapters.codec import (
    decode_doc,
    decode_window,
    encode_doc,
    encode_window,
    status_to_doc,
    to_epoch_us,
)
from stadiumflow.domain.status import GateStatus
from stadiumflow.domain.window import GateWindow

PendingGate = tuple[GateStatus | None, GateWindow | None]


def status_columns(status: GateStatus) -> dict[str, Any]:
    return {
        "doc": encode_doc(status_to_doc(status)).decode(),
        "last_updated": status.ts.isoformat(),
        "wait": status.wait,
        "state": status.state.value,
        "anomaly": status.anomaly,
        "anomalyScore": status.anomaly_score,
    }


def window_of(entity: TableEntity | None) -> GateWindow | None:
    if entity is None or "window" not in entity:
        return None
    return decode_window(entity["window"], entity.get("newestTs"))


def merged_window(ours: GateWindow, theirs: GateWindow | None) -> GateWindow:
    """The union of two windows of one gate, trimmed as the domain trims."""
    if theirs is None:
        return ours
    points = {p.ts: p for p in theirs.points} | {p.ts: p for p in ours.points}
    merged = GateWindow()
    for ts in sorted(points):
        merged.add(points[ts])
    stamps = [t for t in (ours.newest_ts, theirs.newest_ts, merged.newest_ts) if t is not None]
    merged.newest_ts = max(stamps, default=None)
    return merged


def merged_gate(entity: TableEntity | None, pending: PendingGate) -> dict[str, Any] | None:
    status, window = pending
    props = properties(entity)
    changed = False
    if status is not None:
        stored = decode_doc(props["doc"]) if "doc" in props else None
        if stored is None or to_epoch_us(status.ts) >= int(stored["ts"]):
            props.update(status_columns(status))
            changed = True
    if window is not None:
        window = merged_window(window, window_of(entity))
        props["window"] = encode_window(window).decode()
        props.pop("newestTs", None)
        if window.newest_ts is not None:
            props["newestTs"] = window.newest_ts
        changed = True
    return props if changed else None
