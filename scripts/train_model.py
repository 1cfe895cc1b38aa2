"""Train the wait model: the same as ``stadiumflow train``, under the script name the
contract documents.

python scripts/train_model.py --data data/training.csv [--out DIR] [--seed 7]
"""

from __future__ import annotations

import sys

from stadiumflow.entrypoints.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["train", *sys.argv[1:]]))
