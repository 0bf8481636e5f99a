"""Classroom mode in real Chromium at 1280x720 (issue 15): the keyboard drives the lessons
(→ and ←, and PageDown/PageUp, which presentation clickers send) across pages; presenter
mode's text is at least 1.4x larger, full width, with nothing scrolling sideways; the lesson
builder's address hides and locks the chosen controls. Screenshots go to
artifacts/screenshots/classroom-*.png.
"""

from __future__ import annotations

from urllib.parse import urlencode

from brainlab import lessons
from brainlab.content import load_site, page_spec
from tests.browser.harness import (
    assert_clean,
    assert_in_viewport,
    horizontal_overflow,
    main,
    open_page,
    screenshot,
    wait_idle,
)

MODEL_TIMEOUT = 180_000


def address(base: str, slug: str, query: str = "") -> str:
    """A page's address; the first page by the app's root (its own name shows Streamlit's
    "Page not found" on a fresh server: a defect of main, reported)."""
    path = "" if slug == load_site()[0].slug else page_spec(slug).url_path
    return f"{base}/{path}" + (f"?{query}" if query else "")


def wait_path(page, slug: str) -> None:
    """Wait until the address bar shows page ``slug`` (Streamlit switches pages in place)."""
    path = "/" if slug == load_site()[0].slug else f"/{page_spec(slug).url_path}"
    page.wait_for_function(f"() => location.pathname === {path!r}", timeout=MODEL_TIMEOUT)


def card(page):
    return main(page).locator('[class*="_stepcard"]').first


def press(page, key: str) -> None:
    # Shortcuts are not taken while a text box has the focus: take the focus off first.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press(key)
    page.wait_for_timeout(300)
    wait_idle(page, MODEL_TIMEOUT)


def wait_card(page, text: str) -> None:
    card(page).filter(has_text=text).wait_for(timeout=MODEL_TIMEOUT)


def test_the_right_arrow_walks_the_guided_lesson_across_a_page_boundary(browser, app_url):
    tour = lessons.load_guided()
    # The last guided step on the first page, then the first one on the next page.
    first_page = tour.steps[0].page
    last_here = max(i for i, s in enumerate(tour.steps, start=1) if s.page == first_page)
    nxt = tour.steps[last_here]
    query = urlencode({"lesson": "guided", "tour": last_here})
    visit = open_page(browser, address(app_url, first_page, query))
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 720})
    wait_idle(page)
    wait_card(page, tour.steps[last_here - 1].title.split("{{")[0])
    press(page, "ArrowRight")
    wait_path(page, nxt.page)
    wait_card(page, nxt.title)
    assert f"tour={last_here + 1}" in page.url, page.url
    heading = main(page).locator("h1").first.inner_text()
    assert heading == page_spec(nxt.page).title
    # The clicker's key goes on within the page, and PageUp comes back.
    press(page, "PageDown")
    wait_card(page, tour.steps[last_here + 1].title)
    assert f"tour={last_here + 2}" in page.url, page.url
    press(page, "PageUp")
    wait_card(page, nxt.title)
    press(page, "ArrowLeft")
    wait_path(page, first_page)
    wait_card(page, "Upgrade two")
    screenshot(page, "classroom-guided-back")
    assert_clean(visit)
    page.context.close()


def test_pagedown_walks_a_pages_own_steps_and_on_to_the_next_page(browser, app_url):
    visit = open_page(browser, address(app_url, "two_ways", "two_ways_step=5"))
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 720})
    wait_idle(page)
    press(page, "PageDown")
    wait_card(page, "Step 6 of 6")
    press(page, "PageDown")
    wait_path(page, "retrieval_lab")
    wait_card(page, "Step 1 of")
    press(page, "PageUp")
    wait_path(page, "two_ways")
    wait_card(page, "Step 6 of 6")  # back lands on the previous page's last step
    assert_clean(visit)
    page.context.close()


def test_the_builders_link_hides_and_locks_the_chosen_controls(browser, app_url):
    # The builder itself: pick two steps, see the link and its QR code.
    visit = open_page(browser, address(app_url, "lesson_builder"))
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 720})
    wait_idle(page)
    main(page).get_by_role("button", name="Take every step of every page").click()
    page.wait_for_timeout(500)
    wait_idle(page)
    screenshot(page, "classroom-builder")
    main(page).get_by_text("lesson=", exact=False).first.wait_for(timeout=MODEL_TIMEOUT)
    assert main(page).locator('[data-testid="stImage"] img').count() >= 1
    screenshot(page, "classroom-builder")
    assert_clean(visit)
    page.context.close()

    # Its kind of link, opened in a new context: hidden, locked and free controls.
    query = lessons.lesson_query(
        [("retrieval_lab", "ask"), ("cost_lab", "volume")],
        hide=["retrieval_method"],
        lock=["retrieval_top_k", "cost_sliders"],
        presets={"retrieval_query": "How many days do I have to return a product?"},
        frame={"presenter": "true"},
    )
    visit = open_page(browser, address(app_url, "retrieval_lab", urlencode(query)))
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 720})
    page.locator(".st-key-retrieval_rag_answer").filter(has_text="30 days").wait_for(
        timeout=MODEL_TIMEOUT
    )
    wait_idle(page)
    assert page.locator(".st-key-retrieval_method").count() == 1
    assert not page.locator(".st-key-retrieval_method").is_visible()
    assert page.locator(".st-key-retrieval_top_k input[type='range']").is_disabled()
    assert page.locator(".st-key-retrieval_query input").is_enabled()
    wait_card(page, "Step 1 of 2")
    assert_in_viewport(page, card(page), "the lesson's card")
    assert_in_viewport(page, page.locator(".st-key-retrieval_rag_answer"), "the answer")
    assert horizontal_overflow(page) == 0
    screenshot(page, "classroom-lesson-retrieval")
    press(page, "ArrowRight")
    wait_path(page, "cost_lab")
    wait_card(page, "Step 2 of 2")
    sliders = page.locator(".st-key-cost_sliders input[type='range']")
    assert sliders.count() == 3
    assert all(sliders.nth(i).is_disabled() for i in range(3))
    assert "hide=retrieval_method" in page.url and "lock=" in page.url
    screenshot(page, "classroom-lesson-cost")
    assert_clean(visit)
    page.context.close()
