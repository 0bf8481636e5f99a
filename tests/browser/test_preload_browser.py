"""The background model load in real Chromium: a learner who reads the opening lesson for
15 s on a fresh server finds the Retrieval lab ready: its first answer shows within 3 s."""

from __future__ import annotations

import time

from brainlab.content import load_site, page_spec
from tests.browser.harness import assert_clean, open_app_page, screenshot, streamlit_server

LESSON, LAB = load_site()[0], page_spec("retrieval_lab")


def test_retrieval_lab_is_ready_after_reading_the_lesson_on_a_fresh_server(browser):
    with streamlit_server() as url:  # its own server: the model must not be loaded yet
        visit = open_app_page(browser, url, "", LESSON.title)
        page = visit.page
        page.wait_for_timeout(15_000)  # reading the opening lesson
        start = time.monotonic()
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=LAB.title).first.click()
        answer = page.locator(".st-key-retrieval_rag_answer [data-testid='stAlert']").first
        answer.wait_for(state="visible", timeout=60_000)
        waited = time.monotonic() - start
        screenshot(page, "preload_retrieval_lab_first_answer")
        assert answer.inner_text().strip(), "the first answer is empty"
        assert waited <= 3.0, f"the lab's first answer took {waited:.1f} s after the lesson"
        assert_clean(visit)
        page.context.close()
