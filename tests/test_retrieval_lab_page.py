"""AppTest of the retrieval lab with the real MiniLM: ask, read hits and prompt, edit the
library, retrain, and survive bad input."""

from __future__ import annotations

import json

import pytest

from tests.apptest import run_page, texts

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
    """The grounded answer: a success with citations, or a warning when it abstains."""
    parts = [plain(e.value) for e in (*app.success, *app.warning)]
    return "\n".join(p for p in parts if p.endswith("]") or "does not contain" in p)


def brain_answer(app) -> str:
    """The fine-tuned brain's answer (the one st.info inside its box)."""
    return "\n".join(plain(e.value) for e in app.info if "Type a question" not in e.value)


def prompt(app) -> str:
    return app.code[0].value


def test_a_question_shows_hits_answer_and_the_full_prompt(at):
    ask(at, "How many days do I have to return a product?")
    shown = texts(at)
    assert "**\\[1\\] Returns policy**" in shown
    assert "cosine similarity" in "\n".join(p.proto.text for p in at.get("progress"))
    assert "30 days" in rag_answer(at) and "[1]" in rag_answer(at)
    # The fine-tuned brain learned the policy before it changed.
    assert "14 days" in brain_answer(at)
    text = prompt(at)
    assert text.startswith("You answer questions using only the numbered sources")
    assert "[1] Returns policy (policy-returns, updated 2025-02-15)" in text
    assert text.endswith("Question: How many days do I have to return a product?\nAnswer:")
    assert "word pieces long" in shown


def test_example_chips_fill_the_question_box(at):
    at.button_group(key="retrieval_example").set_value("Exact product code").run()
    assert at.text_input(key="retrieval_query").value == "BF-X415"
    at.button_group(key="retrieval_method").set_value("lexical").run()
    assert not at.exception
    assert "**\\[1\\] Brightfield Vortex blender**" in texts(at)


def test_side_by_side_shows_the_synonym_only_dense_finds(at):
    ask(at, "I misplaced my membership pass, what should I do?")
    at.toggle(key="retrieval_compare").set_value(True).run()
    headers = [h.value for h in at.subheader]
    assert "Meaning (dense)" in headers and "Words (BM25)" in headers
    dense = [m.value for m in at.markdown if m.value.startswith("**\\[1\\]")]
    assert dense[0] == "**\\[1\\] Loyalty card**"
    assert "**\\[1\\] Loyalty card**" not in dense[1:]


def test_question_outside_the_library_abstains(at):
    ask(at, "Who won the 1998 football world cup?")
    assert "The library does not contain this" in rag_answer(at)


def edit_kettle_price(app, price: str):
    app.button_group(key="retrieval_edit_action").set_value("edit").run()
    app.selectbox(key="retrieval_edit_doc").set_value("kettle-k210").run()
    text = app.text_area(key="retrieval_form_text").value
    assert "Price: 44 euros." in text
    app.text_area(key="retrieval_form_text").set_value(text.replace("44 euros", price))
    next(b for b in app.button if b.label == "Save to the library").click().run()
    assert not app.exception, app.exception


def test_editing_a_document_changes_the_answer_but_not_the_brain_until_retrain(at):
    ask(at, "How much does the K210 kettle cost?")
    assert "44 euros" in rag_answer(at)
    assert "39 euros" in brain_answer(at)
    edit_kettle_price(at, "52 euros")
    assert "52 euros" in rag_answer(at) and "44 euros" not in rag_answer(at)
    assert "embedded" in texts(at) + rag_answer(at)
    assert "39 euros" in brain_answer(at)  # still stale
    at.button(key="retrieval_retrain").click().run()
    assert "52 euros" in brain_answer(at)
    retrained = [s.value for s in at.success if "simulated GPU-hours" in s.value]
    assert retrained and "$9.00" in retrained[0]  # 1M tokens × 3 epochs × $3 per 1M


def test_adding_a_document_answers_a_new_question(at):
    question = "How much is the Z900 robot lawn mower?"
    ask(at, question)
    assert "Z900" not in rag_answer(at)
    before = brain_answer(at)
    at.button_group(key="retrieval_edit_action").set_value("add").run()
    at.text_input(key="retrieval_form_title").set_value("Brightfield Z900 robot lawn mower")
    at.text_area(key="retrieval_form_text").set_value(
        "The Z900 robot lawn mower cuts up to 800 square metres. Product code: BF-Z900. "
        "Price: 899 euros."
    )
    next(b for b in at.button if b.label == "Save to the library").click().run()
    assert not at.exception, at.exception
    assert any("Added" in s.value and "for this document only" in s.value for s in at.success)
    assert "The Z900 robot lawn mower" in rag_answer(at)
    assert "Brightfield Z900 robot lawn mower" in texts(at)  # cited as a source
    assert brain_answer(at) == before and "Z900" not in before
    # Reset brings the original library back.
    at.button(key="retrieval_reset").click().run()
    assert "Z900" not in rag_answer(at)


def test_form_validation_and_script_shown_as_text(at):
    at.button_group(key="retrieval_edit_action").set_value("add").run()
    next(b for b in at.button if b.label == "Save to the library").click().run()
    assert any("title is required" in e.value for e in at.error)
    at.text_input(key="retrieval_form_title").set_value("<script>alert(1)</script> Kettle hack")
    at.text_area(key="retrieval_form_text").set_value(
        "<script>alert('x')</script> The kettle descaler tablet costs 3 euros."
    )
    next(b for b in at.button if b.label == "Save to the library").click().run()
    assert not at.exception
    ask(at, "kettle descaler tablet")
    shown = texts(at)
    assert "\\<script\\>alert" in shown
    assert "<script>" not in shown.replace("\\<script\\>", "")
    assert not [h for h in at.get("html") if "script" in str(h.proto)]


def test_bad_queries_give_a_message(at):
    ask(at, "")
    assert any("Type a question" in i.value for i in at.info)
    ask(at, "kettle " * 1500)
    assert any("only the first 1,000" in w.value for w in at.warning)
    assert "**\\[1\\]" in texts(at)


def test_overlap_not_smaller_than_size_is_explained(at):
    at.slider(key="retrieval_chunk_size").set_value(20).run()
    at.slider(key="retrieval_chunk_overlap").set_value(40).run()
    assert not at.exception
    assert any("must be smaller than chunk size" in w.value for w in at.warning)


def test_malformed_json_import_gives_a_clear_message(at):
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
