"""AppTest of the retrieval lab with the real MiniLM: ask, read the fetched chunks and the two
answers, edit the library in the panel beside them, retrain, step through the lesson, use the
tabs below the stage, and survive bad input."""

from __future__ import annotations

import json

import pytest

from brainlab import retrieval as rt
from brainlab.content import load_lesson
from tests.apptest import run_page, texts
from tests.test_retrieval_view import doubled

pytestmark = pytest.mark.model

# The first run in a process loads the model (several seconds); later runs reuse it.
TIMEOUT = 90


@pytest.fixture
def at():
    app = run_page("retrieval_lab", timeout=TIMEOUT)
    assert not app.exception, app.exception
    return app


def ask(app, question):
    app.text_input(key="retrieval_query").set_value(question).run()
    assert not app.exception, app.exception
    return app


def plain(markdown: str) -> str:
    """User text is shown backslash-escaped; tests compare the words."""
    return markdown.replace("\\", "")


def rag_answer(app) -> str:
    """The library's answer box (blue, st.info): its name, the answer, the sources."""
    return "\n".join(plain(e.value) for e in app.info if "answer with sources" in e.value)


def brain_answer(app) -> str:
    """The specialist's answer box (st.warning): its name, its answer from memory."""
    return "\n".join(plain(e.value) for e in app.warning if "from memory" in e.value)


def open_tab(app, label: str):
    app.session_state["retrieval_tab"] = label
    app.run()
    assert not app.exception, app.exception
    return app


def save(app):
    app.button(key="retrieval_save").click().run()
    assert not app.exception, app.exception


def test_a_question_shows_hits_both_answers_and_the_full_prompt(at):
    ask(at, "How many days do I have to return a product?")
    shown = texts(at)
    assert "**\\[1\\] Returns policy**" in shown
    assert "30 days" in rag_answer(at) and "[1]" in rag_answer(at)
    assert "Sources: [1] Returns policy (2025-02-15)" in rag_answer(at)
    # The fine-tuned brain learned the policy before it changed.
    assert "14 days" in brain_answer(at)
    prompt = at.code[0].value  # the prompt tab is open by default
    assert prompt.startswith("You answer questions using only the numbered sources")
    assert "[1] Returns policy (policy-returns, updated 2025-02-15)" in prompt
    assert prompt.endswith("Question: How many days do I have to return a product?\nAnswer:")
    assert "word pieces long" in shown


def test_example_box_fills_the_question_and_the_method_changes_the_ranking(at):
    at.selectbox(key="retrieval_example").set_value("Product code").run()
    assert at.text_input(key="retrieval_query").value == "BF-X415"
    assert "**\\[1\\] Brightfield Home catalogue overview**" in texts(at)
    at.button_group(key="retrieval_method").set_value("lexical").run()
    assert not at.exception
    assert "**\\[1\\] Brightfield Vortex blender**" in texts(at)


def test_the_pages_setting_fetches_that_many(at):
    assert at.slider(key="retrieval_top_k").label == "Pages to fetch"
    at.slider(key="retrieval_top_k").set_value(5).run()
    assert not at.exception
    assert "**\\[5\\]" in texts(at) and "**\\[6\\]" not in texts(at)


def test_steps_forward_and_back_through_all_steps(at):
    steps = load_lesson("retrieval_lab").steps
    assert 4 <= len(steps) <= 6
    for n, step in enumerate(steps, start=1):
        assert f"Step {n} of {len(steps)} · {step.title}" in texts(at)
        if step.id == "edit":  # arriving here opens the edit panel's tab
            assert at.session_state["retrieval_slot"] == "Edit the library"
        if n < len(steps):
            at.button(key="retrieval_lab_step_next").click().run()
            assert not at.exception, at.exception
    assert at.session_state["retrieval_slot"] == "Fetched pages"
    for n in range(len(steps), 1, -1):
        at.button(key="retrieval_lab_step_back").click().run()
        assert not at.exception, at.exception
        assert f"Step {n - 1} of {len(steps)}" in texts(at)
    assert at.session_state["retrieval_lab_step"] == 1


