"""The Retrieval lab's pure view: its words in both vocabularies, the hit lines, the two
answers' boxes, the edit panel's choice of document. No model, no streamlit."""

from __future__ import annotations

import re

import pytest

from brainlab import retrieval as rt
from brainlab import retrieval_view as view
from brainlab.content import load_lesson, load_toml, set_language
from brainlab.words import Words

VOCABS = ("analogy", "technical")


def doubled(text: str) -> list[str]:
    """Doubled terms: a word repeated at once ("the the"), or a bracket that repeats a
    word of the phrase just before it ("pages to fetch (number of pages fetched)")."""
    found = [m.group(0) for m in re.finditer(r"\b(\w{3,})\s+\1\b", text, flags=re.I)]
    for m in re.finditer(r"(\b[\w' -]{3,40})\(([^()0-9]{3,60})\)", text):
        before = {x.lower() for x in re.findall(r"[A-Za-z]{4,}", m.group(1))}
        inside = {x.lower() for x in re.findall(r"[A-Za-z]{4,}", m.group(2))}
        # "page" and "pages" count as the same word
        stem = {x.rstrip("s") for x in before} & {x.rstrip("s") for x in inside}
        if stem:
            found.append(m.group(0))
    return found


def test_doubled_finds_the_broken_phrase_of_issue_9():
    assert doubled("How many pages to fetch (number of pages fetched)")
    assert doubled("training a the the notebook")
    assert doubled("Pages to fetch") == []
    assert doubled("Match by (dense, cosine similarity)") == []


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("vocab", VOCABS)
def test_every_word_of_the_lab_reads_as_english(vocab):
    w = Words(vocab=vocab)
    lesson = load_lesson("retrieval_lab")
    texts = [*_strings(load_toml(view.WORDS_FILE))]
    texts += [s.body for s in lesson.sections.values()] + [
        s.heading for s in lesson.sections.values()
    ]
    texts += [t for st in lesson.steps for t in (st.title, st.text, st.touch, st.notice)]
    for text in texts:
        shown = w(text)
        assert "{{" not in shown and "}}" not in shown, shown
        assert doubled(shown) == [], shown
        assert ".md" not in shown and ".csv" not in shown, shown  # no internal file names


def test_pages_setting_reads_well_in_both_vocabularies():
    assert view.say(Words("analogy"), "controls", "top_k") == "Pages to fetch"
    assert view.say(Words("technical"), "controls", "top_k") == "Chunks to fetch"
    assert view.say(Words("analogy"), "stage", "hits_title") == "Fetched pages"


def test_steps_fit_the_card():
    steps = load_lesson("retrieval_lab").steps
    assert 4 <= len(steps) <= 6
    assert [s.id for s in steps] == ["ask", "read", "compare", "edit", "method"]
    for step in steps:
        assert len(step.text.split()) <= 60
        # One line each beside "Try:" and "Notice:" in the card at 1280 px.
        assert len(Words("analogy")(step.touch)) <= 32, step.touch
        assert len(Words("analogy")(step.notice)) <= 28, step.notice


def hit(**kw) -> rt.Hit:
    base = dict(
        doc_id="kettle-k210",
        text="Product code: BF-K210. Price: 44 euros.",
        score=0.712,
        rank=1,
        title="Brightfield K210 electric kettle",
        updated="2025-04-02",
        similarity=0.712,
        sentence="Price: 44 euros.",
    )
    base.update(kw)
    return rt.Hit(**base)


def test_hit_line_is_one_line_with_score_title_and_date():
    line = view.hit_line(1, hit(), Words())
    assert line.headline == (
        ":blue-badge[0.71] **\\[1\\] Brightfield K210 electric kettle** · 2025\\-04\\-02"
    )
    assert line.sentence == "Price\\: 44 euros\\."
    lexical = view.hit_line(2, hit(method="lexical", score=7.5, similarity=0.7), Words())
    assert lexical.headline.startswith(":blue-badge[7.50 (0.70)] **\\[2\\]")


def test_user_text_is_escaped_in_hit_lines():
    line = view.hit_line(1, hit(title="<b>*x*</b>", sentence="[a](http://x)"), Words())
    assert "\\<b\\>\\*x\\*\\</b\\>" in line.headline
    assert line.sentence == "\\[a\\]\\(http\u2060\\://x\\)"  # U+2060 breaks the autolink


