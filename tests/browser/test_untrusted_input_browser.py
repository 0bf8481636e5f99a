"""Nothing from a user executes or reaches out (issue 10), in real Chromium: a crafted CSV
and file name uploaded to the Cost lab (through the real uploader, with XSRF protection on)
show as text: no link, no image, no script, and no request leaves 127.0.0.1."""

from __future__ import annotations

from urllib.parse import urlparse

from brainlab.content import page_spec
from tests.browser.harness import assert_clean, open_page, wait_idle

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
