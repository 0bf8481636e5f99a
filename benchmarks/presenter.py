"""Presenter mode at 1280x720, every page and every step: rendered font sizes and fit.

Starts the app, opens each step of each page with ``?presenter=true`` in Chromium at
1280x720 (a classroom projector), and prints, per step, the computed font size of the
body text, the page heading, the step card's text, captions, and the smallest and median
chart text (plotly's SVG ``text`` elements), how far the main area scrolls sideways, and
whether the step card and the lab's main result are in the first screen. A viewport
screenshot of each step goes to artifacts/screenshots/presenter-<page>-<n>.png.

Run under the shared lock: ``flock /tmp/browser.lock .venv/bin/python benchmarks/presenter.py``.
``--pages two_ways,cost_lab`` limits the pages; ``--normal`` measures without presenter mode
(the 1.0x reference the presenter sizes are compared with).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from brainlab.content import load_lesson, load_site
from tests.browser.harness import (
    SCREENSHOTS,
    horizontal_overflow,
    launch,
    streamlit_server,
    wait_idle,
)

#: What must share the first screen with the step card on each page (issue 9): the lab's
#: main result. Pages not listed have their visual beside the card.
RESULTS = {
    "two_ways": ".st-key-two_ways_visual",
    "retrieval_lab": ".st-key-retrieval_rag_answer",
    "forgetting_lab": ".st-key-forgetting_guessbox, .st-key-forgetting_verdict",
    "cost_lab": ".st-key-cost_verdict",
    "which_path": ".st-key-which_path_recommendation",
}
MODEL_TIMEOUT = 180_000

_MEASURE = """() => {
  const px = (el) => el ? parseFloat(getComputedStyle(el).fontSize) : null;
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const para = [...main.querySelectorAll('[data-testid="stMarkdownContainer"] p')]
      .find((p) => !p.closest('[data-testid="stCaptionContainer"]')
                   && !p.closest('[class*="stepcard"]') && p.offsetParent);
  const card = main.querySelector('[class*="stepcard"] [data-testid="stMarkdownContainer"] p');
  const caption = main.querySelector('[data-testid="stCaptionContainer"]');
  const label = main.querySelector('[data-testid="stWidgetLabel"] p');
  const button = main.querySelector('[data-testid="stBaseButton-secondary"] p');
  const chart = [...main.querySelectorAll('.js-plotly-plot svg text')]
      .filter((t) => t.textContent.trim() && t.getBoundingClientRect().width > 0)
      .map((t) => parseFloat(getComputedStyle(t).fontSize));
  const svg = [...main.querySelectorAll('[data-testid="stImage"] img, svg[id^="mermaid"]')];
  return {
    body: px(para), heading: px(main.querySelector('h1')), card: px(card),
    caption: px(caption), label: px(label), button: px(button), chart: chart,
    column: main.getBoundingClientRect().width,
    diagrams: svg.map((e) => Math.round(e.getBoundingClientRect().width)),
  };
}"""


def in_first_screen(page, selector: str) -> bool:
    loc = page.locator(selector).first
    if loc.count() == 0:
        return False
    box = loc.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 200) <= 720


def survey(base: str, pages: list[str], presenter: bool) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as pw:
        browser = launch(pw)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        for spec in load_site():
            if spec.slug not in pages:
                continue
            steps = load_lesson(spec.slug).steps or [None]
            for n in range(1, len(steps) + 1):
                query = f"{spec.slug}_step={n}" + ("&presenter=true" if presenter else "")
                # The first page by the root: its own name shows "Page not found" on a
                # fresh server (a defect of main's deep links, reported).
                path = "" if spec.slug == load_site()[0].slug else spec.url_path
                page.goto(f"{base}/{path}?{query}", wait_until="domcontentloaded")
                wait_idle(page, MODEL_TIMEOUT)
                if spec.slug == "retrieval_lab":
                    page.locator(".st-key-retrieval_rag_answer").wait_for(timeout=MODEL_TIMEOUT)
                    wait_idle(page)
                found = page.evaluate(_MEASURE)
                chart = found.pop("chart")
                row = {
                    "page": spec.slug,
                    "step": n,
                    **found,
                    "chart_min": min(chart) if chart else None,
                    "chart_median": statistics.median(chart) if chart else None,
                    "sideways": horizontal_overflow(page),
                    "card_in_view": in_first_screen(page, f".st-key-{spec.slug}_stepcard"),
                    "result_in_view": in_first_screen(page, RESULTS.get(spec.slug, "h1")),
                }
                rows.append(row)
                name = "presenter" if presenter else "normal"
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{spec.slug}-{n}.png"))
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join(p.slug for p in load_site()))
    parser.add_argument("--normal", action="store_true", help="without presenter mode")
    args = parser.parse_args()
    with streamlit_server() as base:
        rows = survey(base, args.pages.split(","), presenter=not args.normal)
    cols = ["body", "heading", "card", "caption", "label", "button", "chart_min", "chart_median"]
    print(f"{'page':15} {'n':>2} " + " ".join(f"{c:>8}" for c in cols) + "  side card result")
    for r in rows:
        sizes = " ".join(f"{r[c]:8.1f}" if r[c] is not None else f"{'-':>8}" for c in cols)
        print(
            f"{r['page']:15} {r['step']:>2} {sizes}  {r['sideways']:>4}"
            f" {'yes' if r['card_in_view'] else 'NO':>4}"
            f" {'yes' if r['result_in_view'] else 'NO':>6}"
        )
    for c in cols:
        values = [r[c] for r in rows if r[c] is not None]
        if values:
            print(f"{c:>12}: min {min(values):.1f} px, median {statistics.median(values):.1f} px")
    print(f"main column width: {min(r['column'] for r in rows):.0f} px")
    print(f"steps with sideways scrolling: {sum(1 for r in rows if r['sideways'] > 0)}")


if __name__ == "__main__":
    main()