def test_meaning_vs_words_tab_shows_the_synonym_only_dense_finds(at):
    ask(at, "I misplaced my membership pass, what should I do?")
    open_tab(at, "Meaning vs words")
    headers = [h.value for h in at.subheader]
    assert "Meaning (dense)" in headers and "Words (BM25)" in headers
    firsts = [m.value for m in at.markdown if m.value.startswith("**\\[1\\]")]
    assert firsts[0] == "**\\[1\\] Loyalty card**"
    assert "**\\[1\\] Loyalty card**" not in firsts[1:]


def test_question_outside_the_library_abstains(at):
    ask(at, "Who won the 1998 football world cup?")
    assert "The library does not contain this" in rag_answer(at)


def edit_kettle_price(app, price: str):
    # The panel follows the first fetched chunk: the kettle's own document.
    assert app.selectbox(key="retrieval_edit_doc").value == "kettle-k210"
    text = app.text_area(key="retrieval_form_text").value
    assert "Price: 44 euros." in text
    app.text_area(key="retrieval_form_text").set_value(text.replace("44 euros", price))
    save(app)


def test_editing_a_document_changes_the_answer_but_not_the_brain_until_retrain(at):
    ask(at, "How much does the K210 kettle cost?")
    assert "44 euros" in rag_answer(at)
    assert "39 euros" in brain_answer(at)
    edit_kettle_price(at, "52 euros")
    assert "52 euros" in rag_answer(at) and "44 euros" not in rag_answer(at)
    assert any("Saved" in c.value and "texts embedded" in c.value for c in at.caption)
    assert "39 euros" in brain_answer(at)  # still stale
    at.button(key="retrieval_retrain").click().run()
    assert "52 euros" in brain_answer(at)
    toasts = [t.value for t in at.toast if "simulated GPU-hours" in t.value]
    assert toasts and "$9.00" in toasts[0]  # 1M tokens × 3 epochs × $3 per 1M


def test_adding_a_document_answers_a_new_question(at):
    ask(at, "How much is the Z900 robot lawn mower?")
    # No page is about the Z900: the library says so instead of quoting another product.
    assert "No fetched page is about Z900" in rag_answer(at)
    assert "Sources:" not in rag_answer(at)
    before = brain_answer(at)
    assert "Not in its training (2025-01-31): it learned no page on Z900" in before
    at.selectbox(key="retrieval_edit_doc").set_value("__new__").run()
    at.text_input(key="retrieval_form_title").set_value("Brightfield Z900 robot lawn mower")
    at.text_area(key="retrieval_form_text").set_value(
        "The Z900 robot lawn mower cuts up to 800 square metres. Product code: BF-Z900. "
        "Price: 899 euros."
    )
    save(at)
    assert any("Added" in c.value and "for this document only" in c.value for c in at.caption)
    # "How much": the page's sentence carrying the amount is the answer.
    assert "Price: 899 euros. [1]" in rag_answer(at)
    assert "Brightfield Z900 robot lawn mower" in rag_answer(at)  # cited as a source
    assert "No fetched page" not in rag_answer(at)
    # The brain's sentence is unchanged: it still never learned the Z900.
    assert brain_answer(at).split("\n")[1] == before.split("\n")[1]
    assert "Not in its training" in brain_answer(at)
    # Reset (in the tab of the whole library) brings the original library back.
    open_tab(at, "The whole library")
    at.button(key="retrieval_reset").click().run()
    assert "No fetched page is about Z900" in rag_answer(at)
    assert "899 euros" not in rag_answer(at)


def test_validation_and_script_shown_as_text(at):
    at.selectbox(key="retrieval_edit_doc").set_value("__new__").run()
    save(at)
    assert any("title is required" in c.value for c in at.caption)
    at.text_input(key="retrieval_form_title").set_value("<script>alert(1)</script> Kettle hack")
    at.text_area(key="retrieval_form_text").set_value(
        "<script>alert('x')</script> The kettle descaler tablet costs 3 euros."
    )
    save(at)
    ask(at, "kettle descaler tablet")
    shown = texts(at) + "\n".join(e.value for e in at.info)
    assert "\\<script\\>" in shown
    assert "<script>" not in shown.replace("\\<script\\>", "")
    assert not [h for h in at.get("html") if "script" in str(h.proto)]


def test_bad_queries_give_a_message(at):
    ask(at, "")
    assert any("Type a question" in i.value for i in at.info)
    ask(at, "kettle " * 1500)
    assert any("only the first 1,000" in w.value for w in at.warning)
    assert "**\\[1\\]" in texts(at)


