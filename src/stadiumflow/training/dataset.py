"""Training rows as ``generate-data`` writes them, loaded into arrays."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stadiumflow.domain.features import BASE_INDEX, FEATURE_NAMES

DAY_COLUMN = "day_id"


@dataclass(frozen=True)
class TrainingData:
    features: np.ndarray  # [n, F] float64, FEATURE_NAMES order
    wait: np.ndarray  # minutes, truth for a fan joining at ts
    wait_in_15: np.ndarray  # minutes, the truth 15 minutes later
    day: np.ndarray  # match-day id (str): splits never cut a day in two
    stadium: np.ndarray
    incident: np.ndarray  # incident kind at the gate, "" if none
    lanes: np.ndarray  # lanes open (truth): for the service-time baseline

    def __len__(self) -> int:
        return len(self.wait)

    @property
    def base(self) -> np.ndarray:
        return self.features[:, BASE_INDEX]

    def subset(self, mask: np.ndarray) -> TrainingData:
        return TrainingData(
            self.features[mask],
            self.wait[mask],
            self.wait_in_15[mask],
            self.day[mask],
            self.stadium[mask],
            self.incident[mask],
            self.lanes[mask],
        )

    def split_by_day(self, holdout: float, seed: int) -> tuple[TrainingData, TrainingData]:
        """(train, held out): whole match days go to one side or the other."""
        days = np.unique(self.day)
        rng = np.random.default_rng(seed)
        rng.shuffle(days)
        n_hold = max(1, round(len(days) * holdout))
        held = np.isin(self.day, days[:n_hold])
        return self.subset(~held), self.subset(held)


def load_training_csv(path: Path) -> TrainingData:
    """Read a generate-data CSV; fails clearly if a feature column is missing."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        needed = [*FEATURE_NAMES, "wait_true", "wait_true_in_15", DAY_COLUMN]
        missing = [name for name in needed if name not in fields]
        if missing:
            raise ValueError(f"{path}: missing columns {missing}")
        rows = list(reader)
    features = np.array([[float(r[name]) for name in FEATURE_NAMES] for r in rows])
    return TrainingData(
        features=features.reshape(len(rows), len(FEATURE_NAMES)),
        wait=np.array([float(r["wait_true"]) for r in rows]),
        wait_in_15=np.array([float(r["wait_true_in_15"]) for r in rows]),
        day=np.array([r[DAY_COLUMN] for r in rows]),
        stadium=np.array([r.get("stadium_id", r.get("stadium", "")) for r in rows]),
        incident=np.array([r.get("incident", "") for r in rows]),
        lanes=np.array([float(r.get("lanes_open") or 0) for r in rows]),
    )
