"""The language switch in a real Chromium: choosing 中文 turns the page Chinese, puts
``?lang=zh`` in the address, and the address keeps it on the next page and on reload.
Screenshots of the Chinese pages, light and dark, 1280 px and 400 px, for looking at."""

from __future__ import annotations

import re

import pytest

from brainlab.content import load_lesson
from tests.browser.harness import (
    DESKTOP,
    NARROW,
    SCREENSHOTS,
    assert_clean,
    assert_in_viewport,
    horizontal_overflow,
    main,
    open_app_page,
    screenshot,
    scrolled,
    wait_idle,
)
from tests.test_pages_zh import english_sentences

ZH_TITLE = "给大脑升级的两种方法"
ZH_LAB = "检索实验室"
ZH_COSTS = "成本实验室"


def _lang(url: str) -> str | None:
    found = re.search(r"[?&]lang=([^&#]+)", url)
    return found[1] if found else None


def test_switching_to_chinese_puts_lang_in_the_address_and_it_survives_page_changes(
    browser, app_url
):
    visit = open_app_page(browser, app_url, "", "Two ways to upgrade a brain")
    page = visit.page
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("中文", exact=True).click()
    page.get_by_role("heading", name=ZH_TITLE).wait_for(timeout=60_000)
    wait_idle(page)
    page.wait_for_function("() => location.search.includes('lang=zh')", timeout=10_000)
    assert _lang(page.url) == "zh"
    assert "第 1 步，共 6 步" in main(page).inner_text()
    # The menu's page titles are Chinese too; the next page keeps the language.
    sidebar.get_by_role("link", name=ZH_LAB).first.click()
    page.get_by_role("heading", name=ZH_LAB).wait_for(timeout=60_000)
    wait_idle(page, timeout=180_000)
    page.wait_for_function("() => location.search.includes('lang=zh')", timeout=10_000)
    assert "/retrieval_lab" in page.url and _lang(page.url) == "zh"
    # Reloading the address (or sharing it) opens the page in Chinese again.
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("heading", name=ZH_LAB).wait_for(timeout=60_000)
    wait_idle(page, timeout=180_000)
    assert _lang(page.url) == "zh"
    # The lab searches the Chinese library: the first question's hits are Chinese documents.
    page.get_by_text("明田 K210 电热水壶").first.wait_for(timeout=120_000)
    screenshot(page, "zh_retrieval_lab_light_1280")
    # Back to English: the address drops to English too.
    sidebar.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Retrieval lab").wait_for(timeout=60_000)
    wait_idle(page)
    assert _lang(page.url) in (None, "en")
    assert_clean(visit)
    page.context.close()


def test_chinese_pages_light_dark_and_narrow(browser, app_url):
    for theme, width in (("light", 1280), ("dark", 1280), ("light", NARROW), ("dark", NARROW)):
        visit = open_app_page(browser, app_url, "?lang=zh", ZH_TITLE, theme=theme, width=width)
        page = visit.page
        assert _lang(page.url) == "zh"
        assert "超级图书馆" in main(page).inner_text()
        screenshot(page, f"zh_two_ways_{theme}_{width}")
        assert_clean(visit)
        page.context.close()
    for url_path, title in (
        *(("references?lang=zh", "参考资料"), ("lesson_builder?lang=zh", "备课工具")),
        ("which_path?lang=zh", "该走哪条路？"),
        ("forgetting_lab?lang=zh", "遗忘实验室"),
        ("cost_lab?lang=zh", ZH_COSTS),
    ):
        for theme, width in (("light", 1280), ("dark", NARROW)):
            visit = open_app_page(browser, app_url, url_path, title, theme=theme, width=width)
            assert "这一页还没有中文版" not in main(visit.page).inner_text()
            screenshot(visit.page, f"zh_{url_path.split('?')[0]}_{theme}_{width}")
            assert_clean(visit)
            visit.page.context.close()


def _cost_stage(page) -> dict[str, object]:
    return {
        "step card": page.locator(".st-key-cost_lab_stepcard"),
        "scenario box": page.locator('[data-testid="stSelectbox"]').filter(has_text="场景"),
        "quick sliders": page.locator(".st-key-cost_sliders"),
        "assumptions table": page.locator(".st-key-cost_table"),
        "verdict": page.locator(".st-key-cost_verdict"),
        "running-total chart": page.locator(".st-key-cost_main_chart .js-plotly-plot"),
    }


@pytest.mark.parametrize(
    ("theme", "width"),
    [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW), ("dark", NARROW)],
)
def test_the_chinese_cost_lab_fits_the_stage_and_its_slider_changes_the_verdict(
    browser, app_url, theme, width
):
    visit = open_app_page(browser, app_url, "cost_lab?lang=zh", ZH_COSTS, theme=theme, width=width)
    page = visit.page
    page.set_viewport_size({"width": width, "height": 720 if width == DESKTOP else 800})
    page.locator(".st-key-cost_main_chart .js-plotly-plot").wait_for(timeout=30_000)
    shown = main(page).inner_text()
    assert "这一页还没有中文版" not in shown
    assert english_sentences(shown) == []
    verdict = page.locator(".st-key-cost_verdict")
    assert "每月 30,000 个问题时" in verdict.inner_text()
    card = page.locator(".st-key-cost_lab_stepcard")
    steps = load_lesson("cost_lab", language="zh").steps
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for n, step in enumerate(steps, start=1):
        card.get_by_text(f"第 {n} 步，共 {len(steps)} 步", exact=False).wait_for()
        page.screenshot(path=str(SCREENSHOTS / f"zh_cost_lab-step{n}-{theme}-{width}.png"))
        if width == DESKTOP:  # at 1280x720 each Chinese step shows the whole stage
            for what, locator in _cost_stage(page).items():
                assert_in_viewport(page, locator, f"{what} on step {step.id}")
        else:
            assert horizontal_overflow(page) <= 1
        if n < len(steps):
            card.get_by_role("button", name="下一步").click()
            wait_idle(page)
    # The volume slider: 30,000 -> 50,000 questions a month, the Chinese verdict follows.
    before = verdict.inner_text()
    thumb = page.locator(".st-key-cost_sliders").get_by_role("slider").first
    thumb.focus()
    thumb.press("ArrowRight")
    page.wait_for_function(
        "(b) => document.querySelector('.st-key-cost_verdict')?.innerText !== b",
        arg=before,
        timeout=30_000,
    )
    wait_idle(page)
    assert "每月 50,000 个问题时" in verdict.inner_text()
    if width == DESKTOP:
        assert scrolled(page) == 0
        for what in ("verdict", "running-total chart"):
            assert_in_viewport(page, _cost_stage(page)[what], f"{what} after the slider")
    screenshot(page, f"zh_cost_lab_{theme}_{width}")
    assert_clean(visit)
    page.context.close()
