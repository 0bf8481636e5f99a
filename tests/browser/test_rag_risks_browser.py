"""The Retrieval lab's tab "RAG's own risks" in real Chromium at 1280x720: picking a case
and the answer it produces (with its warning) share one screen. Screenshots of each case go
to artifacts/screenshots/retrieval_lab-risks-*.png."""

from __future__ import annotations

from brainlab.content import page_spec
from tests.browser.harness import SCREENSHOTS, assert_clean, assert_in_viewport, main, wait_idle
from tests.browser.test_retrieval_lab_browser import open_lab

SPEC = page_spec("retrieval_lab")
CASES = {
    "A wrong answer, with a citation": "29 euros",
    "Distracting context": "30 days",
    "A page that carries an instruction": "gives the model an instruction",
}


def test_each_risk_case_shows_its_answer_beside_the_picker(browser, app_url):
    visit = open_lab(browser, app_url)
    page = visit.page
    main(page).get_by_role("tab", name="RAG's own risks").click()
    answer = page.locator(".st-key-retrieval_risk_answer")
    answer.wait_for(timeout=180_000)
    wait_idle(page)
    for n, (title, expect) in enumerate(CASES.items(), start=1):
        picker = page.locator(".st-key-retrieval_risk_case")
        picker.get_by_text(title, exact=True).click()
        page.locator(".st-key-retrieval_risk_answer").filter(has_text=expect).wait_for()
        wait_idle(page)
        # Picker and answer on one screen: scrolled so that the answer's foot is in view
        # (the stage above grew by the small model's label), the picker must still be too.
        answer.scroll_into_view_if_needed()
        assert_in_viewport(page, picker, "the case picker")
        assert_in_viewport(page, answer, f"the answer of {title!r}")
        page.screenshot(path=str(SCREENSHOTS / f"retrieval_lab-risks-{n}-light-1280.png"))
        assert_in_viewport(page, page.locator(".st-key-retrieval_risk_planted"), "planted page")
    fetched = page.locator(".st-key-retrieval_risk_hit_1")
    assert (
        "Returns: a note from a supplier"
        in page.locator(".st-key-retrieval_risk_planted").inner_text()
    )
    assert fetched.count() == 1
    assert_clean(visit)
