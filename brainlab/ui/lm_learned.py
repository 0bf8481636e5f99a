"""The Retrieval lab's tab "What the specialist really learned".

The shipped specialist adapter (:mod:`brainlab.ui.lm_specialist`) is asked the evaluation
set of ``content/lm_facts.toml`` (:func:`brainlab.lm_train.evaluate`): verbatim recall,
paraphrases, reversed questions, never-seen products, general knowledge. The measurement
runs once per server process in a background thread (about a minute on a busy machine,
with a progress line); until it is done the tab shows the measurement shipped in
``assets/lm/specialist/training.json``, and says which one it shows.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from brainlab import retrieval_view as view
from brainlab.ui import lm_answer, lm_specialist
from brainlab.words import Words
from brainlab.words import escape as escape_markdown

MEASURES = ("verbatim", "paraphrase", "reversed", "invented", "general")
POLL = 1.0


def _say(w: Words, key: str, **values) -> str:
    return view.say(w, "learned", key, **values)


def shipped() -> dict[str, Any]:
    """The measurement shipped with the adapter (training.json): its date and scores."""
    data = json.loads((lm_specialist.ADAPTER_DIR / "training.json").read_text("utf-8"))
    return {"date": data["date"], "eval": data["eval"], "seconds": data.get("eval_time_s")}


def _facts():
    """The evaluation set (tests put a small one here)."""
    from brainlab import lm_train

    return lm_train.load_facts()


@dataclass
class Live:
    """The process's one live measurement: its progress, then its scores (or error)."""

    started: float = 0.0
    asked: int = 0
    total: int = 0
    seconds: float = 0.0
    scores: dict[str, Any] | None = None
    error: str = ""
    thread: threading.Thread | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, model) -> None:
        with self.lock:
            if self.thread is not None:
                return
            self.started = time.monotonic()
            self.thread = threading.Thread(
                target=self._run, args=(model,), name="brainlab-specialist-eval", daemon=True
            )
            self.thread.start()

    def _run(self, model) -> None:
        from brainlab import lm_train

        try:
            facts = _facts()
            self.total = sum(len(lm_train._questions(facts, m)) for m in MEASURES)
            counting = _Counting(model, self)
            adapter = lm_specialist.shipped(model)
            scores = lm_train.evaluate(counting, adapter, facts, measures=MEASURES)
            self.scores = scores.as_dict()
        except Exception as error:  # shown on the page; the shipped measurement stays
            self.error = f"{type(error).__name__}: {error}"
        self.seconds = time.monotonic() - self.started

    @property
    def done(self) -> bool:
        return self.scores is not None or bool(self.error)

    def wait(self, timeout: float | None = None) -> bool:
        if self.thread is not None:
            self.thread.join(timeout)
        return self.done


class _Counting:
    """The model, counting the questions asked (the progress line)."""

    def __init__(self, model, live: Live) -> None:
        self._model, self._live = model, live

    def generate(self, *args, **kwargs) -> str:
        try:
            return self._model.generate(*args, **kwargs)
        finally:
            self._live.asked += 1


LIVE = Live()


def reset() -> None:
    """Forget the live measurement (tests)."""
    global LIVE
    LIVE = Live()


def learned_view(w: Words) -> None:
    """The tab: the honest label, then each measure with its score, two examples, its paper."""
    st.markdown(_say(w, "intro"))
    if w.language != "en":
        st.caption(_say(w, "english_only"))
    live = LIVE
    loader = lm_answer._loader()
    if w.language == "en" and lm_specialist._ENABLED and loader.done:
        if loader.progress().state != "failed":
            live.start(loader.result())
    elif w.language == "en" and lm_specialist._ENABLED:
        lm_answer._start_load()
    _scores(w)


@st.fragment(run_every=POLL)
def _scores(w: Words) -> None:
    live = LIVE
    ship = shipped()
    if live.scores is not None:
        scores = live.scores
        st.caption(_say(w, "shown_live", seconds=live.seconds, date=w.date(ship["date"])))
    else:
        scores = ship["eval"]
        if live.error:
            line = _say(w, "failed", error=escape_markdown(live.error))
        elif live.thread is not None:
            line = _say(
                w,
                "measuring",
                asked=live.asked,
                total=live.total or "…",
                seconds=time.monotonic() - live.started,
            )
        elif w.language == "en":
            line = _say(w, "not_started")
        else:  # the Chinese lab does not load the English model: the shipped measurement
            line = ""
        shown = _say(w, "shown_shipped", date=w.date(ship["date"]))
        st.caption(" ".join(x for x in (shown, line) if x))
        if live.thread is not None and not live.done:
            st.session_state["retrieval_learned_waiting"] = True
        elif st.session_state.pop("retrieval_learned_waiting", False):
            st.rerun(scope="fragment")
    columns = st.columns(len(MEASURES))
    for column, measure in zip(columns, MEASURES, strict=True):
        score = scores.get(measure)
        if score is None:
            continue
        with column:
            st.metric(_say(w, f"{measure}_name"), f"{score['count']}/{score['total']}")
            st.markdown(":small[" + _say(w, f"{measure}_what") + "]")
            for example in _examples(score.get("answers", [])):
                mark = "✓" if example["ok"] else "✗"
                st.markdown(
                    f":small[{mark} {escape_markdown(example['question'])} → "
                    f"*{escape_markdown(example['answer'])}*]"
                )
            st.markdown(":small[" + _say(w, f"{measure}_paper") + "]")
    st.markdown(_say(w, "scale"))


def _examples(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two examples: a right and a wrong one when there are both, else the first two."""
    right = [a for a in answers if a["ok"]]
    wrong = [a for a in answers if not a["ok"]]
    if right and wrong:
        return [right[0], wrong[0]]
    return answers[:2]