def test_overlap_not_smaller_than_size_is_explained(at):
    open_tab(at, "How documents are cut")
    at.slider(key="retrieval_chunk_size").set_value(20).run()
    at.slider(key="retrieval_chunk_overlap").set_value(40).run()
    assert not at.exception
    assert any("must be smaller than chunk size" in w.value for w in at.warning)


def test_chunking_holds_while_its_tab_is_closed(at):
    open_tab(at, "How documents are cut")
    at.slider(key="retrieval_chunk_size").set_value(30).run()
    open_tab(at, "Map")
    assert at.get("plotly_chart")
    assert at.session_state["retrieval_lab_state"].retriever.chunk_size == 30


def test_malformed_json_import_gives_a_clear_message(at):
    open_tab(at, "The whole library")
    uploader = at.get("file_uploader")[0]
    uploader.set_value(("broken.json", b"{not json", "application/json")).run()
    assert not at.exception
    assert any(
        "Could not import broken.json: The file is not valid JSON" in plain(e.value)
        for e in at.error
    )
    good = json.dumps([{"id": "only", "title": "Only doc", "text": "Just one document."}])
    at.get("file_uploader")[0].set_value(("lib.json", good.encode(), "application/json")).run()
    assert any("Imported 1 documents" in s.value for s in at.success)
    assert "The library holds 1 documents" in texts(at)


@pytest.mark.parametrize("vocab", ["Analogy", "Technical"])
def test_the_stage_reads_as_english_in_both_vocabularies(vocab):
    app = run_page("retrieval_lab", timeout=TIMEOUT, query={"vocab": vocab})
    assert not app.exception, app.exception
    labels = " ".join(x.label for x in (*app.slider, *app.text_input, *app.selectbox))
    shown = texts(app) + " " + labels + " ".join(e.value for e in (*app.info, *app.warning))
    assert "{{" not in shown and "}}" not in shown
    assert "(number of pages fetched)" not in shown
    assert doubled(shown) == []


@pytest.mark.parametrize(
    "text",
    ["A lone surrogate \ud800 here.", "A NUL \x00 byte.", "Clear text."],
)
def test_invalid_text_is_refused_at_import(at, text):
    open_tab(at, "The whole library")
    payload = json.dumps([{"id": "bad", "title": "Bad doc", "text": text}], ensure_ascii=True)
    at.get("file_uploader")[0].set_value(("bad.json", payload.encode(), "application/json")).run()
    assert not at.exception, at.exception
    if text == "Clear text.":
        assert any("Imported 1 documents" in s.value for s in at.success)
        return
    assert any(
        "Could not import bad.json" in plain(e.value) and "invalid character" in plain(e.value)
        for e in at.error
    )
    assert "The library holds 1 documents" not in texts(at)


def test_a_library_that_cannot_be_indexed_still_offers_reset_and_import(at):
    ask(at, "How much does the K210 kettle cost?")
    open_tab(at, "The whole library")
    from brainlab import retrieval as rt

    state = at.session_state["retrieval_lab_state"]
    # A document that slipped past the import check (as a lone surrogate once did): the
    # index cannot be built from it.
    state.library = [rt.Doc("bad", "Bad", "broken \ud800 text")]
    state.retriever = None
    at.run()
    assert not at.exception, at.exception
    assert any("This library cannot be searched" in e.value for e in at.error)
    assert at.get("file_uploader"), "the import must be drawn"
    at.button(key="retrieval_reset").click().run()
    assert not at.exception, at.exception
    assert not any("cannot be searched" in e.value for e in at.error)
    assert "K210" in rag_answer(at)


def fetched(app) -> list[str]:
    """The fetched chunks' lines on the stage, in order."""
    return [m.value for m in app.markdown if "** · " in m.value and "**\\[" in m.value]


