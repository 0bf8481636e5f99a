"""Cost lab in Chromium at 1280x720: time from an action to its visible, settled result.

flock /tmp/browser.lock python benchmarks/interaction_cost.py [repeats]

Prints the median and p95 of "move a quick slider one step" and "edit a table cell" (from
the key press to the new verdict on screen with no script run in progress), and the server
time of one session's first run of the page (AppTest, bare: no browser).
Targets (issue 9): p50 <= 0.5 s, p95 <= 1 s, first run <= 150 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright
from stage_timing import first_run_ms, p95  # benchmarks/, beside this script

from tests.browser.harness import launch, open_page, streamlit_server, wait_idle

VERDICT = ".st-key-cost_verdict"


def settled(page, before: str) -> None:
    page.wait_for_function(
        "(b) => document.querySelector('.st-key-cost_verdict')?.innerText !== b", arg=before
    )
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def main(repeats: int = 10) -> None:
    timings: dict[str, list[float]] = {"slider": [], "cell edit": []}
    with streamlit_server() as url, sync_playwright() as pw:
        browser = launch(pw)
        visit = open_page(browser, url + "/")
        wait_idle(visit.page)
        page = visit.page
        page.goto(url + "/cost_lab")
        page.set_viewport_size({"width": 1280, "height": 720})
        wait_idle(page)
        thumb = page.locator(".st-key-cost_sliders").get_by_role("slider").first
        grid = page.locator(".st-key-cost_table [data-testid='stDataFrame']").first
        for i in range(repeats):
            before = page.locator(VERDICT).inner_text()
            thumb.focus()
            start = time.perf_counter()
            thumb.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            settled(page, before)
            timings["slider"].append(time.perf_counter() - start)

            before = page.locator(VERDICT).inner_text()
            box = grid.bounding_box()
            page.mouse.dblclick(box["x"] + 248, box["y"] + 52)
            page.locator("input.gdg-input").wait_for()
            page.wait_for_timeout(500)
            page.keyboard.press("Control+A")
            page.keyboard.type(str(40_000 + 1_000 * i), delay=20)
            start = time.perf_counter()
            page.keyboard.press("Enter")
            settled(page, before)
            timings["cell edit"].append(time.perf_counter() - start)
        browser.close()
    for name, values in timings.items():
        print(
            f"{name}: n={len(values)} median {statistics.median(values):.3f} s,"
            f" p95 {p95(values):.3f} s (targets 0.5 s / 1 s)"
        )
    first_ms = first_run_ms("cost_lab")
    print(f"first run of the page (server, AppTest switch_page): {first_ms:.0f} ms (target 150)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
