"""The language switch in a real Chromium: choosing 中文 turns the page Chinese, puts
``?lang=zh`` in the address, and the address keeps it on the next page and on reload.
Screenshots of the Chinese pages, light and dark, 1280 px and 400 px, for looking at."""

from __future__ import annotations

import re

from tests.browser.harness import (
    NARROW,
    assert_clean,
    main,
    open_app_page,
    screenshot,
    wait_idle,
)

ZH_TITLE = "给大脑升级的两种方法"
ZH_LAB = "检索实验室"


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
    ):
        for theme, width in (("light", 1280), ("dark", NARROW)):
            visit = open_app_page(browser, app_url, url_path, title, theme=theme, width=width)
            assert "这一页还没有中文版" not in main(visit.page).inner_text()
            screenshot(visit.page, f"zh_{url_path.split('?')[0]}_{theme}_{width}")
            assert_clean(visit)
            visit.page.context.close()
    visit = open_app_page(browser, app_url, "cost_lab?lang=zh", "成本实验室", theme="dark")
    assert "这一页还没有中文版" in main(visit.page).inner_text()
    screenshot(visit.page, "zh_cost_lab_untranslated_dark_1280")
    visit.page.context.close()
