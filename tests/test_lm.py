"""The real small language model (brainlab/lm.py), loaded once for the session (lm_model):
it answers from a page in its prompt, abstains when no page says, and the shipped
specialist adapter changes its answers while applied and leaves no trace when removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brainlab import lm, lm_train, retrieval
from brainlab.retrieval import Hit

pytestmark = pytest.mark.lm

ROOT = Path(__file__).resolve().parent.parent
SPECIALIST = ROOT / "assets" / "lm" / "specialist"
DOCS = {d.id: d for d in retrieval.load_library()}


def _hits(*ids: str) -> list[Hit]:
    return [
        Hit(
            doc_id=i,
            text=DOCS[i].text,
            score=0.5,
            rank=n,
            title=DOCS[i].title,
            updated=DOCS[i].updated,
        )
        for n, i in enumerate(ids, start=1)
    ]


def test_a_grounded_question_is_answered_from_the_page(lm_model):
    question = "What is the price of the Brightfield K210?"
    prompt = retrieval.build_prompt(question, _hits("kettle-k210"))
    # The app's prompt makes the model copy the page first: 64 tokens reach the price.
    answer = lm_model.generate(prompt, 64)
    assert lm_train.says(answer, ["44"]), answer
    # The old price (39 euros, an earlier version of the page) is not in the prompt.
    assert not lm_train.says(answer, ["39"]), answer


def test_the_shipped_adapter_is_half_precision_lora_of_rank_16():
    config = json.loads((SPECIALIST / "adapter_config.json").read_text())
    assert config["r"] == 16
    size = (SPECIALIST / "adapter_model.safetensors").stat().st_size
    assert 8e6 < size < 12e6, size
    adapter = lm.Adapter.read(SPECIALIST)
    assert {str(v.dtype) for v in adapter.tensors.values()} == {"torch.float16"}


def test_the_specialist_adapter_changes_the_answer_and_removing_it_restores_the_base(lm_model):
    question = "What is the price of the Brightfield K210?"
    lm_model.clear_cache()
    base = lm_model.generate(question, 24)
    lm_model.add_adapter("test_specialist", SPECIALIST)
    try:
        special = lm_model.generate(question, 24, adapter="test_specialist")
        # The base model is still there beside the adapter.
        assert lm_model.generate(question, 24) == base
    finally:
        lm_model.remove_adapter("test_specialist")
    assert "test_specialist" not in lm_model.adapters
    assert special == "44 euros."
    assert special != base
    lm_model.clear_cache()
    assert lm_model.generate(question, 24) == base


#: An instruction after the question, the last thing the model reads before "Answer:". With
#: it the 135 M model abstains on every unanswerable prompt tried (no sources; pages about
#: other products; a question no page covers), but it ALSO abstains with the right page
#: in the prompt (K210 with its page: "The library does not say."), so the app cannot use
#: it as it is; the app's own instruction (content/answers.toml prompt_instructions) gives
#: the grounded answers but never abstains (see the strict xfail below).
ABSTAIN_TAIL = "If the sources above do not answer the question, answer: The library does not say."
UNANSWERABLE = [
    ("What is the price of the Brightfield Z77 blender?", ()),
    ("Who won the 1998 football world cup?", ()),
    ("What is the price of the Brightfield Z77 blender?", ("kettle-k210", "blender-x415")),
    ("Who is the mayor of Harbourton?", ("news-harbourton-bridge", "news-festival")),
]


def _abstains(answer: str) -> bool:
    return lm_train.says(answer, ["does not say", "does not contain"]) and not lm_train.invents(
        answer
    )


def _with_tail(prompt: str) -> str:
    words = retrieval.answer_words()
    return prompt.replace("\n" + words["answer"], "\n" + ABSTAIN_TAIL + "\n" + words["answer"])


@pytest.mark.parametrize(("question", "ids"), UNANSWERABLE)
def test_an_unanswerable_question_is_declined_when_the_last_instruction_says_how(
    lm_model, question, ids
):
    prompt = _with_tail(retrieval.build_prompt(question, _hits(*ids)))
    answer = lm_model.generate(prompt, 48)
    assert _abstains(answer), answer


@pytest.mark.xfail(
    strict=True,
    reason="measured: with the app's instruction alone the 135 M model invents an answer "
    "(Z77 with the K210 and Vortex pages: 'Price: 89 euros'); the app must not rely on the "
    "model to abstain (the retrieval check decides); when a wording fixes it, this passes",
)
def test_the_apps_instruction_alone_makes_the_model_abstain(lm_model):
    answers = [
        lm_model.generate(retrieval.build_prompt(q, _hits(*ids)), 48) for q, ids in UNANSWERABLE
    ]
    assert all(_abstains(a) for a in answers), answers
