"""Nothing from a user executes or reaches out (issue 10), in real Chromium: a crafted CSV
and file name uploaded to the Cost lab (through the real uploader, with XSRF protection on)
show as text: no link, no image, no script, and no request leaves 127.0.0.1; so does a
crafted library imported into the Retrieval lab."""

from __future__ import annotations

import json
from urllib.parse import urlparse

from brainlab.content import page_spec
from tests.browser.harness import assert_clean, open_app_page, open_page, wait_idle

SPEC = page_spec("cost_lab")
#: A documentation address (RFC 5737): were it ever fetched, the test sees the request.
REMOTE = "http://203.0.113.7"
CELLS = (
    f"[click here]({REMOTE}/login) :red[SYSTEM ALERT] ![pixel]({REMOTE}/p.png) "
    "<img src=x onerror=alert(1)> <script>alert(2)</script> [js](javascript:alert(3)) "
    "www.evil.example admin@evil.example"
)
FILE_NAME = f"[name]({REMOTE}/n) ![n]({REMOTE}/n.png) <img src=y onerror=alert(4)>.csv"


def test_a_crafted_csv_in_the_cost_lab_shows_as_text(browser, app_url):
    visit = open_page(browser, f"{app_url}/{SPEC.url_path}")
    page = visit.page
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    wait_idle(page)
    page.get_by_role("tab", name="Save or load").click()
    wait_idle(page)
    csv = f'key,value\n"{CELLS}",1\nqueries_per_month,"{CELLS}"\n'.encode()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": csv}]
    )
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="Nothing was changed")
    alert.wait_for(timeout=30_000)
    wait_idle(page)
    shown = alert.inner_text().replace("\u2060", "")  # the joiners that break autolinks
    assert "SYSTEM ALERT" in shown and "<img src=x onerror=alert(1)>" in shown, shown
    assert f"[click here]({REMOTE}/login)" in shown and "admin@evil.example" in shown
    live = alert.locator("a, img, script")
    assert live.count() == 0, [
        live.nth(i).evaluate("e => e.outerHTML") for i in range(live.count())
    ]
    assert page.locator('[data-testid="stMain"] img[src*="203.0.113"]').count() == 0
    page.wait_for_timeout(500)  # a fetched image or a fired handler would show by now
    assert dialogs == []
    off_machine = [u for u in requests if urlparse(u).hostname not in ("127.0.0.1", None)]
    assert off_machine == [], off_machine
    assert_clean(visit)  # no exception box, no console error (Streamlit's probes aside)
    visit.page.context.close()


def test_a_crafted_library_in_the_retrieval_lab_shows_as_text(browser, app_url):
    """Titles, texts and topics with HTML, Markdown links, images, web and e-mail addresses:
    in the fetched chunks, the answers and the map's legend and hover labels, all text."""
    spec = page_spec("retrieval_lab")
    visit = open_app_page(browser, app_url, spec.url_path, spec.title, timeout=180_000)
    page = visit.page
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.locator(".st-key-retrieval_rag_answer").wait_for(timeout=180_000)
    wait_idle(page)
    doc = {
        "id": "crafted",
        "title": f"<img src=x onerror=alert(5)> [Title link]({REMOTE}/t)",
        "text": (
            f"Refunds are sent by post. See {REMOTE}/help or www.evil.example, write to "
            f"admin@evil.example. ![pixel]({REMOTE}/p.png) <script>alert(6)</script>"
        ),
        "topic": f'<a href="{REMOTE}/topic">Topic link</a>',
        "updated": "2025-01-01",
    }
    page.get_by_role("tab", name="The whole library").click()
    wait_idle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[
            {
                "name": "lib.json",
                "mimeType": "application/json",
                "buffer": json.dumps([doc]).encode(),
            }
        ]
    )
    page.get_by_text("Imported 1 documents").wait_for(timeout=60_000)
    wait_idle(page)
    box = page.locator('[data-testid="stMainBlockContainer"] .st-key-retrieval_query input')
    box.fill("How are refunds sent?")
    box.press("Enter")
    page.locator(".st-key-retrieval_hits").filter(has_text="Title link").wait_for()
    wait_idle(page)
    page.get_by_role("tab", name="Map").click()
    page.locator(".js-plotly-plot").last.wait_for(timeout=30_000)
    wait_idle(page)
    hits = page.locator(".st-key-retrieval_hits").inner_text().replace("\u2060", "")
    assert "<img src=x onerror=alert(5)>" in hits, hits
    answer = page.locator(".st-key-retrieval_rag_answer").inner_text().replace("\u2060", "")
    assert "admin@evil.example" in answer or "Refunds" in answer, answer
    legend = page.locator(".js-plotly-plot .legend").last.text_content()
    assert '<a href="' in legend, legend  # the topic's HTML, as text
    lab = page.locator('[data-testid="stMain"]')
    live = lab.locator(
        'a[href*="203.0.113"], a[href^="mailto:"], img[src*="203.0.113"], img[src="x"]'
    )
    found = [live.nth(i).evaluate("e => e.outerHTML") for i in range(live.count())]
    assert found == [], found
    page.wait_for_timeout(500)
    assert dialogs == []
    off_machine = [u for u in requests if urlparse(u).hostname not in ("127.0.0.1", None)]
    assert off_machine == [], off_machine
    assert_clean(visit)
    visit.page.context.close()