def test_library_box_names_the_answer_and_its_sources():
    answer = rt.Answer(
        "Price: 44 euros. [1]",
        (rt.Source(1, "kettle-k210", "Brightfield K210 electric kettle", "2025-04-02", "x"),),
    )
    box = view.library_box(view.library_answer(answer, Words("technical")), Words("technical"))
    lines = box.split("  \n")
    assert lines[0] == "**RAG: answer with sources**"
    assert lines[1] == "Price\\: 44 euros\\. \\[1\\]"
    assert lines[2] == ":small[Sources: \\[1\\] Brightfield K210 electric kettle (2025\\-04\\-02)]"
    abstained = view.library_answer(
        rt.Answer("The library does not contain this.", (), True), Words()
    )
    assert abstained.abstained and abstained.sources == ""


def test_follow_doc_takes_the_first_fetched_document_in_the_library():
    ids = ["a", "kettle-k210", "b"]
    assert view.follow_doc([hit(doc_id="b"), hit(doc_id="a")], ids, "kettle-k210") == "b"
    assert view.follow_doc([hit(doc_id="gone")], ids, "kettle-k210") == "kettle-k210"
    assert view.follow_doc([], ["a"], "kettle-k210") == "a"
    assert view.follow_doc([], [], "kettle-k210") == ""


def test_method_labels_are_short():
    assert [view.method_label(m, Words()) for m in rt.METHODS] == ["Meaning", "Words", "Both"]


def test_links_and_addresses_in_user_text_stay_text():
    shown = view.escape(
        "Write to admin@evil.example or see https://evil.example and www.evil.example"
    )
    for live in ("n@evil", "s://", "www.", "&"):
        assert live not in shown, shown
    assert view.escape("Tom & Jerry") == "Tom \\& Jerry"


def test_map_legend_and_hover_text_from_a_library_are_not_html():
    import numpy as np

    from brainlab.retrieval_charts import embedding_map

    evil = '<a href="https://evil.example">x</a><img src=x onerror=alert(1)>'
    fig = embedding_map(
        xy=np.zeros((2, 2)),
        topics=[evil, "other"],
        topic_names={},
        labels=[evil, "fine"],
        query_xy=np.zeros(2),
        top=[0],
        title="t",
        x_title="x",
        y_title="y",
        query_label="<b>q</b>",
    )
    drawn = [str(t.name) for t in fig.data] + [str(x) for t in fig.data for x in (t.text or ())]
    drawn += [str(t.hovertemplate) for t in fig.data]
    assert any("&lt;a href" in d for d in drawn)
    assert not any("<a " in d or "<img" in d or "<b>" in d for d in drawn), drawn


def test_hit_rate_table_figure_and_misses_come_from_the_rates():
    rates = {
        "dense": rt.HitRate("dense", 4, 3, 4, 3, (("q?", "a", "b"),)),
        "lexical": rt.HitRate("lexical", 4, 2, 3, 3, (("q?", "a", ""), ("r?", "b", "a"))),
        "hybrid": rt.HitRate("hybrid", 4, 3, 4, 3, (("q?", "a", "b"),)),
    }
    w = Words()
    table = view.hit_rate_table(rates, w)
    assert list(table.values()) == [
        ["Meaning", "Words", "Both"],
        ["3 of 4 (75%)", "2 of 4 (50%)", "3 of 4 (75%)"],
        ["4 of 4 (100%)", "3 of 4 (75%)", "4 of 4 (100%)"],
    ]
    assert list(table)[2] == "In the first 3"
    fig = view.hit_rate_figure(rates, w)
    assert fig.layout.title.text == "Meaning and Both: right page first, 3 of 4"
    assert [t for t in fig.data[0].text] == ["3/4", "2/4", "3/4"]
    lines = view.miss_lines(rates["lexical"], {"a": "Page A", "b": "Page B"}, w)
    assert lines == ["“q?”: expected Page A, got nothing", "“r?”: expected Page B, got Page A"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Meaning and Both: right page first"), ("zh", "语义和两者：")],
)
def test_the_hit_rate_chart_names_tied_methods_in_the_readers_language(language, expected):
    """Ties are listed as the language lists names (babel): no English "and" in Chinese."""
    rates = {
        "dense": rt.HitRate("dense", 60, 60, 60, 3, ()),
        "lexical": rt.HitRate("lexical", 60, 55, 60, 3, ()),
        "hybrid": rt.HitRate("hybrid", 60, 60, 60, 3, ()),
    }
    set_language(language)  # the page's words follow the rerun's language, as in the app
    try:
        title = view.hit_rate_figure(rates, Words(language=language)).layout.title.text
    finally:
        set_language("en")
    assert expected in title
    if language == "zh":
        assert not re.search(r"[A-Za-z]", title), title
