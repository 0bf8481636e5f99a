"""axe-core on every page, light and dark: no serious or critical finding (issue 9, item 5).

axe-core is the copy bundled in the PyPI package axe-playwright-python: nothing is fetched.
Each page is checked at 1280x720 on its first step, the way a class first sees it.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from brainlab.content import load_site
from tests.browser.harness import DESKTOP, open_app_page

PAGES = load_site()
SERIOUS = {"serious", "critical"}


def findings(page) -> list[str]:
    """axe's serious and critical violations on ``page``, one line per element."""
    results = Axe().run(page)
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in SERIOUS:
            continue
        for node in violation["nodes"]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")[:200]
            lines.append(f"{violation['id']} ({violation['impact']}): {node['target']} {summary}")
    return lines


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("index", range(len(PAGES)), ids=[p.slug for p in PAGES])
def test_no_serious_accessibility_finding(browser, app_url, index, theme):
    spec = PAGES[index]
    url_path = "" if index == 0 else spec.url_path
    visit = open_app_page(browser, app_url, url_path, spec.title, theme=theme, width=DESKTOP)
    visit.page.set_viewport_size({"width": DESKTOP, "height": 720})
    found = findings(visit.page)
    visit.page.context.close()
    assert not found, "\n".join(found)
