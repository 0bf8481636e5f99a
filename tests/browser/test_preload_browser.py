"""The background model load in real Chromium: on a fresh server, the opening lesson alone
loads the embedding model (the server logs the end of the load while the learner is still
reading), and the Retrieval lab opened afterwards answers without loading it again: no
progress bar of the model load is ever drawn. No timing assert: how long the load takes is
measured in benchmarks/first_paint.py and benchmarks/classroom_load.py."""

from __future__ import annotations

import time

from brainlab.content import load_site, page_spec
from brainlab.preload import FINISHED, embedding_loader
from tests.browser.harness import (
    assert_clean,
    open_app_page,
    screenshot,
    server_log,
    streamlit_process,
)

LESSON, LAB = load_site()[0], page_spec("retrieval_lab")
#: The longest a slow machine may take to load the model in the background.
LOAD_TIMEOUT = 180.0

#: Counts every progress bar drawn in the main area from now on.
WATCH_PROGRESS = """() => {
  window.__progressBars = 0;
  const count = () => {
    window.__progressBars += document.querySelectorAll(
      '[data-testid="stMain"] [data-testid="stProgress"]').length;
  };
  new MutationObserver(count).observe(document.body, {childList: true, subtree: true});
}"""


def wait_for_log(url: str, line: str, timeout: float) -> None:
    log = server_log(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if line in log.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise AssertionError(f"the server never logged {line!r} in {timeout:.0f} s: {log}")


def test_retrieval_lab_is_ready_after_reading_the_lesson_on_a_fresh_server(browser):
    with streamlit_process() as (url, _):  # its own server: the model must not be loaded yet
        visit = open_app_page(browser, url, "", LESSON.title)
        page = visit.page
        # Reading the opening lesson: the load started by it ends while the learner reads.
        done = f"{embedding_loader().name} {FINISHED} in"
        wait_for_log(url, done, LOAD_TIMEOUT)
        page.evaluate(WATCH_PROGRESS)
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=LAB.title).first.click()
        answer = page.locator(".st-key-retrieval_rag_answer [data-testid='stAlert']").first
        answer.wait_for(state="visible", timeout=60_000)
        screenshot(page, "preload_retrieval_lab_first_answer")
        assert answer.inner_text().strip(), "the first answer is empty"
        assert page.evaluate("window.__progressBars") == 0, "the lab loaded the model again"
        assert_clean(visit)
        page.context.close()
