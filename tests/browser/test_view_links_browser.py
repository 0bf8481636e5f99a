"""Every lab's view travels in its link, in real Chromium at 1280x720: a teacher sets
controls away from their defaults in one browser context, the page's address is read as
the browser shows it (the bound widgets write their values into it), and that address
opened in a new browser context (a student's laptop: no cookies, no session) shows the
same controls and the same results. Screenshots of both sides go to
artifacts/screenshots/view-link-*.png (git-ignored).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from brainlab.content import page_spec
from tests.browser.harness import SCREENSHOTS, assert_clean, main, open_page, wait_idle
from tests.browser.test_retrieval_lab_browser import MODEL_TIMEOUT

HEIGHT = 720  # a classroom projector


def open_view(browser, url: str, theme: str = "light"):
    visit = open_page(browser, url, theme=theme)
    visit.page.set_viewport_size({"width": 1280, "height": HEIGHT})
    wait_idle(visit.page, MODEL_TIMEOUT)
    return visit, visit.page


def params(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def wait_params(page, expected: dict[str, str | list[str]], timeout: float = 30.0) -> str:
    """Wait until the address bar holds every ``expected`` value; return the address.

    A control inside a lab's fragment reaches the address bar a moment after its rerun."""
    want = {k: [v] if isinstance(v, str) else sorted(v) for k, v in expected.items()}
    deadline = time.monotonic() + timeout
    while True:
        got = params(page)
        shown = {k: sorted(got.get(k, [])) if len(want[k]) > 1 else got.get(k) for k in want}
        if shown == want:
            return page.url
        if time.monotonic() > deadline:
            raise AssertionError(f"the address has {got}, not {want}: {page.url}")
        page.wait_for_timeout(200)


def chosen(page, key: str) -> list[str]:
    """The options shown as chosen in the control ``key`` (a segmented control's radio,
    a pill's pressed button), by their text."""
    box = page.locator(f".st-key-{key}")
    picked = box.locator(
        "[role='radio'][aria-checked='true'], button[data-variant='pills'][aria-pressed='true'],"
        " button[aria-pressed='true'], button[aria-checked='true']"
    )
    return sorted({t.strip() for t in picked.all_inner_texts()})


def open_tab(page, label: str) -> None:
    main(page).get_by_role("tab", name=label, exact=True).click()
    wait_idle(page)


def selected_tabs(page) -> list[str]:
    tabs = main(page).locator("[role='tab'][aria-selected='true']")
    return [t.strip() for t in tabs.all_inner_texts()]


def thumb(page, key: str):
    """A slider's thumb: React-aria's clipped range input, driven by the arrow keys."""
    return page.locator(f".st-key-{key}").get_by_role("slider").first


def slider_value(page, key: str) -> str:
    return thumb(page, key).input_value()


def press(page, key: str, arrow: str, times: int) -> None:
    thumb_ = thumb(page, key)
    thumb_.focus()
    for _ in range(times):
        thumb_.press(arrow)


def pick(page, key: str, option: str) -> None:
    """Choose ``option`` in the drop-down box ``key``."""
    page.locator(f".st-key-{key}").get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def box_text(page, key: str) -> str:
    return page.locator(f".st-key-{key}").inner_text().strip()


def select_text(page, key: str) -> str:
    """What the drop-down box ``key`` shows as chosen."""
    return page.locator(f".st-key-{key}").get_by_role("combobox").input_value()


def chart_title(page, key: str) -> str:
    return page.locator(f".st-key-{key} .gtitle").first.text_content()


def shot(page, name: str) -> None:
    page.mouse.move(1275, 715)  # no tooltip over the view
    page.screenshot(path=str(SCREENSHOTS / f"view-link-{name}-1280.png"))


# --------------------------------------------------------------------------- the labs


