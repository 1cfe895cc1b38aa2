"""``stadiumflow evaluate``'s forecast table: the product's lead time beside the anchors'."""

from __future__ import annotations

from typing import Any

ROWS = (
    ("product", "product"),
    ("productWithPlans", "product, with plans"),
    ("anchor", "anchor (plan)"),
    ("anchorRescaledPlan", "anchor (rescaled plan)"),
    ("anchorTrueArrivals", "anchor (true arrivals)"),
)
_WIDTH = 24


def _cell(value: Any, width: int, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return f"{'n/a':>{width}}"
    if isinstance(value, float):
        return f"{value:>{width}.{digits}f}"
    return f"{value:>{width}}"


def forecast_rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The forecasters to show, by row key: the product (and with plans, if it got
    them), then the anchors."""
    forecast = dict(report.get("forecast", {}))
    with_plans = report.get("withPlans") or {}
    if with_plans.get("given"):
        forecast["productWithPlans"] = with_plans["forecast"]["product"]
    return {key: forecast[key] for key, _ in ROWS if key in forecast}


def print_forecasts(report: dict[str, Any]) -> None:
    rows = forecast_rows(report)
    if not rows:
        return
    print("\nforecasts (against the true wait of a fan joining 15 / 30 min later) and warnings")
    print(
        f"{'':{_WIDTH}}{'MAE 15':>7}{'peak':>6}{'red rec':>8}{'MAE 30':>7}{'peak':>6}"
        f"{'red rec':>8}{'onsets':>7}{'>=10':>5}{'>=5':>5}{'lead':>6}{'false':>7}"
    )
    labels = dict(ROWS)
    for key, scored in rows.items():
        cells = ""
        for horizon in ("in15", "in30"):
            s = scored[horizon] or {}
            cells += _cell(s.get("mae"), 7) + _cell(s.get("maePeak"), 6)
            cells += _cell(s.get("redRecall"), 8)
        w = scored["warnings"]
        print(
            f"{labels[key]:{_WIDTH}}{cells}{w['redOnsets']:>7}{w['warned10MinAhead']:>5}"
            f"{w['warned5MinAhead']:>5}{_cell(w['medianLeadMinutes'], 6, 1)}"
            f"{_cell(w['falseWarningsPerGateDay'], 7)}"
        )
    print(
        "(peak: the true wait then over 5 min; red rec: share of truly red minutes forecast"
        " red; >=10 / >=5: onsets warned that many minutes ahead; lead: median minutes;"
        " false: false-warning gate-minutes per gate per match day)"
    )
    for key, scored in rows.items():
        met = ", ".join(
            f"{name} {'yes' if ok else 'no'}" for name, ok in scored["meetsTargets"].items()
        )
        print(f"  targets, {labels[key]}: {met}")
    with_plans = report.get("withPlans")
    if with_plans is not None and not with_plans.get("given"):
        print(f"  with plans: not run ({with_plans['reason']})")
