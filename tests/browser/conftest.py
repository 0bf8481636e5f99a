"""Fixtures of the browser tests: one real app server and one Chromium for the session.

Without Chromium these tests are skipped, with the reason and how to get it; under CI
(``CI`` set, as every CI service does) they fail instead: CI must run them, never skip them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.harness import CHROMIUM, launch, streamlit_server


def under_ci() -> bool:
    """Whether this is a CI run: ``CI`` set to anything but empty, "0" or "false"."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium is there."""
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return (
        f"Chromium not found at {CHROMIUM}: the browser tests open the app in a real Chromium."
        " Install it (Debian, Ubuntu: sudo apt-get install chromium; Fedora: sudo dnf install"
        " chromium; macOS: brew install --cask chromium) or set CHROMIUM_PATH;"
        " bash scripts/test.sh finds it"
    )


def pytest_collection_modifyitems(items):
    missing = None if under_ci() else chromium_missing()
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(scope="session", autouse=True)
def chromium_present():
    """Fail every browser test when Chromium is missing (reached only under CI: elsewhere
    they were skipped at collection)."""
    missing = chromium_missing()
    if missing:
        pytest.fail(f"{missing}. CI must run the browser tests, never skip them.")


@pytest.fixture(scope="session")
def app_url():
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
