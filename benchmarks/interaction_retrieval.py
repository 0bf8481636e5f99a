"""The Retrieval lab in Chromium at 1280x720: time from an action to its visible, settled result.

flock /tmp/browser.lock python benchmarks/interaction_retrieval.py [repeats]

Prints the median and p95 of "ask" (Enter in the question box to the library's new answer on
screen, no script run in progress) and "edit and save" (click on Save to the library's answer
showing the new price), and the server time of one session's first run of the page (AppTest,
bare: no browser; the model already loaded, as on a running server).
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

QUESTIONS = [
    ("How many days do I have to return a product?", "30 days"),
    ("How much does the K210 kettle cost?", "euros"),
]
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def settled(page, text: str) -> None:
    page.locator(".st-key-retrieval_rag_answer").filter(has_text=text).wait_for()
    page.wait_for_function(IDLE)


def main(repeats: int = 10) -> None:
    timings: dict[str, list[float]] = {"ask": [], "edit and save": []}
    with streamlit_server() as url, sync_playwright() as pw:
        browser = launch(pw)
        visit = open_page(browser, url + "/")
        wait_idle(visit.page, 180_000)
        page = visit.page
        page.goto(url + "/retrieval_lab")
        page.set_viewport_size({"width": 1280, "height": 720})
        page.locator(".st-key-retrieval_rag_answer").wait_for(timeout=180_000)
        wait_idle(page)
        box = page.locator(".st-key-retrieval_query input")
        for i in range(repeats):
            question, expect = QUESTIONS[i % 2]
            box.fill(question)
            start = time.perf_counter()
            box.press("Enter")
            settled(page, expect)
            timings["ask"].append(time.perf_counter() - start)
        # The kettle question is in the box now; edit its price in the panel, save.
        page.get_by_role("tab", name="Edit the library").click()
        wait_idle(page)
        text = page.locator(".st-key-retrieval_edit textarea")
        for i in range(repeats):
            price = f"{60 + i} euros"
            current = text.input_value()
            old = current.split("Price: ", 1)[1].split(".", 1)[0]
            text.fill(current.replace(f"Price: {old}.", f"Price: {price}."))
            start = time.perf_counter()
            page.locator(".st-key-retrieval_save button").first.click()
            settled(page, price)
            timings["edit and save"].append(time.perf_counter() - start)
        browser.close()
    for name, values in timings.items():
        print(
            f"{name}: n={len(values)} median {statistics.median(values):.3f} s,"
            f" p95 {p95(values):.3f} s"
        )
    first_ms = first_run_ms("retrieval_lab", warm_timeout=120, timeout=60)
    print(f"first run of the page (server, AppTest switch_page): {first_ms:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
