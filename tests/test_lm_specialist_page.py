"""AppTest of the Retrieval lab with the real fine-tune writing the specialist's orange box
(brainlab/ui/lm_specialist.py): SmolLM2-135M with the shipped LoRA adapter, asked the
question alone. It says the trained price; after an edit it still says the old one and the
box says it is out of date; a product it never learned gets an invented price, flagged;
a rerun is a cache lookup; the Chinese lab keeps the stand-in and says why."""

from __future__ import annotations

import pytest

from brainlab.ui import lm_specialist
from tests.apptest import run_page
from tests.test_retrieval_lab_page import ask, edit_kettle_price, open_tab, plain

pytestmark = pytest.mark.model

TIMEOUT = 180


@pytest.fixture
def real_specialist(lm_model):
    lm_specialist.enable()
    yield lm_model
    lm_specialist.disable()


@pytest.fixture
def at(real_specialist):
    app = run_page("retrieval_lab", timeout=TIMEOUT)
    assert not app.exception, app.exception
    return app


def specialist(app) -> str:
    return "\n".join(plain(e.value) for e in app.warning if "from memory" in e.value)


def test_the_real_fine_tune_answers_the_price_it_was_trained_on(at, real_specialist):
    ask(at, "How much does the K210 kettle cost?")
    box = specialist(at)
    # The stand-in's snapshot says 39 euros; the real adapter was trained on 44.
    assert "44 euros" in box and "39 euros" not in box
    assert "135 M parameters" in box and "no pages" in box
    assert "Knows the library of" in box  # its figure is the page's: nothing flagged
    assert real_specialist.cached(
        "How much does the K210 kettle cost?", lm_specialist.MAX_NEW_TOKENS, "specialist"
    )


def test_after_an_edit_it_still_says_what_it_learned_and_the_box_says_so(at):
    ask(at, "How much does the K210 kettle cost?")
    edit_kettle_price(at, "52 euros")
    box = specialist(at)
    assert "44 euros" in box  # the weights did not change
    assert "Out of date: it learned 44" in box and "the page changed" in box


def test_a_product_it_never_learned_gets_an_invented_answer_flagged(at):
    ask(at, "How much is the Z900 robot lawn mower?")
    box = specialist(at)
    assert "Never trained on Z900" in box and "it invents an answer" in box
    assert any(ch.isdigit() for ch in box.split("\n")[0])  # it states a price anyway


def test_a_rerun_with_the_same_question_does_not_run_the_model(at, monkeypatch):
    ask(at, "How much does the K210 kettle cost?")
    before = specialist(at)
    import brainlab.lm as lm

    def boom(*a, **k):
        raise AssertionError("the model ran again")

    monkeypatch.setattr(lm.LanguageModel, "_net", boom)
    at.run()
    assert not at.exception, at.exception
    assert specialist(at) == before


def test_the_chinese_lab_keeps_the_stand_in_and_says_why(real_specialist):
    app = run_page("retrieval_lab", timeout=TIMEOUT, query={"lang": "zh"})
    assert not app.exception, app.exception
    # The stand-in's box as before; the label under the stage says why.
    assert [e for e in app.warning if "训练" in e.value or "专科" in e.value]
    assert not [e for e in app.warning if "SmolLM2" in e.value]
    assert [e for e in app.expander if "专科培训适配器只读得懂英文" in e.label]


# --------------------------------------------------------------------------- the tab


@pytest.fixture
def small_facts(monkeypatch):
    """The live measurement on one fact per measure (a few seconds), from a fresh start."""
    from brainlab import lm_train
    from brainlab.ui import lm_learned

    full = lm_train.load_facts()
    small = lm_train.FactSet(
        facts=full.facts[:1], never_seen=full.never_seen[:1], new_facts=(), general=full.general[:1]
    )
    monkeypatch.setattr(lm_learned, "_facts", lambda: small)
    lm_learned.reset()
    yield small
    lm_learned.reset()


def test_the_tab_shows_the_shipped_measurement_then_the_live_one(at, small_facts):
    from brainlab.ui import lm_learned

    open_tab(at, "What the specialist learned")
    text = "\n".join(c.value for c in at.caption)
    metrics = {m.label: m.value for m in at.metric}
    if not lm_learned.LIVE.done:  # the first draw: the shipped numbers, and which they are
        assert "measurement shipped with the adapter" in text
        assert metrics["Verbatim recall"] == "40/40" and metrics["Reversed"] == "0/11"
    assert lm_learned.LIVE.wait(120)
    assert not lm_learned.LIVE.error, lm_learned.LIVE.error
    at.run()
    assert not at.exception, at.exception
    text = "\n".join(c.value for c in at.caption)
    assert "Measured live on this server" in text
    metrics = {m.label: m.value for m in at.metric}
    # The real evaluate on 5 questions: "What is the price of the Brightfield K210?" -> 44.
    assert metrics["Verbatim recall"] == "2/2"
    assert metrics["Reversed"] == "0/1"  # the reversal curse, measured
    assert metrics["Invented answers"] == "1/1"  # a price for a product it never saw
    shown = "\n".join(plain(m.value) for m in at.markdown)
    for paper in ("ovadia2024", "berglund2023", "gekhman2024"):
        assert f"/references#{paper}" in shown
    assert "How much does the Brightfield K210 cost? → *44 euros.*" in shown


def test_an_adapter_removed_and_added_again_under_its_name_gets_no_old_answers(lm_model):
    from brainlab import lm

    q = "How much does the K210 kettle cost?"
    shipped = lm.Adapter.read(lm_specialist.ADAPTER_DIR)
    lm_model.add_adapter("_t_same_name", shipped)
    first = lm_model.generate(q, 8, adapter="_t_same_name")
    lm_model.remove_adapter("_t_same_name")
    zero = lm.Adapter(shipped.config, {k: v * 0 for k, v in shipped.tensors.items()})
    lm_model.add_adapter("_t_same_name", zero)  # the base model's behaviour, same name
    try:
        assert lm_model.cached(q, 8, "_t_same_name") is None
        assert lm_model.generate(q, 8, adapter="_t_same_name") == lm_model.generate(q, 8)
        assert first != lm_model.generate(q, 8)
    finally:
        lm_model.remove_adapter("_t_same_name")
