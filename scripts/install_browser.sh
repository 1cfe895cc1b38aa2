#!/usr/bin/env bash
# Install headless Chromium for the browser tests (pytest -m browser), from Debian packages.
# Playwright's own browser download does not work on our machines (see shared NOTES.md), so
# the tests point Playwright at /usr/bin/chromium. Idempotent: does nothing when present.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "==> installing chromium (Debian package)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
