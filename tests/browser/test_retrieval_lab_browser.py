"""The retrieval lab in real Chromium: wait for the model, click an example, switch to BM25,
compare side by side; screenshots of the lab after a query."""

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

SPEC = page_spec("retrieval_lab")


def _chip(page, label: str):
    """A pill or segmented-control option of the page (role "radio"/"checkbox" varies)."""
    main = page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"] button')
    return main.filter(has_text=label).first


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


@pytest.mark.parametrize(
    ("theme", "width"), [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW)]
)
def test_retrieval_lab_after_a_query(browser, app_url, theme, width):
    visit = open_app_page(
        browser, app_url, SPEC.url_path, SPEC.title, theme=theme, width=width, timeout=120_000
    )
    page = visit.page
    # The model is loaded once per server process; the map appears when it is ready.
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=120_000)

    # An example chip puts its question in the box and the hits follow.
    _chip(page, "Exact product code").click()
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stTextInput"] input')
                 ?.value === 'BF-X415'""",
        timeout=30_000,
    )
    wait_idle(page)
    # Word matching (BM25) finds the blender's own page first.
    _chip(page, "Words (BM25)").click()
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stMain"]').innerText
                 .includes('BM25 score')""",
        timeout=30_000,
    )
    wait_idle(page)
    assert "[1] Brightfield Vortex blender" in _main_text(page)

    # A synonym-only question, dense and lexical side by side.
    box = page.locator('[data-testid="stTextInput"] input').first
    box.fill("I misplaced my membership pass, what should I do?")
    box.press("Enter")
    page.get_by_text("Side by side: meaning vs words").click()
    page.get_by_role("heading", name="Meaning (dense)").wait_for(timeout=30_000)
    wait_idle(page)
    text = _main_text(page)
    assert "[1] Loyalty card" in text
    assert "Sources:" in text and "from memory" in text
    assert horizontal_overflow(page) <= 1
    path = screenshot(page, f"retrieval_lab-in-action-{theme}-{width}")
    assert path.stat().st_size > 10_000
    assert_clean(visit)
    page.context.close()
