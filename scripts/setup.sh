#!/usr/bin/env bash
# Set up stadiumflow on a fresh machine with Python 3.11+ (and Node 20+ for the Azure tests).
#   scripts/setup.sh          .venv with stadiumflow, its locked dependencies and the `sim`
#                             extra: the server plus what the demo replays into it (SimPy)
#   scripts/setup.sh --test   every extra (sim, reports, train) and what the tests need
# Idempotent: a second run takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "stadiumflow needs Python 3.11 or newer as '$PYTHON' (set PYTHON=...)" >&2
    exit 1
fi

# uv: the one on PATH, else a private copy in .tools/ (no global install, no PEP 668 trouble).
if command -v uv >/dev/null 2>&1; then
    UV="$(command -v uv)"
else
    UV=".tools/uv/bin/uv"
    if [ ! -x "$UV" ]; then
        echo "==> installing uv into .tools/uv"
        "$PYTHON" -m venv .tools/uv
        .tools/uv/bin/python -m pip install --quiet --disable-pip-version-check uv
    fi
fi

groups=(--no-dev --extra sim)
if [ "${1:-}" = "--test" ]; then
    groups=(--all-extras)
fi
echo "==> syncing .venv from uv.lock"
"$UV" sync --frozen --python "$PYTHON" "${groups[@]}" --quiet

if [ "${1:-}" = "--test" ]; then
    scripts/install_azurite.sh      # Azure Storage emulator, project-local (needs Node 20+)
    if [ -x scripts/install_browser.sh ]; then
        scripts/install_browser.sh  # Debian chromium for the dashboard tests
    fi
fi
