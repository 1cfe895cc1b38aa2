"""Match plans on SQLite: the ``match_plan`` table of the gate store's database.

One row per stadium and kickoff (epoch microseconds), the gates as JSON
(``plan_codec``). ``CREATE TABLE IF NOT EXISTS`` runs each time the store opens, so a
database made before plans existed gains the table on its next start and keeps
everything else as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from stadiumflow.adapters.codec import to_epoch_us
from stadiumflow.adapters.plan_codec import encode_gates, plan_of
from stadiumflow.domain.plan import MatchPlan

SCHEMA = """
CREATE TABLE IF NOT EXISTS match_plan (
    stadium_id TEXT NOT NULL,
    kickoff_us INTEGER NOT NULL,
    gates BLOB NOT NULL,
    PRIMARY KEY (stadium_id, kickoff_us)
) WITHOUT ROWID;
"""


def _row(plan: MatchPlan) -> tuple[str, int, bytes]:
    return (plan.stadium_id, to_epoch_us(plan.kickoff), encode_gates(plan.gates))


def save_plan(conn: sqlite3.Connection, plan: MatchPlan) -> None:
    conn.execute("INSERT OR REPLACE INTO match_plan VALUES (?, ?, ?)", _row(plan))


def add_plan(conn: sqlite3.Connection, plan: MatchPlan) -> bool:
    cursor = conn.execute("INSERT OR IGNORE INTO match_plan VALUES (?, ?, ?)", _row(plan))
    return cursor.rowcount == 1


def plans(conn: sqlite3.Connection, stadium_id: str) -> list[MatchPlan]:
    rows = conn.execute(
        "SELECT kickoff_us, gates FROM match_plan WHERE stadium_id = ? ORDER BY kickoff_us",
        (stadium_id,),
    )
    return [plan_of(stadium_id, kickoff, gates) for kickoff, gates in rows]


def load_plans(conn: sqlite3.Connection, stadium_ids: Iterable[str]) -> dict[str, list[MatchPlan]]:
    return {stadium: plans(conn, stadium) for stadium in dict.fromkeys(stadium_ids)}


def delete_plans(conn: sqlite3.Connection, stadium_id: str, kickoff: datetime | None) -> int:
    if kickoff is None:
        cursor = conn.execute("DELETE FROM match_plan WHERE stadium_id = ?", (stadium_id,))
    else:
        cursor = conn.execute(
            "DELETE FROM match_plan WHERE stadium_id = ? AND kickoff_us = ?",
            (stadium_id, to_epoch_us(kickoff)),
        )
    return cursor.rowcount
