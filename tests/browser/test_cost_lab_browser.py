"""The cost lab in real Chromium: pick a preset, move a slider, open the table; screenshots."""

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

SPEC = page_spec("cost_lab")


def _verdict(page) -> str:
    return page.locator('[data-testid="stAlertContentInfo"]').first.inner_text()


@pytest.mark.parametrize(
    ("theme", "width"), [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW)]
)
def test_cost_lab_in_action(browser, app_url, theme, width):
    visit = open_app_page(browser, app_url, SPEC.url_path, SPEC.title, theme=theme, width=width)
    page = visit.page
    charts = page.locator('[data-testid="stPlotlyChart"]')
    charts.nth(4).wait_for(timeout=30_000)
    assert charts.count() == 5
    before = _verdict(page)
    assert "30,000 questions a month" in before

    # Pick the customer-service preset from the scenario picker.
    picker = page.locator('[data-testid="stSelectbox"]').first.locator("input")
    picker.click()
    picker.fill("Customer-service")
    page.get_by_role("option", name="Customer-service bot, daily catalogue changes").click()
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stAlertContentInfo"]')
                 ?.innerText.includes('200,000 questions a month')""",
        timeout=30_000,
    )
    wait_idle(page)

    # Move the questions-per-month slider one step left with the keyboard.
    thumb = page.get_by_role("slider").first
    thumb.focus()
    thumb.press("ArrowLeft")
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stAlertContentInfo"]')
                 ?.innerText.includes('200,000 questions a month')""",
        timeout=30_000,
    )
    wait_idle(page)
    assert "100,000 questions a month" in _verdict(page)

    # Open the assumptions table so the screenshot shows it with its sources.
    page.get_by_text("All assumptions, with their sources").click()
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
    wait_idle(page)
    assert horizontal_overflow(page) <= 1
    path = screenshot(page, f"cost_lab-in-action-{theme}-{width}")
    assert path.stat().st_size > 10_000
    assert_clean(visit)
    page.context.close()
