"""The library's answer written by the real small language model, in real Chromium at 1280x720.

On the lab's first visit the model loads in the background while the extractive answer and a
progress line show; then the answer is generated. A new question's answer streams into view:
its text grows over several paints before the checked box replaces it, and the question box,
the fetched pages and both answers stay on one screen. Screenshots, light and dark, 1280x720
and 400 px wide: artifacts/screenshots/lm_answer-*.png.
"""

from __future__ import annotations

import pytest

from brainlab.content import page_spec
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
HEIGHT = 720
MODEL_TIMEOUT = 240_000  # a fresh server loads both models; a busy machine is slow
CHECKED = "The pages say"

#: Records the library's answer text on every change of the page from now on.
WATCH_ANSWER = """() => {
  window.__answers = [];
  const note = () => {
    const box = document.querySelector('.st-key-retrieval_rag_answer');
    if (!box) return;
    const text = box.innerText;
    const seen = window.__answers;
    if (!seen.length || seen[seen.length - 1] !== text) seen.push(text);
  };
  new MutationObserver(note).observe(document.body,
    {childList: true, subtree: true, characterData: true});
}"""


def stage(page):
    return {
        "question box": main(page).locator(".st-key-retrieval_query"),
        "fetched chunks": page.locator(".st-key-retrieval_hits"),
        "library's answer": page.locator(".st-key-retrieval_rag_answer"),
        "specialist's answer": page.locator(".st-key-retrieval_brain_answer"),
    }


def open_generated(browser, app_url, *, theme="light", width=DESKTOP):
    """The lab, once the model has written its first answer (the model loads meanwhile)."""
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
    answer = page.locator(".st-key-retrieval_rag_answer")
    answer.filter(has_text=CHECKED).wait_for(timeout=MODEL_TIMEOUT)
    wait_idle(page)
    return visit


def test_the_answer_streams_into_view_then_is_checked(browser, app_url):
    visit = open_generated(browser, app_url)
    page = visit.page
    answer = page.locator(".st-key-retrieval_rag_answer")
    label = main(page).get_by_text("Written by SmolLM2, a 135 M-parameter model")
    assert label.count() == 1  # the honest label, right under the stage
    page.evaluate(WATCH_ANSWER)
    # A question nobody asked on this server: its answer is written now, not from the cache.
    box = main(page).locator(".st-key-retrieval_query input")
    box.fill("How long does the travel mug keep my coffee hot?")
    box.press("Enter")
    answer.filter(has_text="ThermoMug").filter(has_text=CHECKED).wait_for(timeout=MODEL_TIMEOUT)
    wait_idle(page)
    seen = page.evaluate("window.__answers")
    # While it was written: the box showed the model's name, and then text that grew.
    writing = [t.rstrip("▌") for t in seen if CHECKED not in t and "135 M-parameter" in t]
    lengths = [len(t) for t in writing]  # (the cursor after the text goes at the end)
    assert len(set(lengths)) >= 3, f"the answer did not stream: {seen}"
    assert lengths == sorted(lengths), f"the streamed text shrank: {seen}"
    final = answer.inner_text()
    assert CHECKED in final and "The library does not" not in final
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lm_answer-travel-mug-light-1280.png"))
    assert scrolled(page) == 0
    for what, locator in stage(page).items():
        assert_in_viewport(page, locator, what)

    # A question the library cannot answer: the extractive abstention, never the model's.
    box.fill("Who won the 1998 football world cup?")
    box.press("Enter")
    answer.filter(has_text="The library does not contain this").wait_for()
    wait_idle(page)
    assert "Not sent to the small language model" in answer.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "lm_answer-not-in-library-light-1280.png"))
    for what, locator in stage(page).items():
        assert_in_viewport(page, locator, what)
    assert_clean(visit)
    page.context.close()


@pytest.mark.parametrize(
    ("theme", "width"),
    [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW), ("dark", NARROW)],
)
def test_screenshots_of_the_generated_answer(browser, app_url, theme, width):
    visit = open_generated(browser, app_url, theme=theme, width=width)
    page = visit.page
    for question, expect in (
        ("How many days do I have to return a product?", "30 days"),
        ("How much does the K220 kettle cost?", "59 euros"),
    ):
        box = main(page).locator(".st-key-retrieval_query input")
        box.fill(question)
        box.press("Enter")
        answer = page.locator(".st-key-retrieval_rag_answer")
        answer.filter(has_text=expect).filter(has_text=CHECKED).wait_for(timeout=MODEL_TIMEOUT)
        wait_idle(page)
        name = "returns" if "return" in question else "k220"
        page.screenshot(path=str(SCREENSHOTS / f"lm_answer-{name}-{theme}-{width}.png"))
        if width == DESKTOP:
            assert scrolled(page) == 0
            for what, locator in stage(page).items():
                assert_in_viewport(page, locator, f"{what} ({name})")
        else:
            assert horizontal_overflow(page) <= 1
    assert_clean(visit)
    page.context.close()
