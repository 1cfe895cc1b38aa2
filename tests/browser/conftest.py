"""Browser fixtures: headless Debian Chromium driven by Playwright, and a real server.

Playwright's own browser download does not work on our machines, so the tests use the
Debian package (``scripts/install_browser.sh``) through ``executable_path``, with the
flags that keep it from calling home (see shared NOTES.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module, closed after it: while Playwright's sync API is
    open, the main thread counts as running an event loop, so a later test's
    ``asyncio.run`` would fail."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} missing: run scripts/install_browser.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go: kept after the run, for people and for CI to upload."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
