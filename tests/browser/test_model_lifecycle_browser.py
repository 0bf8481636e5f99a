"""The Cost lab's model-lifecycle table in real Chromium at 1280x720 (issue 14, item 5).

The table lives in the "How it is counted" tab below the stage: opening the tab leaves the
stage's controls on the first screen, and the table, scrolled into view, fits one screen
(every row without an inner scroll bar, nothing wider than the window). Screenshots in
English and Chinese go to artifacts/screenshots/cost_lab-lifecycle-*.png.
"""

from __future__ import annotations

import pytest

from brainlab.content import load_toml, page_spec
from brainlab.words import Words
from tests.browser.harness import (
    DESKTOP,
    SCREENSHOTS,
    assert_clean,
    assert_in_viewport,
    horizontal_overflow,
    open_page,
    wait_idle,
)

SPEC = page_spec("cost_lab")
HEIGHT = 720


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_lifecycle_table_fits_the_screen_below_the_stage(browser, app_url, language):
    query = "?lang=zh" if language == "zh" else ""
    visit = open_page(browser, f"{app_url}/{SPEC.url_path}{query}")
    page = visit.page
    page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
    wait_idle(page)
    page.locator(".st-key-cost_main_chart .js-plotly-plot").wait_for(timeout=30_000)
    w = Words(language=language)
    label = w(load_toml("cost_words.toml", language=language)["stage"]["tabs"]["model"])
    page.get_by_role("tab", name=label).click()
    wait_idle(page)
    # The stage's controls stay on the first screen with the tab open, in either language.
    for key in ("cost_sliders", "cost_verdict", "cost_table"):
        assert_in_viewport(page, page.locator(f".st-key-{key}"), key)
    title = load_toml("model_lifecycle.toml", language=language)["words"]["title"]
    # The table's title at the top of the window: the title, its caption and the table fit.
    page.get_by_text(title, exact=True).evaluate("e => e.scrollIntoView({block: 'start'})")
    # Streamlit's header (60 px) covers the top of the window: show the title below it.
    page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollBy(0, -70)")
    page.wait_for_timeout(500)
    grid = page.locator("[data-testid='stDataFrame']").last
    assert_in_viewport(page, grid, "lifecycle table")
    assert horizontal_overflow(page) <= 1
    # Every row is drawn without an inner vertical scroll (the grid's own scroller).
    inner = grid.locator(".dvn-scroller").first.evaluate("e => e.scrollHeight - e.clientHeight")
    assert inner <= 1, f"the table scrolls inside by {inner} px"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"cost_lab-lifecycle-{language}-{DESKTOP}.png"))
    assert_clean(visit)
    page.context.close()
