"""The forgetting lab in real Chromium: guess, reveal, drive the sliders, screenshot the lab."""

from __future__ import annotations

import pytest

from brainlab.content import page_spec
from tests.browser.harness import DESKTOP, NARROW, open_page, screenshot, wait_idle

SPEC = page_spec("forgetting_lab")


def _dismiss_page_not_found(page) -> None:
    # Opened on a page's own address, Streamlit's client sometimes races its page probe and
    # shows a "Page not found" notice over the (correct) page; it is Streamlit's, not ours.
    dialog = page.get_by_role("dialog")
    if dialog.count() and "Page not found" in dialog.first.inner_text():
        page.keyboard.press("Escape")
        dialog.first.wait_for(state="detached", timeout=10_000)


def _reveal(page) -> None:
    _dismiss_page_not_found(page)
    page.get_by_role("button", name="Train the network and reveal").click()
    page.get_by_text("Your guess", exact=True).wait_for(timeout=60_000)
    wait_idle(page)


@pytest.mark.parametrize(
    ("theme", "width"), [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW)]
)
def test_forgetting_lab_in_action(browser, app_url, theme, width):
    visit = open_page(browser, f"{app_url}/{SPEC.url_path}", theme=theme, width=width)
    page = visit.page
    wait_idle(page)
    _dismiss_page_not_found(page)
    for _ in range(3):
        if page.get_by_text("Make your guess above").count():
            break
        # Streamlit fell back to the main page (its own probe race): open the address again.
        page.goto(f"{app_url}/{SPEC.url_path}", wait_until="domcontentloaded")
        wait_idle(page)
        _dismiss_page_not_found(page)
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
    assert page.locator('[data-testid="stException"]').count() == 0
    overflow = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth"
        " - document.querySelector('[data-testid=\"stMain\"]').clientWidth"
    )
    assert overflow <= 1, f"page is {overflow}px wider than the window"
    path = screenshot(page, f"forgetting_lab-in-action-{theme}-{width}")
    assert path.stat().st_size > 10_000
    ours = [e for e in visit.console_errors if "404" not in e and "does not seem to exist" not in e]
    assert not ours, visit.console_errors
    page.context.close()