def test_a_shared_link_reproduces_the_question_settings_and_fetched_pages(at):
    question = "How many days do I have to return a product?"
    ask(at, question)
    at.button_group(key="retrieval_method").set_value("lexical").run()
    at.slider(key="retrieval_top_k").set_value(5).run()
    open_tab(at, "How documents are cut")
    at.slider(key="retrieval_chunk_size").set_value(40).run()
    at.slider(key="retrieval_chunk_overlap").set_value(10).run()
    open_tab(at, "Map")  # the chunking tab closed: the lab keeps its values
    pages, answer = fetched(at), rag_answer(at)
    assert len(pages) == 5
    # What the bound controls put in the address bar (Streamlit writes a segmented
    # control's option by its label), opened in a new session:
    link = {
        "retrieval_query": question,
        "retrieval_method": "Words",
        "retrieval_top_k": "5",
        "retrieval_chunk_size": "40",
        "retrieval_chunk_overlap": "10",
    }
    shared = run_page("retrieval_lab", timeout=TIMEOUT, query=link)
    assert not shared.exception, shared.exception
    assert shared.text_input(key="retrieval_query").value == question
    assert shared.button_group(key="retrieval_method").value == "lexical"
    assert shared.slider(key="retrieval_top_k").value == 5
    index = shared.session_state["retrieval_lab_state"].retriever
    assert (index.chunk_size, index.chunk_overlap) == (40, 10)
    assert fetched(shared) == pages
    assert rag_answer(shared) == answer
    open_tab(shared, "How documents are cut")
    assert shared.slider(key="retrieval_chunk_size").value == 40
    assert shared.slider(key="retrieval_chunk_overlap").value == 10
    # A new session with no link asks the lesson's first question at the defaults.
    fresh = run_page("retrieval_lab", timeout=TIMEOUT)
    assert fetched(fresh) != pages
    assert fresh.text_input(key="retrieval_query").value == "How much does the K210 kettle cost?"


@pytest.mark.parametrize("raw", ["inf", "-inf", "nan", "1e999", "forty"])
def test_a_crafted_link_with_a_number_that_is_not_one_is_ignored(raw):
    """?retrieval_chunk_size=inf crashed the lab (int(inf)); such values now fall back to
    the lab's own, as a word does."""
    link = {"retrieval_chunk_size": raw, "retrieval_chunk_overlap": raw, "retrieval_min_sim": raw}
    at = run_page("retrieval_lab", timeout=TIMEOUT, query=link)
    assert not at.exception, at.exception
    index = at.session_state["retrieval_lab_state"].retriever
    assert (index.chunk_size, index.chunk_overlap) == (
        rt.DEFAULT_CHUNK_SIZE,
        rt.DEFAULT_CHUNK_OVERLAP,
    )


def test_a_page_about_another_product_is_flagged_and_the_stale_brain_marked(at):
    ask(at, "How much does the K220 kettle cost?")
    # Dense search ranks the K210's page first; the answer quotes the K220's and says why.
    assert "Price: 59 euros. [2]" in rag_answer(at)
    assert "44 euros" not in rag_answer(at)
    assert "⚠ Left out [1]: about K210, not K220." in rag_answer(at)
    ask(at, "How much does the K300 cost?")
    assert "No fetched page is about K300" in rag_answer(at)
    at.selectbox(key="retrieval_edit_doc").set_value("__new__").run()
    at.text_input(key="retrieval_form_title").set_value("Brightfield K300 kettle")
    at.text_area(key="retrieval_form_text").set_value(
        "The K300 is a 1.8 litre smart kettle. Product code: BF-K300. Price: 79 euros."
    )
    save(at)
    assert "Price: 79 euros. [1]" in rag_answer(at)
    assert "49 euros" not in rag_answer(at) and "⚠" not in rag_answer(at)
    brain = brain_answer(at)
    assert "Not in its training (2025-01-31): it learned no page on K300" in brain
    assert "Out of date" in brain


def test_the_hit_rate_tab_shows_each_method_measured_on_the_evaluation_set(at):
    from brainlab import retrieval as rt

    open_tab(at, "Hit rates")
    table = at.dataframe[0].value  # the only table in this tab
    assert list(table.iloc[:, 0]) == ["Meaning", "Words", "Both"]
    # The same numbers the real retriever gives now (not a copy of them).
    rates = rt.hit_rates(rt.Retriever(rt.load_library()), k=3)
    n = len(rt.load_eval_set())
    for row, method in zip(table.itertuples(index=False), rt.METHODS, strict=True):
        assert row[1].startswith(f"{rates[method].top1} of {n} (")
        assert row[2].startswith(f"{rates[method].top_k} of {n} (")
    assert any("content/retrieval_eval.toml" in c.value for c in at.caption)
    assert any("Questions where the first page was wrong (Words)" in e.label for e in at.expander)
