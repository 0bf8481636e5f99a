"""AppTest of the Retrieval lab with the real small language model writing the library's
answer (brainlab/ui/lm_answer.py): a grounded question gets a generated answer citing [n]
beside the extractive check; a question the library cannot answer gets "the library does
not contain this" and is never sent; a rerun with the same question does not call the
model; the Chinese lab keeps the extractive answer and says why."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import pytest

from brainlab import lm
from brainlab import rag_answer as ra
from brainlab.ui import lm_answer
from tests.apptest import run_page
from tests.test_retrieval_lab_page import ask, plain

pytestmark = pytest.mark.model

TIMEOUT = 180  # the first generation of a question takes a few seconds on a busy machine


@pytest.fixture(scope="session")
def small_lm() -> lm.LanguageModel:
    """The process's one small language model (loaded once, 15-45 s)."""
    return lm.load_lm()


@pytest.fixture
def generated_answers(small_lm):
    """The lab writes the library's answer with the model (off in every other test)."""
    lm_answer.enable()
    yield small_lm
    lm_answer.disable()


@pytest.fixture
def at(generated_answers):
    app = run_page("retrieval_lab", timeout=TIMEOUT)
    assert not app.exception, app.exception
    return app


def rag_answer(app) -> str:
    """The library's blue box (st.info), generated or extractive."""
    return "\n".join(plain(e.value) for e in app.info if "The super library" in e.value)


def prompt_shown(app) -> str:
    return app.code[0].value  # the prompt tab is open by default


def test_a_grounded_question_gets_a_generated_answer_that_cites_its_page(at, small_lm):
    ask(at, "How much does the K220 kettle cost?")
    box = rag_answer(at)
    prompt = prompt_shown(at)
    written = lm_answer.cached(prompt)
    # The answer in the box is the model's, written from exactly the prompt the lab shows.
    assert written, "the model was not asked with the prompt the lab shows"
    assert ra.tidy(written) in box
    assert "59" in written, written
    # It cites a fetched page, or the page says plainly that it cites none (SmolLM2-135M
    # seldom writes the [n] it is asked for: benchmarks/rag_answer.py).
    if re.search(r"\[[1-3]\]", written):
        assert "⚠ Cites no page." not in box
    else:
        assert "⚠ Cites no page." in box
    # The extractive answer stays beside it as the check, and the model is named honestly.
    assert "The pages say: Price: 59 euros. [2]" in box
    # The warnings about the fetched pages stay: the K210's page ranks first, for the K220.
    assert "⚠ Left out [1]: about K210, not K220." in box
    assert box.startswith("**The super library:** ")
    # Under the stage, the honest label, with "Read more" behind it.
    label = [e for e in at.expander if "135 M-parameter model" in e.label]
    assert label and "thousands of times smaller" in label[0].label


def test_a_question_the_library_cannot_answer_is_not_sent(at, small_lm):
    ask(at, "Who won the 1998 football world cup?")
    box = rag_answer(at)
    assert "The library does not contain this" in box
    assert "Not sent to the small language model" in box
    assert lm_answer.cached(prompt_shown(at)) is None
    assert small_lm.cached(prompt_shown(at), ra.MAX_NEW_TOKENS) is None
    assert "The pages say" not in box


def test_a_rerun_with_the_same_question_does_not_call_the_model(at, small_lm, monkeypatch):
    ask(at, "How many days do I have to return a product?")
    first = rag_answer(at)
    assert "The pages say" in first

    def no_generation(*args, **kwargs):
        raise AssertionError("the model was called again for the same prompt")

    monkeypatch.setattr(small_lm, "stream", no_generation)
    at.run()
    assert not at.exception, at.exception
    assert rag_answer(at) == first


def test_a_contradicting_answer_is_flagged_on_the_page(at, small_lm, monkeypatch):
    # The real model's answer to this prompt is replaced by one with an invented price: the
    # page must say so under it, and keep the pages' own sentence as the check.
    def invented(prompt, max_new_tokens=64, adapter=None):
        yield "The K210 kettle costs 129 euros [1]."

    monkeypatch.setattr(small_lm, "stream", invented)
    monkeypatch.setattr(lm_answer, "_ANSWERS", OrderedDict())  # nothing written yet
    ask(at, "How much does the K210 kettle cost?")
    box = rag_answer(at)
    assert "The K210 kettle costs 129 euros [1]." in box
    assert "⚠ No page says 129." in box
    assert "⚠ Not the pages' price (44)." in box
    assert "The pages say: Price: 44 euros. [1]" in box


def test_the_chinese_lab_keeps_the_extractive_answer_and_says_why(generated_answers):
    app = run_page("retrieval_lab", timeout=TIMEOUT, query={"lang": "zh"})
    assert not app.exception, app.exception
    shown = "\n".join(e.value for e in app.info)
    assert "超级图书馆：附出处的回答" in shown and "页面上说" not in shown  # extractive
    # Right under the stage, the honest note of why.
    assert [e for e in app.expander if "只读得懂英文" in e.label]


def test_while_the_model_loads_the_extractive_answer_and_a_progress_line_show(monkeypatch):
    # A load that is running (held open by the test): the lab must not wait for it.
    from brainlab.preload import Loader, Step

    release = threading.Event()
    loading = Loader([Step("lm_import", lambda _: release.wait(60), 10.0)], name="test-lm")
    loading.start()
    monkeypatch.setattr(lm_answer, "_loader", lambda: loading)
    lm_answer.enable()
    try:
        app = run_page("retrieval_lab", timeout=TIMEOUT)
        assert not app.exception, app.exception
        box = rag_answer(app)
        assert "Price: 44 euros. [1]" in box  # the extractive answer, until the model is in
        assert "Loading the small language model that will write this answer" in box
        assert "The pages say" not in box
        assert loading.runs == 1 and not loading.done  # one load, still running
    finally:
        lm_answer.disable()
        release.set()
