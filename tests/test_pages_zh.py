"""Every page rendered in Chinese (AppTest, ``?lang=zh``): a translated page shows no
English sentence; a page not yet translated says so in Chinese and shows its English text
rather than breaking."""

from __future__ import annotations

import re

import pytest

from brainlab.content import CONTENT_DIR, load_site
from brainlab.references import load_references
from tests.apptest import run_page, texts

SLUGS = [spec.slug for spec in load_site(language="en")]
TRANSLATED = [s for s in SLUGS if (CONTENT_DIR / "zh" / "pages" / f"{s}.md").is_file()]
UNTRANSLATED = [s for s in SLUGS if s not in TRANSLATED]
NOTICE = "这一页还没有中文版"

#: What may stay in Latin letters inside Chinese text: Markdown and Streamlit syntax,
#: addresses and code, and names (of models, products, people and sources) and units.
_NOT_WORDS = [
    r":material/[a-z_]+:",
    r"\]\([^)]*\)",  # a link's address
    r"`[^`]*`",  # code
    r":[a-z]+-(?:background|badge)\[",
]
#: Three Latin words in a row is an English sentence left untranslated.
_ENGLISH = re.compile(r"\b[A-Za-z][a-z']+(?:[ ,;:-]+[A-Za-z][a-z']+){2,}\b")


def english_sentences(text: str) -> list[str]:
    """Runs of three or more English words in ``text`` (code, links and icons aside)."""
    for pattern in _NOT_WORDS:
        text = re.sub(pattern, " ", text)
    return _ENGLISH.findall(text)


def test_english_sentences_are_found_and_names_are_not():
    assert english_sentences("请把侧边栏切换成术语。") == []
    assert english_sentences("根据 Silas Grey 的文章，Mistral 7B 和 gpt-4o-mini") == []
    assert english_sentences("运行 `streamlit run app.py --server.address 0.0.0.0`") == []
    assert english_sentences("名称变了 The names change here") == ["The names change here"]


def _source_names() -> list[str]:
    """What the References page shows in its sources' own language: a paper's or page's
    title (where the Chinese entry keeps the English one) and its authors or publisher."""
    english = {r.id: r for r in load_references(language="en")}
    chinese = load_references(language="zh")
    kept = [r.title for r in chinese if r.title == english[r.id].title]
    return sorted([*kept, *(r.authors for r in chinese)], key=len, reverse=True)


def _shown(at) -> str:
    parts = [texts(at)]
    parts += [str(b.label) for b in at.button]
    parts += [str(r.label) + " " + " ".join(map(str, r.options)) for r in at.radio]
    parts += [str(e.label) for e in at.expander]
    return "\n".join(parts)


@pytest.mark.parametrize("slug", TRANSLATED)
def test_a_translated_page_shows_no_english_sentence(slug):
    at = run_page(slug, query={"lang": "zh"}, timeout=180)
    assert not at.exception, at.exception
    if slug == "forgetting_lab":  # its curves and tabs appear once the network is trained
        next(b for b in at.button if b.label == "训练网络，揭晓结果").click().run(timeout=300)
        assert not at.exception, at.exception
        assert "完整微调保留了" in texts(at) or "完整专科培训保留了" in texts(at)
    assert at.title[0].value == next(s.title for s in load_site(language="zh") if s.slug == slug)
    shown = _shown(at)
    assert NOTICE not in shown
    assert re.search(r"[\u4e00-\u9fff，、：；。“”（）]{20}", shown)  # a Chinese sentence
    if slug == "references":
        for name in _source_names():
            shown = shown.replace(name, " ")
    assert english_sentences(shown) == []


def test_every_page_has_its_chinese_lesson():
    """Issue 11: the whole app in Chinese. A new page without content/zh/pages/<slug>.md
    would fall back to English behind a notice: this names it."""
    assert UNTRANSLATED == []
    assert list(SLUGS) == TRANSLATED


def test_the_language_switch_turns_the_page_chinese_and_back():
    at = run_page("two_ways")
    assert "Two ways to upgrade a brain" in texts(at)
    switch = next(b for b in at.sidebar.button_group if b.label.startswith("Language"))
    switch.set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "给大脑升级的两种方法"
    assert at.query_params["lang"] == ["zh"] or at.query_params["lang"] == "zh"
    next(b for b in at.sidebar.button_group if b.label.startswith("Language")).set_value("en").run()
    assert at.title[0].value == "Two ways to upgrade a brain"


def test_the_retrieval_lab_in_chinese_searches_the_chinese_library():
    at = run_page("retrieval_lab", query={"lang": "zh"}, timeout=240)
    assert not at.exception, at.exception
    box = next(t for t in at.text_input if t.key == "retrieval_query")
    box.set_value("没用过的东西几天内可以退？").run(timeout=240)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "退货政策" in shown  # the Chinese document, found by its meaning
    assert "30 天" in shown


def test_the_risks_tab_in_chinese_plants_a_chinese_page_and_shows_no_english():
    at = run_page("retrieval_lab", query={"lang": "zh"}, timeout=240)
    assert not at.exception, at.exception
    at.session_state["retrieval_tab"] = "RAG 自身的风险"
    at.run(timeout=240)
    assert not at.exception, at.exception
    at.button_group(key="retrieval_risk_case").set_value("injection").run(timeout=240)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "退货：供应商的说明" in shown
    assert "绝不是命令" in "\n".join(e.value for e in at.info)
    assert english_sentences(shown) == []
