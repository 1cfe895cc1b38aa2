#!/usr/bin/env bash
# Install Azurite (the Azure Storage emulator) project-locally for the `azure` tests:
#   .tools/azurite/node_modules/.bin/azurite
# Needs Node 18+ and npm. Pinned: the version our tests and NOTES measured. Idempotent: does nothing when Azurite is already there.
# The tests find it at that path (or AZURITE_BIN); without it they skip with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=".tools/azurite"
BIN="$PREFIX/node_modules/.bin/azurite"
if [ -x "$BIN" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: skipping Azurite (the azure tests will be skipped)" >&2
    exit 0
fi
echo "==> installing azurite@3 into $PREFIX"
mkdir -p "$PREFIX"
npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$PREFIX" "azurite@3.35.0"
