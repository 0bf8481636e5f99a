"""A teacher's link is the very first visit to a just-started server: it must just work.

For every page, a fresh server; its address is the first request; no warm-up, no retry.
The page shows in the app's frame (our sidebar: the page menu and the Words switch), with
no "Page not found" notice and no 404 except Streamlit's two base-path probes.
"""

from __future__ import annotations

import pytest

from brainlab.content import load_site
from tests.browser.harness import (
    assert_clean,
    assert_no_page_not_found,
    open_page,
    streamlit_server,
    wait_idle,
)

PAGES = load_site()


@pytest.mark.parametrize("index", range(len(PAGES)), ids=[p.slug for p in PAGES])
def test_a_page_address_works_as_the_first_visit_to_a_fresh_server(browser, index):
    spec = PAGES[index]
    with streamlit_server() as url:
        visit = open_page(browser, f"{url}/" if index == 0 else f"{url}/{spec.url_path}")
        page = visit.page
        wait_idle(page)
        page.wait_for_timeout(1000)  # the notice, when it comes, comes with the first run
        assert_no_page_not_found(page)
        heading = page.locator('[data-testid="stMainBlockContainer"] h1').first
        assert heading.inner_text().strip() == spec.title
        sidebar = page.locator('[data-testid="stSidebar"]')
        # The frame: every page in the menu, and the vocabulary switch of app.py's sidebar.
        for other in PAGES:
            assert sidebar.get_by_role("link", name=other.title).count() >= 1, other.title
        assert sidebar.get_by_text("Technical", exact=True).count() == 1
        assert_clean(visit)
        page.context.close()