def test_retrieval_lab_view_travels_in_its_link(browser, app_url):
    spec = page_spec("retrieval_lab")
    visit, page = open_view(browser, f"{app_url}/{spec.url_path}")
    page.locator(".st-key-retrieval_rag_answer").wait_for(timeout=MODEL_TIMEOUT)
    wait_idle(page)
    hits_before = box_text(page, "retrieval_hits")
    main(page).get_by_role("radio", name="Words", exact=True).click()
    wait_params(page, {"retrieval_method": "Words"})
    wait_idle(page)
    press(page, "retrieval_top_k", "ArrowRight", 1)  # 3 -> 4 pages
    page.locator(".st-key-retrieval_hits").filter(has_text="[4]").wait_for()
    wait_params(page, {"retrieval_method": "Words", "retrieval_top_k": "4"})
    wait_idle(page)
    open_tab(page, "Meaning vs words")
    press(page, "retrieval_min_sim", "ArrowRight", 5)  # 0.30 -> 0.35
    wait_params(page, {"retrieval_min_sim": "0.35"})
    wait_idle(page)
    open_tab(page, "RAG's own risks")
    page.locator(".st-key-retrieval_risk_case").get_by_text("Distracting context").click()
    page.locator(".st-key-retrieval_risk_answer").wait_for(timeout=MODEL_TIMEOUT)
    link = wait_params(
        page,
        {
            "retrieval_method": "Words",
            "retrieval_top_k": "4",
            "retrieval_min_sim": "0.35",  # its tab is closed now: still in the link
            "retrieval_tab": "RAG's own risks",
            "retrieval_risk_case": "Distracting context",
        },
    )
    wait_idle(page)
    # The library's answer as the small language model writes it (it loads in the
    # background from the first visit): the same text must come back with the link.
    generated = page.locator(".st-key-retrieval_rag_answer").filter(has_text="The pages say")
    generated.wait_for(timeout=MODEL_TIMEOUT)
    wait_idle(page)
    hits = box_text(page, "retrieval_hits")
    assert hits != hits_before  # the view is not the default one
    answer = box_text(page, "retrieval_rag_answer")
    risk = box_text(page, "retrieval_risk_answer")
    shot(page, "retrieval-sent")
    assert_clean(visit)
    page.context.close()

    visit, page = open_view(browser, link, theme="dark")
    page.locator(".st-key-retrieval_risk_answer").wait_for(timeout=MODEL_TIMEOUT)
    page.locator(".st-key-retrieval_rag_answer").filter(has_text="The pages say").wait_for(
        timeout=MODEL_TIMEOUT
    )
    wait_idle(page)
    assert chosen(page, "retrieval_method") == ["Words"]
    assert slider_value(page, "retrieval_top_k") == "4"
    assert box_text(page, "retrieval_hits") == hits
    assert box_text(page, "retrieval_rag_answer") == answer
    assert "RAG's own risks" in selected_tabs(page)
    assert chosen(page, "retrieval_risk_case") == ["Distracting context"]
    assert box_text(page, "retrieval_risk_answer") == risk
    shot(page, "retrieval-received")
    open_tab(page, "Meaning vs words")
    assert slider_value(page, "retrieval_min_sim") == "0.35"
    assert_clean(visit)
    page.context.close()


def test_forgetting_lab_view_travels_in_its_link(browser, app_url):
    spec = page_spec("forgetting_lab")
    visit, page = open_view(browser, f"{app_url}/{spec.url_path}")
    main(page).get_by_role("button", name="Train the network and reveal").click()
    curve = ".st-key-forgetting_curve .js-plotly-plot"
    page.locator(curve).wait_for(timeout=60_000)
    wait_idle(page)
    press(page, "forgetting_steps", "ArrowLeft", 10)  # 300 -> 200 steps
    wait_params(page, {"forgetting_steps": "200"})
    wait_idle(page)
    # Two lines fewer on the curve: the "Lines to show" pills, in their pop-over.
    main(page).get_by_role("button", name="Lines to show").click()
    pills = page.locator(".st-key-forgetting_strategies button[data-variant='pills']")
    pills.first.wait_for()
    for name in ("Protecting connections", "Skill notebook"):
        pills.filter(has_text=name).click()
        wait_idle(page)
    page.keyboard.press("Escape")
    shown = wait_params(page, {"forgetting_steps": "200"})
    assert len(params(page)["forgetting_strategies"]) == 3, shown
    open_tab(page, "Inside the network")
    page.locator(".st-key-forgetting_map .js-plotly-plot").wait_for(timeout=60_000)
    pick(page, "forgetting_map_strategy", "Revising old lessons")
    link = wait_params(
        page,
        {
            "forgetting_steps": "200",
            "forgetting_tabs": "Inside the network",
            "forgetting_map_strategy": "Revising old lessons",
        },
    )
    assert "forgetting_revealed" in params(page)
    wait_idle(page)
    verdict = box_text(page, "forgetting_verdict")
    title = chart_title(page, "forgetting_curve")
    lines = page.locator(curve).text_content()  # titles, axes and each line's end label
    map_title = chart_title(page, "forgetting_map")
    assert "Revising old lessons" in map_title, map_title
    assert "Protecting" not in lines and "Notebook" not in lines, lines
    shot(page, "forgetting-sent")
    assert_clean(visit)
    page.context.close()

    visit, page = open_view(browser, link, theme="dark")
    page.locator(curve).wait_for(timeout=60_000)
    page.locator(".st-key-forgetting_map .js-plotly-plot").wait_for(timeout=60_000)
    wait_idle(page)
    assert slider_value(page, "forgetting_steps") == "200"
    assert box_text(page, "forgetting_verdict") == verdict
    assert chart_title(page, "forgetting_curve") == title
    assert page.locator(curve).text_content() == lines
    assert "Inside the network" in selected_tabs(page)
    assert chart_title(page, "forgetting_map") == map_title
    shot(page, "forgetting-received")
    main(page).get_by_role("button", name="Lines to show").click()
    pills = page.locator(".st-key-forgetting_strategies button[data-variant='pills']")
    pills.first.wait_for()
    pressed = pills.locator("xpath=self::*[@aria-pressed='true']").all_inner_texts()
    assert len(pressed) == 3 and not {"Protecting connections", "Skill notebook"} & {
        p.strip() for p in pressed
    }, pressed
    assert_clean(visit)
    page.context.close()


