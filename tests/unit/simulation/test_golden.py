"""A seeded match day always gives the same output; the summary is pinned in golden/.

Regenerate after an intended change of the model with ``UPDATE_GOLDEN=1 pytest ...``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

from stadiumflow.layouts import load_layout
from stadiumflow.simulation.matchday import run_match_day
from stadiumflow.simulation.results import MatchDayResult

GOLDEN = Path(__file__).parent / "golden" / "agadir_seed7.json"


def summarise(result: MatchDayResult) -> dict[str, Any]:
    csv = io.StringIO()
    result.write_csv(csv)
    return {
        "stadium": result.stadium_id,
        "seed": result.seed,
        "rows": len(result.minutes),
        "reported": sum(m.reported for m in result.minutes),
        "incidents": [
            [i.kind.value, i.gate_id, i.start_minute, i.duration_minutes, i.magnitude]
            for i in result.incidents
        ],
        "gates": {
            g.gate_id: {
                "fans": g.fans_served,
                "mean_wait": round(g.mean_wait, 3),
                "worst_wait": round(g.worst_wait, 3),
                "red_minutes": g.red_minutes,
            }
            for g in result.gates
        },
        "csv_sha256": hashlib.sha256(csv.getvalue().encode()).hexdigest(),
    }


def test_same_seed_same_output_and_matches_golden() -> None:
    layout = load_layout("AGADIR")
    first = summarise(run_match_day(layout, seed=7))
    second = summarise(run_match_day(layout, seed=7))
    assert first == second
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(first, indent=2) + "\n")
    assert first == json.loads(GOLDEN.read_text())


def test_another_seed_gives_another_day() -> None:
    layout = load_layout("AGADIR")
    assert summarise(run_match_day(layout, seed=8)) != summarise(run_match_day(layout, seed=7))
