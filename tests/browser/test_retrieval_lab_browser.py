"""The Retrieval lab in real Chromium at 1280x720: one screen holds cause and effect.

Asking a question must show the fetched chunks and both answers inside the viewport; editing
the K210 kettle's price and saving must show the library's new answer there too, with no
scrolling, while the specialist stays stale. Screenshots of every step, light and dark,
1280x720 and 400 px wide, go to artifacts/screenshots/retrieval_lab-*.png (git-ignored).
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
    horizontal_overflow,
    main,
    open_app_page,
    scrolled,
    wait_idle,
)

SPEC = page_spec("retrieval_lab")
HEIGHT = 720  # a classroom projector
MODEL_TIMEOUT = 240_000  # the first visit on a fresh server loads both models


def stage(page):
    """The question box, the fetched chunks and the two answers."""
    return {
        "question box": main(page).locator(".st-key-retrieval_query"),
        "fetched chunks": page.locator(".st-key-retrieval_hits"),
        "library's answer": page.locator(".st-key-retrieval_rag_answer"),
        "specialist's answer": page.locator(".st-key-retrieval_brain_answer"),
    }


def open_lab(browser, app_url, *, theme: str = "light", width: int = DESKTOP):
    visit = open_app_page(
        browser,
        app_url,
        SPEC.url_path,
        SPEC.title,
        theme=theme,
        width=width,
        timeout=MODEL_TIMEOUT,
    )
    page = visit.page
    page.set_viewport_size({"width": width, "height": HEIGHT if width == DESKTOP else 800})
    page.locator(".st-key-retrieval_rag_answer").wait_for(timeout=MODEL_TIMEOUT)
    # The small language model loads in the background from the first visit; every check
    # below is of the stage with the answers it writes (the extractive one is their check).
    page.locator(".st-key-retrieval_rag_answer").filter(has_text="The pages say").wait_for(
        timeout=MODEL_TIMEOUT
    )
    # ...and the specialist's box from the real fine-tune (its adapter is added after the
    # model loads): the stage's final height, before anything below it is measured.
    page.locator(".st-key-retrieval_brain_answer").filter(has_text="135 M parameters").wait_for(
        timeout=MODEL_TIMEOUT
    )
    wait_idle(page)
    return visit


def ask(page, question: str, expect: str) -> None:
    box = main(page).locator(".st-key-retrieval_query input")
    box.fill(question)
    box.press("Enter")
    page.locator(".st-key-retrieval_rag_answer").filter(has_text=expect).wait_for()
    wait_idle(page)


def test_ask_and_edit_show_their_result_in_view(browser, app_url):
    visit = open_lab(browser, app_url)
    page = visit.page

    # Ask: the fetched chunks and both answers are on the first screen.
    ask(page, "How many days do I have to return a product?", "30 days")
    assert scrolled(page) == 0
    for what, locator in stage(page).items():
        assert_in_viewport(page, locator, what)
    assert "[1] Returns policy" in page.locator(".st-key-retrieval_hits").inner_text()
    # The real fine-tune answers (SmolLM2 + the shipped adapter): the policy it was trained on.
    assert "30 days" in page.locator(".st-key-retrieval_brain_answer").inner_text()

    # Edit the kettle's price in the panel beside the answers, save: the library's answer
    # changes in view, the specialist's does not.
    ask(page, "How much does the K210 kettle cost?", "44 euros")
    # The real answers arrive once the small model has loaded (a rerun): wait for the
    # specialist's, so the panel is not read in the middle of that rerun.
    page.locator(".st-key-retrieval_brain_answer").filter(has_text="SmolLM2").wait_for(
        timeout=MODEL_TIMEOUT
    )
    main(page).get_by_role("tab", name="Edit the library").click()
    wait_idle(page)
    panel = page.locator(".st-key-retrieval_edit")
    text = panel.locator("textarea")
    assert_in_viewport(page, text, "the text box")
    # The panel follows the first fetched chunk: the kettle's own document.
    assert text.input_value().startswith("The Brightfield K210 is")
    assert "Price: 44 euros." in text.input_value()
    text.fill(text.input_value().replace("44 euros", "52 euros"))
    save = panel.get_by_role("button", name="Save")
    assert_in_viewport(page, save, "Save")
    save.click()
    answer = page.locator(".st-key-retrieval_rag_answer")
    answer.filter(has_text="52 euros").wait_for()
    wait_idle(page)
    assert scrolled(page) == 0
    assert_in_viewport(page, answer, "the library's new answer")
    assert_in_viewport(page, page.locator(".st-key-retrieval_brain_answer"), "the specialist")
    # The weights did not change: it still says what it learned, and the box says so.
    specialist = page.locator(".st-key-retrieval_brain_answer").inner_text()
    assert "44 euros" in specialist and "Out of date" in specialist
    assert "Saved" in panel.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "retrieval_lab-after-edit-light-1280.png"))
    assert_clean(visit)
    page.context.close()


@pytest.mark.parametrize(
    ("theme", "width"),
    [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW), ("dark", NARROW)],
)
def test_every_step_screenshot(browser, app_url, theme, width):
    steps = load_lesson("retrieval_lab").steps
    visit = open_lab(browser, app_url, theme=theme, width=width)
    page = visit.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for n, step in enumerate(steps, start=1):
        card = main(page).locator(".st-key-retrieval_lab_stepcard")
        card.get_by_text(f"Step {n} of {len(steps)}", exact=False).wait_for()
        wait_idle(page)
        page.screenshot(path=str(SCREENSHOTS / f"retrieval_lab-step{n}-{theme}-{width}.png"))
        if width == DESKTOP:  # at 1280x720 each step shows the whole stage and its card
            assert scrolled(page) == 0
            shown = {**stage(page), "step card": card}
            if step.id == "edit":  # this step opens the edit panel in the chunks' place
                shown["fetched chunks"] = page.locator(".st-key-retrieval_edit textarea")
            for what, locator in shown.items():
                assert_in_viewport(page, locator, f"{what} on step {step.id}")
        else:
            assert horizontal_overflow(page) <= 1
        if n < len(steps):
            card.get_by_role("button", name="Next").click()
    assert_clean(visit)
    page.context.close()


def test_a_page_about_another_product_is_flagged_in_view_and_hit_rates_are_measured(
    browser, app_url
):
    visit = open_lab(browser, app_url)
    page = visit.page
    # Meaning search ranks the K210's page first for the K220's price: the answer quotes the
    # K220's page, and the warning that says so is on the first screen.
    ask(page, "How much does the K220 kettle cost?", "59 euros")
    answer = page.locator(".st-key-retrieval_rag_answer")
    assert "Left out [1]: about K210, not K220." in answer.inner_text()
    assert "44 euros" not in answer.inner_text()
    assert scrolled(page) == 0
    for what, locator in stage(page).items():
        assert_in_viewport(page, locator, what)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "retrieval_lab-other-product-light-1280.png"))
    # The tab of hit rates: the three methods measured on the labelled questions.
    main(page).get_by_role("tab", name="Hit rates").click()
    chart = page.locator(".st-key-retrieval_eval_chart")
    chart.wait_for(timeout=MODEL_TIMEOUT)
    wait_idle(page)
    chart.scroll_into_view_if_needed()
    assert "right page first" in chart.inner_text()
    table = page.locator(".st-key-retrieval_eval_table")
    assert_in_viewport(page, table, "the hit-rate table")
    page.screenshot(path=str(SCREENSHOTS / "retrieval_lab-hit-rates-light-1280.png"))
    assert_clean(visit)
    page.context.close()
