"""Time from `streamlit run` to a visible heading in Chromium: our lesson vs a bare app.

    python benchmarks/first_paint.py [--runs 5]

Each run starts a fresh server, opens the page in an already-running headless Chromium as
soon as /_stcore/health answers, and stops the clock on the first animation frame in which
the page's <h1> is visible. The bare app is one line, ``st.title("Hello")``: the floor
Streamlit itself sets. Runs alternate (lesson, bare, lesson, ...) in one process, so a busy
neighbour slows both alike; the verdict compares the medians (target: lesson <= 1.1x bare).

At the moment of each lesson paint it also reads the server's memory map: whether torch was
already loaded then (it should not be; the background load starts after the page has run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.harness import launch, streamlit_process  # noqa: E402

TARGET = 1.1
#: True once the page has an <h1> with a box on screen (what "visible" means to Playwright).
VISIBLE_HEADING = """() => {
    const h = document.querySelector("h1");
    if (!h) return false;
    const r = h.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(h).visibility !== "hidden";
}"""


@contextmanager
def serve(script: str, cwd: Path) -> Iterator[tuple[str, int]]:
    """``streamlit run script`` on a free port, as the browser tests start it; yield its URL
    and process id."""
    with streamlit_process(script, cwd) as (url, proc):
        yield url, proc.pid


def torch_loaded(pid: int) -> bool:
    """Whether process ``pid`` has torch's library mapped (Linux; False elsewhere)."""
    try:
        return "libtorch" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def time_to_heading(browser, script: str, cwd: Path) -> tuple[float, bool]:
    start = time.perf_counter()
    with serve(script, cwd) as (url, pid):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(url + "/", wait_until="commit")
        # Checked on every animation frame: Playwright's locator wait polls every 500 ms
        # after its first few tries, which rounds a ~1.2 s paint to a 0.5 s step.
        page.wait_for_function(VISIBLE_HEADING, polling="raf", timeout=60_000)
        elapsed = time.perf_counter() - start
        torch = torch_loaded(pid)
        context.close()
    return elapsed, torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each app (at least 3)")
    args = parser.parse_args()
    runs = max(3, args.runs)
    load_before = os.getloadavg()
    lesson: list[float] = []
    bare: list[float] = []
    torch_at_paint: list[bool] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        bare_script = Path(tmp) / "bare.py"
        bare_script.write_text('import streamlit as st\nst.title("Hello")\n')
        browser = launch(playwright)
        # One unmeasured run of each first: the disk cache then holds both alike.
        time_to_heading(browser, "app.py", ROOT)
        time_to_heading(browser, str(bare_script), Path(tmp))
        for _ in range(runs):
            seconds, torch = time_to_heading(browser, "app.py", ROOT)
            lesson.append(seconds)
            torch_at_paint.append(torch)
            bare.append(time_to_heading(browser, str(bare_script), Path(tmp))[0])
        browser.close()
    load_after = os.getloadavg()

    print(f"streamlit run -> <h1> visible in Chromium, {runs} alternating runs each (seconds)")
    for name, times in (("lesson (app.py)", lesson), ("bare one-line app", bare)):
        joined = ", ".join(f"{t:.2f}" for t in times)
        print(f"  {name:18s} median {statistics.median(times):.2f}   runs: {joined}")
    ratio = statistics.median(lesson) / statistics.median(bare)
    verdict = "within" if ratio <= TARGET else "OVER"
    print(f"  lesson / bare: {ratio:.2f}x ({verdict} the {TARGET}x target)")
    pairs = sorted(a / b for a, b in zip(lesson, bare, strict=True))
    print(f"  per-pair ratios: {', '.join(f'{r:.2f}' for r in pairs)}")
    print(f"  torch loaded at the lesson's first paint: {sum(torch_at_paint)} of {runs} runs")
    print(
        f"  load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}"
        f" on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
