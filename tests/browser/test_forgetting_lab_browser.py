"""The forgetting lab in real Chromium: guess, reveal, drive the sliders, screenshot the lab."""

from __future__ import annotations

import pytest

from brainlab.content import page_spec
from tests.browser.harness import (
    DESKTOP,
    NARROW,
    assert_clean,
    horizontal_overflow,
    open_app_page,
    screenshot,
    wait_idle,
)

SPEC = page_spec("forgetting_lab")


def _reveal(page) -> None:
    page.get_by_role("button", name="Train the network and reveal").click()
    page.get_by_text("Your guess", exact=True).wait_for(timeout=60_000)
    wait_idle(page)


@pytest.mark.parametrize(
    ("theme", "width"), [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW)]
)
def test_forgetting_lab_in_action(browser, app_url, theme, width):
    visit = open_app_page(browser, app_url, SPEC.url_path, SPEC.title, theme=theme, width=width)
    page = visit.page
    # Nothing is drawn until the learner has guessed.
    page.get_by_text("Make your guess above").wait_for(timeout=30_000)
    assert page.get_by_text("Make your guess above").count() == 1
    _reveal(page)
    main = page.locator('[data-testid="stMain"]')
    # The curve, the decision-region map and the published and human charts are drawn.
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=30_000)
    assert main.locator(".js-plotly-plot").count() >= 2
    assert page.locator('[data-testid="stException"]').count() == 0
    # Drive a training slider with the keyboard: the network retrains, nothing breaks.
    slider = page.get_by_role("slider", name="Specialist training steps")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(1500)  # the rerun starts after the slider settles
    wait_idle(page)
    page.get_by_text("Training the network").wait_for(state="detached", timeout=60_000)
    assert horizontal_overflow(page) <= 1
    path = screenshot(page, f"forgetting_lab-in-action-{theme}-{width}")
    assert path.stat().st_size > 10_000
    assert_clean(visit)
    page.context.close()
