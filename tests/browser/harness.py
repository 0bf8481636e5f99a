"""Shared machinery of the browser tests: start the real app, drive Debian's Chromium.

Never ``playwright install``: the browser is Debian's ``chromium`` package, launched by path.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Widths the screenshots are taken at: a laptop or projector, and a phone.
DESKTOP, NARROW = 1280, 400


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not become healthy within {timeout:.0f} s")


def server_log(url: str) -> Path:
    """Where :func:`streamlit_process` writes the output of the server at ``url``."""
    return ROOT / "artifacts" / f"streamlit-{url.rsplit(':', 1)[1]}.log"


@contextmanager
def streamlit_process(
    script: str = "app.py", cwd: Path = ROOT, address: str = "127.0.0.1"
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``streamlit run script`` on ``address`` (this computer only, unless a test asks
    for its LAN address) with a free port; yield its base URL and its process. Its output
    goes to artifacts/streamlit-<port>.log."""
    port = free_port()
    log = server_log(f"http://{address}:{port}")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                f"--server.address={address}",
                f"--server.port={port}",
                "--server.headless=true",
                "--browser.gatherUsageStats=false",
                "--server.fileWatcherType=none",
            ],
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{address}:{port}"
    try:
        wait_healthy(url)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def streamlit_server(script: str = "app.py", cwd: Path = ROOT) -> Iterator[str]:
    """Run ``streamlit run script`` on 127.0.0.1 with a free port; yield its base URL."""
    with streamlit_process(script, cwd) as (url, _):
        yield url


@dataclass
class PageVisit:
    """One page opened in Chromium, with what its console said."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)  # URLs answered with 404


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_page(browser, url: str, *, theme: str = "light", width: int = DESKTOP) -> PageVisit:
    """Open ``url`` in a fresh context with the given colour scheme and width."""
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme=theme,
        device_scale_factor=1,
    )
    page = context.new_page()
    visit = PageVisit(page)
    page.on(
        "console",
        lambda msg: visit.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: visit.console_errors.append(str(exc)))
    page.on("response", lambda r: visit.not_found.append(r.url) if r.status == 404 else None)
    page.goto(url, wait_until="domcontentloaded")
    return visit


def open_app_page(
    browser,
    base: str,
    url_path: str,
    title: str,
    *,
    theme: str = "light",
    width: int = DESKTOP,
    timeout: float = 60_000,
) -> PageVisit:
    """Open one page of the app by its address and wait until it is idle.

    No retry and no dismissing: a page that shows Streamlit's "Page not found" notice, or
    another page's heading, fails here (the notice is a defect a first student would see).
    """
    url = f"{base}/{url_path}" if url_path else f"{base}/"
    visit = open_page(browser, url, theme=theme, width=width)
    wait_idle(visit.page, timeout)
    assert_no_page_not_found(visit.page)
    heading = visit.page.locator('[data-testid="stMainBlockContainer"] h1').first
    assert heading.inner_text().strip() == title, (url, heading.inner_text())
    return visit


def assert_no_page_not_found(page) -> None:
    """Streamlit's "Page not found" dialog is not on the page."""
    notice = page.get_by_role("dialog").filter(has_text="Page not found")
    assert notice.count() == 0, "Streamlit's 'Page not found' notice is showing"


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the app has painted and no script run is in progress."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout)
    # The status widget shows "Running..." while a script runs, but only after a short delay:
    # check twice, 400 ms apart, so a run that had not shown it yet is not taken for idle.
    for _ in range(2):
        page.wait_for_function(
            """() => !document.querySelector('[data-testid="stStatusWidget"]')""",
            timeout=timeout,
        )
        page.wait_for_timeout(400)  # also lets charts and diagrams finish their layout


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Streamlit scrolls inside its main container, not the document: grow the viewport to
    # the content's height so the screenshot shows the whole page.
    height = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return Math.max(main ? main.scrollHeight : 0, document.body.scrollHeight);
        }"""
    )
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 16000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    return path


# Streamlit's own client probes /<page>/_stcore/health and /host-config first when opened on
# a page's address, gets 404, and falls back to the root: that is not an error of ours.
_ALLOWED_404 = re.compile(r"/_stcore/(health|host-config)$")


def horizontal_overflow(page) -> int:
    """How many pixels the main area is wider than the window (0 when nothing overflows)."""
    return page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth"
        " - document.querySelector('[data-testid=\"stMain\"]').clientWidth"
    )


def assert_clean(visit: PageVisit) -> None:
    """No Streamlit exception box, no 404 but Streamlit's probes, no console error of ours."""
    page = visit.page
    assert page.locator('[data-testid="stException"]').count() == 0, "a Streamlit exception box"
    unexpected = [u for u in visit.not_found if not _ALLOWED_404.search(u)]
    assert not unexpected, unexpected
    # The browser logs each 404 as "Failed to load resource"; those are the probes above.
    errors = [
        e
        for e in visit.console_errors
        if not (e.startswith("Failed to load resource") and "404" in e)
    ]
    assert not errors, errors


def main(page):
    """The page's main area (not the sidebar)."""
    return page.locator('[data-testid="stMainBlockContainer"]')


def scrolled(page) -> int:
    """How far the main area is scrolled (Streamlit scrolls it, not the document)."""
    return page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop")


def assert_in_viewport(page, locator, what: str) -> None:
    """``locator``'s bounding box lies wholly inside the window: seen with no scrolling."""
    box = locator.bounding_box()
    assert box is not None, f"{what} is not drawn"
    size = page.viewport_size
    # The room left below it, for every check (artifacts/viewport_room.tsv): a few pixels
    # are all another machine's fonts may take.
    room = size["height"] - box["y"] - box["height"]
    with (ROOT / "artifacts" / "viewport_room.tsv").open("a") as out:
        out.write(f"{os.environ.get('PYTEST_CURRENT_TEST', '?')}\t{what}\t{room:.0f}\n")
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (what, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (what, box)
