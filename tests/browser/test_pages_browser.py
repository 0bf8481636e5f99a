"""Every page in real Chromium: it paints, raises nothing, logs no error; screenshots saved.

Screenshots go to artifacts/screenshots/<slug>-<theme>-<width>.png (git-ignored).
"""

from __future__ import annotations

import re

import pytest

from brainlab.content import load_site
from tests.browser.harness import (
    DESKTOP,
    NARROW,
    assert_clean,
    horizontal_overflow,
    open_app_page,
    open_page,
    screenshot,
    wait_idle,
)

PAGES = load_site()


@pytest.mark.parametrize(
    ("theme", "width"), [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW)]
)
@pytest.mark.parametrize("index", range(len(PAGES)), ids=[p.slug for p in PAGES])
def test_page_paints_cleanly_and_is_screenshotted(browser, app_url, index, theme, width):
    spec = PAGES[index]
    url_path = "" if index == 0 else spec.url_path
    visit = open_app_page(browser, app_url, url_path, spec.title, theme=theme, width=width)
    heading = visit.page.locator('[data-testid="stMainBlockContainer"] h1').first
    assert heading.inner_text().strip() == spec.title
    # The theme really is the one asked for: dark pages have a dark background.
    background = visit.page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor"
    )
    channels = [int(c) for c in re.findall(r"\d+", background)[:3]]
    assert (sum(channels) / 3 < 100) == (theme == "dark"), background
    # Nothing overflows sideways at a narrow width.
    assert horizontal_overflow(visit.page) <= 1
    path = screenshot(visit.page, f"{spec.slug}-{theme}-{width}")
    assert path.stat().st_size > 10_000
    assert_clean(visit)
    visit.page.context.close()


def test_vocabulary_switch_in_the_browser(browser, app_url):
    visit = open_page(browser, app_url + "/")
    page = visit.page
    wait_idle(page)
    assert page.get_by_text("upgrade it: specialist training or the super library").count() == 1
    page.locator('[data-testid="stSidebar"]').get_by_text("Technical", exact=True).click()
    page.wait_for_url(re.compile(r"vocab=Technical"))
    page.get_by_text("upgrade it: fine-tuning or RAG").wait_for()
    wait_idle(page)
    # The choice survives a switch to another page (it lives in the URL).
    page.get_by_role("link", name=PAGES[1].title).first.click()
    page.wait_for_url(re.compile(r"retrieval_lab.*vocab=Technical"))
    assert_clean(visit)
    visit.page.context.close()
