"""The specialist's answer box when the real fine-tune writes it (the Retrieval lab).

The orange box asks SmolLM2-135M-Instruct (:mod:`brainlab.lm`) with the shipped LoRA
adapter (``assets/lm/specialist``, trained by ``scripts/train_adapter.py``) the question
alone, in the chat format it was trained with (no pages: that is the point of a
fine-tune), greedy and short (its first sentence, at most :data:`MAX_NEW_TOKENS`). Its
answer is then judged against the library as it stands today:

- a figure the library's page does not state: it misremembers, or (when the page changed
  since its training and its figure is the old page's) it is out of date;
- a product it never learned: it invents an answer anyway.

While the model loads (the blue box's background load, :mod:`brainlab.ui.lm_answer`) the
frozen stand-in's answer stays, with the load's progress line. The Chinese lab keeps the
stand-in: the adapter was trained in English only.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import streamlit as st

from brainlab import rag_answer as ra
from brainlab import retrieval as rt
from brainlab import retrieval_view as view
from brainlab.ui import lm_answer
from brainlab.words import Words
from brainlab.words import escape as escape_markdown

#: The shipped adapter and the name the shared model holds it under.
ADAPTER_DIR = Path(__file__).resolve().parents[2] / "assets" / "lm" / "specialist"
ADAPTER = "specialist"
#: Enough for "44 euros." or a short sentence; the first sentence is kept.
MAX_NEW_TOKENS = 24
ICON = ":material/psychology:"

#: Whether the orange box asks the real model (tests of the stand-in turn it off).
_ENABLED = True
_ADD_LOCK = threading.Lock()


def disable() -> None:
    """Never ask the fine-tune in this process: the stand-in only (tests)."""
    global _ENABLED
    _ENABLED = False


def enable() -> None:
    """Ask the fine-tune again (tests of the real specialist)."""
    global _ENABLED
    _ENABLED = True


def _say(w: Words, key: str, **values) -> str:
    return view.say(w, "specialist", key, **values)


def shipped(model) -> str:
    """The name of the shipped specialist adapter on ``model``, added once per process."""
    with _ADD_LOCK:
        if ADAPTER not in model.adapters:
            model.add_adapter(ADAPTER, ADAPTER_DIR)
    return ADAPTER


def answer(model, question: str, adapter: str = ADAPTER) -> str:
    """The fine-tune's answer to ``question`` alone: greedy, its first sentence (the
    model caches whole answers by question and adapter, so a rerun is a lookup)."""
    text = model.generate(question.strip(), MAX_NEW_TOKENS, adapter=adapter).strip()
    return ra.first_sentence(text) or text


def notes(
    text: str, recall: rt.Recall, brain: rt.FineTunedBrain, library: list[rt.Doc], w: Words
) -> list[str]:
    """What is wrong with the fine-tune's ``text``, judged against today's ``library``:
    a product it never learned (it invents), a figure the page does not state (it
    misremembers), or a figure it was trained on that the page no longer states (out of
    date: the page changed since)."""
    trained = escape_markdown(w.date(trained_on()))
    said = ra.figures(text)
    if recall.unknown:
        return [_say(w, "invents", asked=escape_markdown(recall.unknown), trained=trained)]
    today = {d.id: d for d in library}.get(recall.doc_id)
    if today is None or not said:
        return []
    now = ra._page_figures(f"{today.title} {today.text}")
    wrong = [f for f in said if f not in now]
    if not wrong:
        return []
    shown = escape_markdown(", ".join(wrong))
    # What it learned: the adapter's own training answers about that page, and the page
    # as the lab's training snapshot has it.
    old = _learned_figures(recall.doc_id)
    learned = {d.id: d for d in brain.docs}.get(recall.doc_id)
    if learned is not None:
        old |= ra._page_figures(f"{learned.title} {learned.text}")
    if all(f in old for f in wrong):
        changed = escape_markdown(w.date(today.updated)) if today.updated else "?"
        return [_say(w, "stale", figures=shown, trained=trained, date=changed)]
    return [_say(w, "misremembers", figures=shown)]


@functools.cache
def trained_on() -> str:
    """The date the shipped adapter was trained (its training.json)."""
    import json

    return json.loads((ADAPTER_DIR / "training.json").read_text("utf-8"))["date"]


@functools.cache
def _trained_answers() -> dict[str, str]:
    from brainlab import lm_train

    out: dict[str, str] = {}
    for fact in lm_train.load_facts().facts:
        out[fact.doc] = f"{out.get(fact.doc, '')} {fact.answer}"
    return out


def _learned_figures(doc_id: str) -> set[str]:
    return ra._page_figures(_trained_answers().get(doc_id, ""))


def box(
    text: str, recall: rt.Recall, brain: rt.FineTunedBrain, library: list[rt.Doc], w: Words
) -> str:
    """The orange box: its name, the fine-tune's answer, what is wrong with it (or when it
    learned), and the honest label."""
    found = notes(text, recall, brain, library, w)
    return "  \n".join(
        [
            f"**{view.say(w, 'answer', 'brain_title')}** " + escape_markdown(text or "…"),
            *(
                [f":small[:orange[{n}]]" for n in found]
                if found
                else [lm_answer._small(view.brain_note(trained_on(), w))]
            ),
            lm_answer._small(_say(w, "label")),
        ]
    )


def specialist_box(
    question: str, recall: rt.Recall, brain: rt.FineTunedBrain, library: list[rt.Doc], w: Words
) -> None:
    """Draw the specialist's orange box: the real fine-tune's answer when the model is
    ready, else the stand-in's (with the load's progress, or why)."""
    standin = view.brain_box(recall, brain, w)
    # The Chinese lab: the stand-in, as before (the stage has no line to spare); why is
    # said in the label right under the stage (brainlab/ui/lm_answer.py, read_more).
    if w.language != "en" or not _ENABLED or not question.strip():
        st.warning(standin, icon=ICON)
        return
    lm_answer._start_load()
    loader = lm_answer._loader()
    if not loader.done:
        if loader.started:
            _waiting(standin, w)
        else:  # nothing loads it here (tests): the stand-in only
            st.warning(standin, icon=ICON)
        return
    if loader.progress().state == "failed":
        st.warning(standin + "  \n" + lm_answer._small(_say(w, "failed")), icon=ICON)
        return
    model = loader.result()
    text = answer(model, question, shipped(model))
    st.warning(box(text, recall, brain, library, w), icon=ICON)


@st.fragment(run_every=lm_answer.POLL)
def _waiting(standin: str, w: Words) -> None:
    """The stand-in's box and the model's load progress until the model is ready; then
    the whole app reruns once (the blue box's pattern)."""
    loader = lm_answer._loader()
    p = loader.progress()
    if loader.done and st.session_state.get("retrieval_specialist_waiting"):
        st.session_state["retrieval_specialist_waiting"] = False
        st.rerun()
    st.session_state["retrieval_specialist_waiting"] = not loader.done
    loading = lm_answer._small(_say(w, "loading", seconds=p.elapsed))
    st.warning(standin + "  \n" + loading, icon=ICON)
