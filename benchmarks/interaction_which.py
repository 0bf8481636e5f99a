"""Which path? in Chromium at 1280x720: time from an action to its visible, settled result.

flock /tmp/browser.lock python benchmarks/interaction_which.py [repeats]

Prints the median and p95 of "choose a scenario" and "change one answer" (from the click on
the option to the new recommendation on screen with no script run in progress), and the
server time of one session's first run of the page (AppTest, bare: no browser).
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

SCENARIOS = [
    ("Medical diagnosis support", "Specialist training"),
    ("Customer-service bot", "The super library"),
]
ANSWERS = [("Both", "Both: a specialist with a library card"), ("A skill or style", None)]


def settled(page, headline: str | None) -> None:
    if headline:
        page.wait_for_function(
            "(h) => [...document.querySelectorAll('[data-testid=\"stHeading\"] h3')]"
            ".some(e => e.innerText.trim() === h)",
            arg=headline,
        )
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def choose(page, label: str, option: str) -> float:
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label)
    box.get_by_role("combobox").click()
    opt = page.get_by_role("option", name=option, exact=True)
    opt.wait_for()
    start = time.perf_counter()
    opt.click()
    return start


def main(repeats: int = 10) -> None:
    timings: dict[str, list[float]] = {"scenario": [], "answer": []}
    with streamlit_server() as url, sync_playwright() as pw:
        browser = launch(pw)
        visit = open_page(browser, url + "/")
        wait_idle(visit.page)
        visit.page.goto(url + "/which_path")
        page = visit.page
        page.set_viewport_size({"width": 1280, "height": 720})
        wait_idle(page)
        for i in range(repeats):
            label, headline = SCENARIOS[i % 2]
            start = choose(page, "Start from a scenario", label)
            settled(page, headline)
            timings["scenario"].append(time.perf_counter() - start)
            if label.startswith("Medical"):
                for option, head in ANSWERS:
                    start = choose(page, "What must it gain?", option)
                    settled(page, head or "Specialist training")
                    timings["answer"].append(time.perf_counter() - start)
        browser.close()
    for name, values in timings.items():
        print(
            f"{name}: n={len(values)} median {statistics.median(values):.3f} s,"
            f" p95 {p95(values):.3f} s"
        )
    first_ms = first_run_ms("which_path")
    print(f"first run of the page (server, AppTest switch_page): {first_ms:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
