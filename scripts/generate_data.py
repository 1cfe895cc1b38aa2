"""Generate training data: ``python scripts/generate_data.py --samples 50000 --out data.csv``.

A thin wrapper over ``stadiumflow generate-data`` (the same code, the same options).
"""

from __future__ import annotations

import sys

from stadiumflow.entrypoints.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["generate-data", *sys.argv[1:]]))
