"""The simulation API of the public contract, on Flask, built by ``create_app()``.

POST /simulate          {duration, arrival_rate, num_gates, lanes_per_gate?, service_time?,
                         service_cv?, seed?}: a stationary entry, fans split evenly over
                         gates; returns average, p95 and max wait (minutes), fans processed.
POST /simulate/what-if  {layout: "AGADIR" | {inline layout}, forecast: {total_fans,
                         peak_minutes_before?} | {arrivals_per_minute: [...]}, lanes?: {gate:
                         n}, seed?, replications?}: the expected wait profile per gate.
Bad input answers 400 with {"error", "field"} naming the offending field.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from stadiumflow.domain.errors import InvalidLayout
from stadiumflow.layouts import SHIPPED_LAYOUTS, load_layout, parse_layout
from stadiumflow.simulation.params import SECONDS_PER_MINUTE, ServiceFamily, ServiceSpec
from stadiumflow.simulation.stationary import poisson_arrivals, run_gate
from stadiumflow.simulation.what_if import Forecast, what_if, with_lanes

MAX_EXPECTED_FANS = 2_000_000  # keeps one request under a few seconds of CPU
MAX_FORECAST_MINUTES = 600


class BadField(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _number(
    body: dict[str, Any],
    name: str,
    low: float,
    high: float,
    default: float | None = None,
    *,
    integer: bool = False,
) -> float:
    value = body.get(name, default)
    kind = "an integer" if integer else "a number"
    if value is None:
        raise BadField(name, f"{name} is required ({kind} in [{low:g}, {high:g}])")
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (integer and not isinstance(value, int))
    ):
        raise BadField(name, f"{name} must be {kind} in [{low:g}, {high:g}]")
    if not low <= value <= high:
        raise BadField(name, f"{name} must be in [{low:g}, {high:g}], got {value}")
    return float(value)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadField("body", "the body must be a JSON object")
    return body


def simulate_stationary(body: dict[str, Any]) -> dict[str, Any]:
    duration = _number(body, "duration", 1, 24 * 60)
    rate = _number(body, "arrival_rate", 0, 10_000)
    gates = int(_number(body, "num_gates", 1, 100, integer=True))
    lanes = int(_number(body, "lanes_per_gate", 1, 50, 4, integer=True))
    service = _number(body, "service_time", 0.5, 120, 4.5)
    cv = _number(body, "service_cv", 0, 3, 1.0)
    seed = int(_number(body, "seed", 0, 2**31, 0, integer=True))
    if rate * duration > MAX_EXPECTED_FANS:
        raise BadField(
            "arrival_rate", f"arrival_rate x duration must be at most {MAX_EXPECTED_FANS}"
        )
    family = ServiceFamily.EXPONENTIAL if cv == 1.0 else ServiceFamily.GAMMA
    spec = ServiceSpec(family, service, cv, min_seconds=0.0)
    per_gate = rate / gates / SECONDS_PER_MINUTE
    waits = [
        run_gate(
            poisson_arrivals(per_gate, duration * SECONDS_PER_MINUTE, seed + g),
            lanes,
            spec,
            seed + 100_003 + g,
        ).waits
        for g in range(gates)
    ]
    allw = np.concatenate(waits) / SECONDS_PER_MINUTE if waits else np.empty(0)
    n = len(allw)
    return {
        "average_wait": round(float(allw.mean()), 4) if n else 0.0,
        "p95_wait": round(float(np.percentile(allw, 95)), 4) if n else 0.0,
        "max_wait": round(float(allw.max()), 4) if n else 0.0,
        "fans_processed": n,
        "utilisation": round(rate / SECONDS_PER_MINUTE * service / (gates * lanes), 4),
        "unit": "minutes",
    }


def simulate_what_if(body: dict[str, Any]) -> dict[str, Any]:
    layout_in = body.get("layout")
    try:
        if isinstance(layout_in, str) and layout_in.upper() in SHIPPED_LAYOUTS:
            layout = load_layout(layout_in.upper())
        elif isinstance(layout_in, dict):
            layout = parse_layout(layout_in, where="layout")
        else:
            raise BadField(
                "layout", f"layout must be one of {', '.join(SHIPPED_LAYOUTS)} or an object"
            )
    except InvalidLayout as exc:
        raise BadField("layout", str(exc)) from exc
    lanes = body.get("lanes", {})
    if not isinstance(lanes, dict) or not all(
        isinstance(v, int) and 1 <= v <= 200 for v in lanes.values()
    ):
        raise BadField("lanes", "lanes must map gate ids to integers in [1, 200]")
    try:
        layout = with_lanes(layout, lanes)
    except KeyError as exc:
        raise BadField("lanes", f"unknown gate(s): {exc.args[0]}") from exc
    forecast = _forecast(body.get("forecast"), layout.capacity)
    seed = int(_number(body, "seed", 0, 2**31, 0, integer=True))
    reps = int(_number(body, "replications", 1, 5, 1, integer=True))
    profiles = what_if(layout, forecast, seed=seed, replications=reps)
    return {
        "stadiumId": layout.stadium_id,
        "unit": "minutes",
        "gates": [
            {
                "gateId": p.gate_id,
                "lanes": p.lanes,
                "fans": p.fans,
                "peakWait": round(p.peak_wait, 3),
                "redMinutes": p.red_minutes,
                "profile": [
                    {"minute": m, "wait": w} for m, w in zip(p.minutes, p.waits, strict=True)
                ],
            }
            for p in profiles
        ],
    }


def _forecast(raw: Any, capacity: int) -> Forecast:
    if not isinstance(raw, dict):
        raise BadField(
            "forecast", "forecast must be an object with total_fans or arrivals_per_minute"
        )
    if "arrivals_per_minute" in raw:
        rates = raw["arrivals_per_minute"]
        ok = (
            isinstance(rates, list)
            and 0 < len(rates) <= MAX_FORECAST_MINUTES
            and all(
                isinstance(r, int | float) and not isinstance(r, bool) and 0 <= r <= 20_000
                for r in rates
            )
        )
        if not ok:
            raise BadField(
                "forecast.arrivals_per_minute",
                f"must be 1-{MAX_FORECAST_MINUTES} numbers in [0, 20000] (fans/min)",
            )
        return Forecast(arrivals_per_minute=[float(r) for r in rates])
    try:
        fans = _number(raw, "total_fans", 1, 3 * capacity)
        peak = _number(raw, "peak_minutes_before", 15, 150, 45)
    except BadField as exc:
        raise BadField(f"forecast.{exc.field}", exc.message) from exc
    return Forecast(total_fans=fans, peak_minutes_before=peak)


def create_app() -> Flask:
    """The Flask app; nothing is built at import."""
    app = Flask("stadiumflow.sim_api")

    @app.errorhandler(BadField)
    def bad_field(exc: BadField) -> ResponseReturnValue:
        return jsonify({"error": exc.message, "field": exc.field}), 400

    @app.post("/simulate")
    def simulate() -> ResponseReturnValue:
        return jsonify(simulate_stationary(_body()))

    @app.post("/simulate/what-if")
    def simulate_what_if_route() -> ResponseReturnValue:
        return jsonify(simulate_what_if(_body()))

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return jsonify({"status": "ok"})

    return app
