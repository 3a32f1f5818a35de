"""A headless Chromium for the browser tests: the Debian ``chromium`` package
(setup.sh installs it), driven by Playwright for Python through its
executable path. The tests fail, with the reason, when it is missing: CI
must run them, never skip them."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("LIVESIM_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run ./setup.sh as root (it installs the Debian chromium package), "
                    "or point LIVESIM_CHROMIUM at a Chromium executable")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A page that records console errors and uncaught exceptions."""
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    pg.errors = []
    pg.on("console", lambda m: pg.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(f"page error: {e}"))
    yield pg
    pg.close()
