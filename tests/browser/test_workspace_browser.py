"""Workspaces in real Chromium (issue 10, defect 10): a library edit survives a reload of
the page and a restart of the server, because the workspace id rides in the address."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from brainlab.content import page_spec
from tests.browser.harness import SCREENSHOTS, main, open_app_page, streamlit_process, wait_idle
from tests.browser.test_retrieval_lab_browser import MODEL_TIMEOUT, ask

SPEC = page_spec("retrieval_lab")


def answer(page):
    return page.locator(".st-key-retrieval_rag_answer")


def test_a_library_edit_survives_a_reload_and_a_server_restart(browser):
    with streamlit_process() as (base, _proc):
        visit = open_app_page(browser, base, SPEC.url_path, SPEC.title, timeout=MODEL_TIMEOUT)
        page = visit.page
        page.set_viewport_size({"width": 1280, "height": 720})
        answer(page).wait_for(timeout=MODEL_TIMEOUT)
        wait_idle(page)
        ask(page, "How much does the K210 kettle cost?", "44 euros")
        main(page).get_by_role("tab", name="Edit the library").click()
        panel = page.locator(".st-key-retrieval_edit")
        text = panel.locator("textarea")
        text.fill(text.input_value().replace("44 euros", "52 euros"))
        panel.get_by_role("button", name="Save").click()
        answer(page).filter(has_text="52 euros").wait_for()
        wait_idle(page)
        ws = parse_qs(urlsplit(page.url).query).get("ws", [""])[0]
        assert len(ws) == 22, page.url

        page.reload(wait_until="domcontentloaded")
        wait_idle(page, MODEL_TIMEOUT)
        ask(page, "How much does the K210 kettle cost?", "52 euros")
        assert parse_qs(urlsplit(page.url).query)["ws"] == [ws]
        page.context.close()

    # A new server on the same data folder (a restart): the same address finds the edit.
    with streamlit_process() as (base, _proc):
        visit = open_app_page(
            browser, base, f"{SPEC.url_path}?ws={ws}", SPEC.title, timeout=MODEL_TIMEOUT
        )
        page = visit.page
        page.set_viewport_size({"width": 1280, "height": 720})
        answer(page).wait_for(timeout=MODEL_TIMEOUT)
        ask(page, "How much does the K210 kettle cost?", "52 euros")
        page.screenshot(path=str(SCREENSHOTS / "workspace-after-restart-1280.png"))
        # Another reader (no ws in the address) still has the original library.
        other = open_app_page(browser, base, SPEC.url_path, SPEC.title, timeout=MODEL_TIMEOUT)
        answer(other.page).wait_for(timeout=MODEL_TIMEOUT)
        ask(other.page, "How much does the K210 kettle cost?", "44 euros")
        assert parse_qs(urlsplit(other.page.url).query)["ws"] != [ws]
        other.page.context.close()
        page.context.close()
