"""The library's answer box when the small language model writes it (the Retrieval lab).

The model (:mod:`brainlab.lm`, SmolLM2-135M-Instruct) gets exactly the prompt the lab shows
and its answer streams into the box (``st.write_stream``); the checked box then replaces the
stream: the answer, what is wrong with it (:mod:`brainlab.rag_answer`), and the extractive
answer as the check. The model loads in the background from the lab's first visit (one
load per process, :func:`brainlab.lm.lm_loader`); meanwhile the box shows the extractive
answer and a progress line, and a small fragment polls the load and reruns the app once
when the model is ready.

- A cached answer is drawn whole, without the model: a rerun whose question and pages did
  not change costs a dictionary lookup.
- A question the library cannot answer (the extractive path abstains) is not sent.
- The Chinese lab keeps the extractive answer: the model reads English only in practice.

Nothing here imports transformers: :mod:`brainlab.lm` imports it in its loader's thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence

import streamlit as st

from brainlab import preload
from brainlab import rag_answer as ra
from brainlab import retrieval as rt
from brainlab import retrieval_view as view
from brainlab.words import Words

#: Whether the library's answer is generated (tests of the extractive box turn it off, in
#: tests/conftest.py; the tests of the generated answer turn it on and load the model).
_ENABLED = True
#: How often the box polls the model's background load, in seconds.
POLL = 0.5


def disable() -> None:
    """Never generate in this process: the extractive box only (tests)."""
    global _ENABLED
    _ENABLED = False


def enable() -> None:
    """Generate again (tests of the generated answer)."""
    global _ENABLED
    _ENABLED = True


def _say(w: Words, key: str, **values) -> str:
    return view.say(w, "generated", key, **values)


def _small(text: str) -> str:
    return f":small[{text}]"


def _loader():
    from brainlab import lm  # light: transformers is imported in the loader's thread

    return lm.lm_loader()


def _start_load() -> None:
    """Start the model's background load (once per process). Not where background loads
    are switched off (tests: they load the model themselves, or never)."""
    if preload._BACKGROUND:  # the same switch as the embedding model's preload
        _loader().start()


def library_box(
    question: str, hits: Sequence[rt.Hit], grounded: rt.Answer, shown: view.LibraryAnswer, w: Words
) -> None:
    """Draw the library's blue box: generated when the model is ready, else extractive."""
    extractive = view.library_box(shown, w)
    if w.language != "en":
        # The extractive answer, as before (the stage has no line to spare); why it is not
        # generated here is the label right under the stage (read_more).
        st.info(extractive, icon=ICON)
        return
    if not _ENABLED:
        st.info(extractive, icon=ICON)
        return
    if not ra.should_generate(question, grounded):
        line = _small(_say(w, "not_asked")) if question.strip() else ""
        st.info("  \n".join(x for x in (extractive, line) if x), icon=ICON)
        return
    _start_load()
    loader = _loader()
    if not loader.done:
        if loader.started:
            _waiting(extractive, w)
        else:  # nothing loads it here (tests): the extractive box only
            st.info(extractive, icon=ICON)
        return
    if loader.progress().state == "failed":
        st.info(extractive + "  \n" + _small(_say(w, "failed")), icon=ICON)
        return
    generated(question, hits, grounded, w, shown.notes)


ICON = ":material/local_library:"


def generated(
    question: str,
    hits: Sequence[rt.Hit],
    grounded: rt.Answer,
    w: Words,
    page_notes: Sequence[str] = (),
) -> str:
    """The model's answer to the lab's prompt: streamed the first time, then checked and
    drawn whole (from :func:`cached` on every later rerun). Returns the answer."""
    prompt = rt.build_prompt(question, hits)
    text = cached(prompt)
    slot = st.empty()
    if text is None:
        model = _loader().result()
        with slot.container():
            st.info(f"**{_say(w, 'gen_title')}**  \n" + _small(_say(w, "label")), icon=ICON)
            written: list[str] = []
            pieces = _first_sentence(model.stream(prompt, ra.MAX_NEW_TOKENS), written)
            with contextlib.closing(ra.escaped_stream(pieces)) as stream:
                st.write_stream(stream, cursor="▌")
        text = "".join(written).strip()
        _remember(prompt, text)
    result = ra.check(text, hits, grounded, question)
    slot.info(ra.box(text, result, grounded, len(hits), w, page_notes), icon=ICON)
    return text


#: The answers written so far in this process, by prompt. The model's own cache keeps only
#: answers it finished; the lab stops it after the first sentence, so it keeps its own.
_ANSWERS: OrderedDict[str, str] = OrderedDict()
_ANSWERS_LOCK = threading.Lock()
CACHE_SIZE = 1024


def cached(prompt: str) -> str | None:
    """The library's answer already written for ``prompt`` in this process, else None."""
    with _ANSWERS_LOCK:
        return _ANSWERS.get(prompt)


def _remember(prompt: str, text: str) -> None:
    with _ANSWERS_LOCK:
        _ANSWERS[prompt] = text
        _ANSWERS.move_to_end(prompt)
        while len(_ANSWERS) > CACHE_SIZE:
            _ANSWERS.popitem(last=False)


def _first_sentence(pieces: Iterator[str], written: list[str]) -> Iterator[str]:
    """The model's pieces up to the end of its first sentence (:func:`brainlab.rag_answer.
    first_sentence`), each also kept in ``written``; then the model's stream is closed,
    which releases the model at once (so does closing this iterator)."""
    try:
        so_far = ""
        for piece in pieces:
            so_far += piece
            done = ra.first_sentence(so_far)
            if done is None:
                written.append(piece)
                yield piece
                continue
            # Only what the first sentence adds beyond what is already shown.
            shown = "".join(written).lstrip()
            rest = done[len(shown) :] if done.startswith(shown) else ""
            if rest:
                written.append(rest)
                yield rest
            return
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


@st.fragment(run_every=POLL)
def _waiting(extractive: str, w: Words) -> None:
    """The extractive box and the model's load progress, redrawn every :data:`POLL`
    seconds until the model is ready; then the whole app reruns once to write the answer."""
    loader = _loader()
    p = loader.progress()
    if loader.done and st.session_state.get("retrieval_lm_waiting"):
        st.session_state["retrieval_lm_waiting"] = False
        st.rerun()
    st.session_state["retrieval_lm_waiting"] = not loader.done
    line = _say(w, "loading", seconds=p.elapsed)
    st.info(extractive + "  \n" + _small(line), icon=ICON)


def read_more(w: Words) -> None:
    """The honest label of the model that writes the library's answer, with "Read more"
    behind it: what it is, how small, how it fails, and how the page checks it."""
    # In Chinese the label says why the answer is copied from the pages: the model reads
    # English only in practice.
    label = _say(w, "label") if w.language == "en" else _say(w, "english_only")
    with st.expander(label, icon=":material/info:"):
        st.markdown(_say(w, "more", tokens=ra.MAX_NEW_TOKENS))
