"""The "Which path?" page in real Chromium: click a preset, change an answer, answer the quiz.

Screenshots go to artifacts/screenshots/which_path-*.png (git-ignored).
"""

from __future__ import annotations

import re

import pytest

from brainlab.content import page_spec
from tests.browser.harness import (
    DESKTOP,
    NARROW,
    assert_clean,
    open_page,
    screenshot,
    wait_idle,
)

SPEC = page_spec("which_path")


@pytest.fixture(scope="module")
def warm_app_url(browser, app_url):
    """The app's URL after one visit to its root page.

    On a fresh server, the very first visit to a page's own address (not the root) shows
    Streamlit's "Page not found" dialog, because the page list exists only after a first
    script run; it happens on every page of the app, so this test starts from a warm server.
    """
    visit = open_page(browser, app_url + "/")
    wait_idle(visit.page)
    visit.page.context.close()
    return app_url


def main(page):
    return page.locator('[data-testid="stMainBlockContainer"]')


def headline(page) -> str:
    return main(page).locator('[data-testid="stHeading"] h3').first.inner_text().strip()


@pytest.mark.parametrize(
    ("theme", "width"), [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW)]
)
def test_which_path_preset_answer_and_checkpoint(browser, warm_app_url, theme, width):
    visit = open_page(browser, f"{warm_app_url}/{SPEC.url_path}", theme=theme, width=width)
    page = visit.page
    wait_idle(page)
    assert page.get_by_text("Page not found").count() == 0
    assert headline(page) == "The super library"

    # A preset fills the six answers and the recommendation follows.
    main(page).get_by_role("button", name="Medical diagnosis support", exact=True).click()
    page.wait_for_url(re.compile(r"which_path_need=A\+skill"))
    wait_idle(page)
    assert headline(page) == "Specialist training"
    assert main(page).get_by_text("Your answers are the scenario").count() == 1
    assert main(page).locator(".js-plotly-plot").count() == 1
    screenshot(page, f"which_path-medical-{theme}-{width}")

    # One answer changed: both skill and facts are needed, so the hybrid wins.
    group = main(page).locator('[data-testid="stButtonGroup"]').nth(1)
    group.get_by_text("Both", exact=True).click()
    page.wait_for_url(re.compile(r"which_path_need=Both"))
    wait_idle(page)
    assert headline(page) == "Both: a specialist with a library card"

    # A checkpoint answer: instant feedback, score in the sidebar.
    radio = main(page).locator('[data-testid="stRadio"]').first
    radio.get_by_text("Specialist training", exact=True).click()
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    if width == NARROW:
        # The sidebar is collapsed on a phone: the score is checked at desktop width.
        assert main(page).get_by_text("Right.", exact=False).count() >= 1
    else:
        sidebar.get_by_text(re.compile(r"1 right of 1 answered")).wait_for()
    screenshot(page, f"which_path-hybrid-quiz-{theme}-{width}")
    assert_clean(visit)
    page.context.close()