def test_cost_lab_view_travels_in_its_link(browser, app_url):
    spec = page_spec("cost_lab")
    visit, page = open_view(browser, f"{app_url}/{spec.url_path}")
    page.locator(".st-key-cost_main_chart .js-plotly-plot").wait_for(timeout=30_000)
    default = box_text(page, "cost_verdict")
    pick(page, "cost_preset", "News summariser")
    press(page, "cost_queries", "ArrowRight", 1)
    main(page).get_by_role("button", name="Compare", exact=True).click()
    pick(page, "cost_against", "The general brain alone")
    page.keyboard.press("Escape")
    open_tab(page, "How sure?")
    page.locator(".st-key-cost_chart_band .js-plotly-plot").wait_for(timeout=30_000)
    link = wait_params(page, {"cost_tabs": "How sure?"})
    got = params(page)
    for key in ("cost_preset", "cost_queries", "cost_against"):
        assert key in got, (key, page.url)
    wait_idle(page)
    verdict = box_text(page, "cost_verdict")
    assert verdict != default
    main_title = chart_title(page, "cost_main_chart")
    band_title = chart_title(page, "cost_chart_band")
    queries = slider_value(page, "cost_queries")
    shot(page, "cost-sent")
    assert_clean(visit)
    page.context.close()

    visit, page = open_view(browser, link, theme="dark")
    page.locator(".st-key-cost_chart_band .js-plotly-plot").wait_for(timeout=30_000)
    wait_idle(page)
    assert box_text(page, "cost_verdict") == verdict
    assert chart_title(page, "cost_main_chart") == main_title
    assert chart_title(page, "cost_chart_band") == band_title
    assert slider_value(page, "cost_queries") == queries
    assert select_text(page, "cost_preset") == "News summariser"
    assert "How sure?" in selected_tabs(page)
    shot(page, "cost-received")
    assert_clean(visit)
    page.context.close()


def test_which_path_view_travels_in_its_link(browser, app_url):
    spec = page_spec("which_path")
    visit, page = open_view(browser, f"{app_url}/{spec.url_path}")
    default = box_text(page, "which_path_recommendation")
    pick(page, "which_path_preset", "Medical diagnosis support")
    open_tab(page, "All the weights")
    link = wait_params(page, {"which_path_tabs": "All the weights"})
    assert any(k.startswith("which_path_") and k != "which_path_tabs" for k in params(page))
    assert select_text(page, "which_path_need") == params(page)["which_path_need"][0]
    wait_idle(page)
    rec = box_text(page, "which_path_recommendation")
    assert rec != default
    scores = chart_title(page, "which_path_chart")
    answers = {
        key: select_text(page, key)
        for key in params(page)
        if key.startswith("which_path_") and key != "which_path_tabs"
    }
    shot(page, "which_path-sent")
    assert_clean(visit)
    page.context.close()

    visit, page = open_view(browser, link, theme="dark")
    wait_idle(page)
    assert box_text(page, "which_path_recommendation") == rec
    assert chart_title(page, "which_path_chart") == scores
    assert {key: select_text(page, key) for key in answers} == answers
    assert "All the weights" in selected_tabs(page)
    shot(page, "which_path-received")
    assert_clean(visit)
    page.context.close()
