"""The opening lesson in real Chromium at 1280x720: each step and what it shows, on one screen.

For every step, the step card (with Back and Next) and the picture, diagram or table it
points at lie inside the viewport without scrolling; the right arrow key moves on a step,
and on the last step it opens the Retrieval lab. Screenshots of every step, light and dark,
1280x720 and 400 px wide: artifacts/screenshots/two_ways-step<N>-<theme>-<width>.png.
"""

from __future__ import annotations

import pytest

from brainlab.content import load_lesson, page_spec
from tests.browser.harness import (
    DESKTOP,
    NARROW,
    SCREENSHOTS,
    assert_clean,
    assert_in_viewport,
    open_app_page,
    wait_idle,
)

LESSON = load_lesson("two_ways")
SPEC = page_spec("two_ways")
HEIGHT = 720


def card(page):
    return page.locator(".st-key-two_ways_stepcard")


def visual(page):
    return page.locator(".st-key-two_ways_visual")


def test_every_step_fits_one_projector_screen_and_the_arrow_key_moves_on(browser, app_url):
    visit = open_app_page(browser, app_url, "", SPEC.title)
    page = visit.page
    page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
    wait_idle(page)
    total = len(LESSON.steps)
    for n in range(1, total + 1):
        assert card(page).get_by_text(f"Step {n} of {total}").count() == 1
        assert_in_viewport(page, card(page), f"step {n}'s card")
        # What the step shows: a picture, a diagram (drawn as SVG), a table, or (last) the
        # takeaway and the links to every lab.
        shown = visual(page).locator("img, svg, table, [data-testid='stPageLink']")
        shown.first.wait_for()
        for i in range(shown.count()):
            assert_in_viewport(page, shown.nth(i), f"step {n}'s picture ({i})")
        if n < total:
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"() => location.search.includes('two_ways_step={n + 1}')")
            wait_idle(page)
    # On the last step the arrow key goes on to the next page.
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.pathname.endsWith('/retrieval_lab')")
    page.get_by_role("heading", name="Retrieval lab", level=1).wait_for()
    assert_clean(visit)
    page.context.close()


@pytest.mark.parametrize(
    ("theme", "width"),
    [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW), ("dark", NARROW)],
)
def test_screenshots_of_every_step(browser, app_url, theme, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for n in range(1, len(LESSON.steps) + 1):
        visit = open_app_page(
            browser, app_url, f"?two_ways_step={n}", SPEC.title, theme=theme, width=width
        )
        page = visit.page
        page.set_viewport_size({"width": width, "height": HEIGHT})
        wait_idle(page)
        path = SCREENSHOTS / f"two_ways-step{n}-{theme}-{width}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000
        assert_clean(visit)
        page.context.close()
