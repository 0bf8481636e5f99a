"""The forgetting lab in Chromium at 1280x720: time from an action to its visible, settled result.

flock /tmp/browser.lock python benchmarks/interaction_forgetting.py [repeats] [pause]

Prints the median and p95 of:

- "reveal": the click on "Train the network and reveal" to the verdict and the curve on
  screen with no script run in progress. The first reveal on a fresh server needs all 15
  runs (5 strategies x 3 seeds), which the page starts training in the background while the
  learner guesses; it is printed on its own. Later reveals ("Guess again", then reveal)
  find the runs kept.
- one notch of each training slider (a key press on the focused slider) to the redrawn curve
  (its labels changed) with no run in progress. Every notch is a setting not seen before in
  this server, except where noted: steps down are cut from the kept 300-step runs; steps up
  train to the next hundred once; the replay slider retrains one strategy (3 runs); the
  learning rate and the seed retrain every strategy (15 runs) or one new seed (5 runs).

Between two actions the benchmark waits ``pause`` seconds (default 3: a learner reads the
curve). In that time the page trains, in the background, what one notch of any slider would
need; with ``pause`` 0 every notch finds that work unfinished (the worst case).

Then, whatever ``pause`` is, the same sliders moved notch by notch with no pause at all (a
learner dragging through the values): the learning rate down six notches on three random
starts not seen before (every notch 15 new runs), then the replay slider five notches.

And the server time of one session's first run of the page (AppTest, bare: no browser).
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

CURVE = ".st-key-forgetting_curve .js-plotly-plot"
PLOT = f"document.querySelector('{CURVE}')"
#: The curve's labels (the direct labels at the lines' ends, and the phase names), joined.
LABELS = (
    "[...document.querySelectorAll('.st-key-forgetting_curve .annotation-text')]"
    ".map(e => e.textContent).join('|')"
)


def idle(page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def reveal(page) -> float:
    button = page.get_by_role("button", name="Train the network and reveal")
    button.wait_for()
    start = time.perf_counter()
    button.click()
    page.locator(".st-key-forgetting_verdict").wait_for()
    page.locator(CURVE).wait_for()
    page.wait_for_function(f"() => ({LABELS}).length > 0")
    idle(page)
    return time.perf_counter() - start


def notch(page, label: str, key: str, pause: float = 0.0) -> float:
    """Press one arrow key on the slider labelled ``label``; seconds to the redrawn curve."""
    page.wait_for_timeout(pause * 1000)
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label).get_by_role("slider")
    slider.focus()
    # Redrawn: the labels changed, or plotly was handed new data (labels can repeat).
    before = page.evaluate(f"() => {{ window.__benchData = {PLOT}.data; return {LABELS}; }}")
    start = time.perf_counter()
    page.keyboard.press(key)
    page.wait_for_function(
        f"(b) => ({LABELS}) !== b || {PLOT}.data !== window.__benchData",
        arg=before,
        timeout=60_000,
    )
    idle(page)
    return time.perf_counter() - start


SLIDERS = [
    # (name, label, key, presses)
    ("steps down (cut from kept runs)", "Training steps", "ArrowLeft", 5),
    ("steps up (train to the next hundred)", "Training steps", "ArrowRight", 10),
    ("replay (3 new runs)", "Old lessons", "ArrowLeft", 5),
    ("seed (1 new seed: 5 runs)", "Random start", "ArrowRight", 5),
    ("learning rate (15 new runs)", "Learning speed", "ArrowRight", 3),
]


NO_PAUSE = [
    ("learning rate, no pause (15 new runs)", "Learning speed", "ArrowLeft", 6),
    ("replay, no pause (3 new runs)", "Old lessons", "ArrowRight", 5),
]


def main(repeats: int = 5, pause: float = 3.0) -> None:
    timings: dict[str, list[float]] = {"reveal (runs kept)": []}
    no_pause: dict[str, list[float]] = {}
    with streamlit_server() as url, sync_playwright() as pw:
        browser = launch(pw)
        visit = open_page(browser, url + "/")
        wait_idle(visit.page)
        visit.page.goto(url + "/forgetting_lab")
        page = visit.page
        page.set_viewport_size({"width": 1280, "height": 720})
        wait_idle(page)
        page.wait_for_timeout(pause * 1000)  # the learner sets a guess
        cold = reveal(page)
        for _ in range(repeats):
            page.wait_for_timeout(pause * 1000)
            page.get_by_role("button", name="Guess again").click()
            idle(page)
            timings["reveal (runs kept)"].append(reveal(page))
        for name, label, key, presses in SLIDERS:
            timings[name] = [notch(page, label, key, pause) for _ in range(presses)]
            if name.startswith("steps down"):  # back to 300 before going up
                for _ in range(presses):
                    notch(page, label, "ArrowRight")
        # No pause: three seed notches first (unmeasured), so no run of the sweep is kept.
        for _ in range(3):
            notch(page, "Random start", "ArrowRight", pause)
        page.wait_for_timeout(pause * 1000)
        for name, label, key, presses in NO_PAUSE:
            no_pause[name] = [notch(page, label, key) for _ in range(presses)]
        browser.close()
    print(f"pause between actions: {pause:g} s")
    print(f"first reveal on a fresh server, {pause:g} s after the page opened: {cold:.3f} s")
    for name, values in timings.items():
        print(
            f"{name}: n={len(values)} median {statistics.median(values):.3f} s,"
            f" p95 {p95(values):.3f} s, max {max(values):.3f} s"
        )
    every = [v for k, vs in timings.items() if k != "reveal (runs kept)" for v in vs]
    print(
        f"all slider notches: n={len(every)} median {statistics.median(every):.3f} s,"
        f" p95 {p95(every):.3f} s"
    )
    for name, values in no_pause.items():
        print(
            f"{name}: n={len(values)} median {statistics.median(values):.3f} s,"
            f" p95 {p95(values):.3f} s, max {max(values):.3f} s"
        )
    first_ms = first_run_ms("forgetting_lab")
    print(f"first run of the page (server, AppTest switch_page): {first_ms:.0f} ms")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 5,
        float(sys.argv[2]) if len(sys.argv) > 2 else 3.0,
    )
