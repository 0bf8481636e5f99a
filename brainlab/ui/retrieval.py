"""Widgets and layout of the Retrieval lab: the stage, its controls, the tabs below it.

The words and the figure come from :mod:`brainlab.retrieval_view` (pure, unit-tested); the
core is :mod:`brainlab.retrieval`. This module gathers inputs, keeps each session's lab (one
:class:`Lab`), and draws. The stage is one fragment: the title, the question, the main
settings and the step card on the left; the fetched chunks, the two answers and the
"Edit the library" panel on the right; the working (prompt, comparison, map, chunking, the
whole library, retraining, a real LLM) in tabs below. A control reruns the stage alone.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import streamlit as st

from brainlab import content, preload
from brainlab import retrieval as rt
from brainlab import retrieval_view as view
from brainlab.content import Lesson
from brainlab.embeddings import MAX_WORD_PIECES, shared_encoder
from brainlab.ui import lm_answer, lm_learned, lm_specialist, workspace
from brainlab.ui.context import locked
from brainlab.ui.context import words as reader_words
from brainlab.ui.stage import stepper
from brainlab.ui.uploads import size_mb, too_big
from brainlab.ui.widgets import chart, page_header
from brainlab.words import Words

STATE = "retrieval_lab_state"
#: The stage panel's choice that means "add a new document".
NEW_DOC = "__new__"
#: The document the edit panel shows before anything was asked (the lesson's example).
DEFAULT_DOC = "kettle-k210"
#: The lesson's first question, in the box when the page opens.
FIRST_QUESTION = "How much does the K210 kettle cost?"
MIN_SIM = 0.30
#: multilingual e5 puts every pair of texts closer (its cosines bunch between 0.7 and 1):
#: on the Chinese library, every labelled question's best chunk scores 0.88 or more and
#: questions it cannot answer score 0.82-0.87 (measured with /tmp probes, 2026-12-02).
MIN_SIM_BY_LANGUAGE = {"en": MIN_SIM, "zh": 0.86}
#: Height of the slot holding the fetched chunks or the edit panel, in pixels: fixed, so
#: the answers under it stay where they are when the reader switches between the two.
SLOT_HEIGHT = 240
SLOT_KEY = "retrieval_slot"
#: Largest library file, in MB: 300 documents of 5,000 characters are ~1.6 MB of JSON.
LIBRARY_MB = 2

# The escape of user text lives in the pure view module; kept here under its old name.
escape = view.escape


def words(section: str) -> dict[str, Any]:
    """One table of content/retrieval_lab.toml."""
    return view.page_words(section)


def say(text: str, **values: Any) -> str:
    """Put in the reader's vocabulary for ``{{term}}``, then the ``{name}`` values."""
    out = reader_words()(text)
    return out.format(**values) if values else out


# --------------------------------------------------------------------------- session state


@dataclass
class Lab:
    """One session's lab: its library, its index, its fine-tuned brain, its settings that
    live below the stage (kept here, so they survive while their tab is closed), and the
    messages callbacks leave for the next run."""

    library: list[rt.Doc]
    brain: rt.FineTunedBrain
    retriever: rt.Retriever | None = None
    notices: list[tuple[str, str, str]] = field(default_factory=list)
    spent_dollars: float = 0.0
    spent_hours: float = 0.0
    min_sim: float = MIN_SIM
    chunk_size: int = rt.DEFAULT_CHUNK_SIZE
    chunk_overlap: int = rt.DEFAULT_CHUNK_OVERLAP
    #: Whether the edit panel follows the first fetched chunk (until the reader picks).
    follow: bool = True
    #: The step the stage was last drawn for.
    step: str = ""
    #: Whether a shared link's chunking has been read (once per session).
    url_read: bool = False
    #: An imported library waiting to be indexed (under a progress bar with a cancel
    #: button), and its file name, escaped; the current library stays until it is ready.
    pending: list[rt.Doc] | None = None
    pending_name: str = ""
    #: The library's language: "en", or "zh" (the Chinese library, searched in Chinese).
    language: str = "en"


def _language() -> str:
    return reader_words().language


def _state_key() -> str:
    # One lab per language: switching to Chinese and back keeps the English lab's edits.
    language = _language()
    return STATE if language == "en" else f"{STATE}_{language}"


def _fresh_lab() -> Lab:
    language = _language()
    path = rt.library_path(language)
    date = rt.training_date(path)
    brain = rt.FineTunedBrain.train(
        rt.library_at(date, path), date, encoder=shared_encoder(language), language=language
    )
    size, overlap = rt.default_chunking(language)
    return Lab(
        library=rt.load_library(path),
        brain=brain,
        chunk_size=size,
        chunk_overlap=overlap,
        min_sim=MIN_SIM_BY_LANGUAGE.get(language, MIN_SIM),
        language=language,
    )


def lab() -> Lab:
    """This session's lab, created on first use (needs the model: call under a status):
    from the reader's workspace when it holds one, else fresh (one lab per language)."""
    if _state_key() not in st.session_state:
        st.session_state[_state_key()] = _restored_lab() or _fresh_lab()
    return st.session_state[_state_key()]


#: The workspace's name for this lab's work (brainlab/ui/workspace.py).
SAVED = "retrieval"


def _saved_key() -> str:
    # The Chinese lab's work is kept apart from the English one's, as in the session.
    language = _language()
    return SAVED if language == "en" else f"{SAVED}_{language}"


def _snapshot(current: Lab) -> dict[str, Any]:
    """What the workspace keeps of the lab: the library, the brain's snapshot, the settings."""
    return {
        "library": [asdict(d) for d in current.library],
        "brain": {
            "trained_on": current.brain.trained_on,
            "docs": [asdict(d) for d in current.brain.docs],
        },
        "spent_dollars": current.spent_dollars,
        "spent_hours": current.spent_hours,
        "min_sim": current.min_sim,
        "chunk_size": current.chunk_size,
        "chunk_overlap": current.chunk_overlap,
    }


def _restored_lab() -> Lab | None:
    saved = workspace.load(_saved_key())
    if not isinstance(saved, dict):
        return None
    try:
        library = [rt.Doc(**d) for d in saved["library"]]
        brain_docs = [rt.Doc(**d) for d in saved["brain"]["docs"]]
        language = _language()
        brain = rt.FineTunedBrain.train(
            brain_docs,
            str(saved["brain"]["trained_on"]),
            encoder=shared_encoder(language),
            language=language,
        )
        return Lab(
            library=library,
            brain=brain,
            spent_dollars=float(saved["spent_dollars"]),
            spent_hours=float(saved["spent_hours"]),
            min_sim=float(saved["min_sim"]),
            chunk_size=int(saved["chunk_size"]),
            chunk_overlap=int(saved["chunk_overlap"]),
            language=language,
        )
    except (KeyError, TypeError, ValueError):
        return None  # an unreadable save: start fresh (the stored value is kept)


def load_model() -> None:
    """Load the model and this session's lab under a visible status, after the lesson's
    text has painted. The model comes from the background load app.py started
    (:mod:`brainlab.preload`); while that still runs, a progress bar shows its step. It is
    never loaded a second time, and the status goes away once the lab is ready, so it never
    pushes the stage down."""
    if _state_key() in st.session_state:
        return
    w = words("loading")
    if _language() != "en":
        # Chinese reads with multilingual e5 (no torch): no background load to wait for.
        holder = st.empty()
        with holder.status(say(w["running"])):
            lab()
        holder.empty()
        return
    loader = preload.embedding_loader()
    loading = not loader.wait(timeout=0)  # starts the load if app.py has not
    if not loading and loader.progress().state == "ready":
        # The model is in memory and the library's embeddings are shared: building this
        # session's lab takes a few milliseconds, not worth a status (whose closing pauses
        # the run for 50 ms) and its two messages.
        lab()
        return
    holder = st.empty()
    with holder.status(say(w["running"]), expanded=loading):
        if loading:
            bar = st.progress(0.0)
            while not loader.wait(timeout=0.25):
                p = loader.progress()
                what = say(w["steps"][p.step])
                text = say(
                    w["progress"], number=p.number, steps=p.steps, what=what, seconds=p.elapsed
                )
                bar.progress(p.fraction, text=text)
            bar.empty()
        if loader.progress().state == "failed":
            st.caption(say(w["failed"]))  # lab() below loads it again, and shows its error
        lab()
    holder.empty()


def notice(kind: str, text: str, where: str = "update") -> None:
    lab().notices.append((where, kind, text))


def show_notices(where: str) -> None:
    """Messages left by callbacks (saves, imports, retraining) for one place, shown once."""
    current = lab()
    for place, kind, text in current.notices:
        if place == where:
            if kind == "toast":
                st.toast(text, icon=":material/model_training:")
            elif where == "panel":  # one short line in the panel, not a box
                icon = ":material/check_circle:" if kind == "success" else ":material/error:"
                st.caption(f"{icon} {text}")
            else:
                getattr(st, kind)(text)
    current.notices = [n for n in current.notices if n[0] != where]


# --------------------------------------------------------------------------- controls


@dataclass(frozen=True)
class Settings:
    """The retrieval controls' values."""

    top_k: int
    method: str
    min_sim: float
    chunk_size: int
    chunk_overlap: int


def _pick_example() -> None:
    choice = st.session_state.get("retrieval_example")
    for ex in view.examples():
        if ex["label"] == choice:
            st.session_state["retrieval_query"] = ex["question"]
    st.session_state["retrieval_example"] = None


def query_box(w: Words) -> str:
    """The question box; returns the (checked) question."""
    q = words("query")
    question = st.text_input(
        q["label"],
        q.get("first", FIRST_QUESTION),
        key="retrieval_query",
        bind="query-params",  # a shared link asks the same question
        disabled=locked("retrieval_query"),  # a teacher's lesson may lock it
        placeholder=q["placeholder"],
        help=q["help"],
        icon=":material/search:",
    )
    question = question or ""
    if len(question) > rt.MAX_QUESTION_CHARS:
        st.warning(view.say(w, "query", "too_long", n=len(question), max=rt.MAX_QUESTION_CHARS))
        question = question[: rt.MAX_QUESTION_CHARS]
    if not question.strip():
        st.info(view.say(w, "query", "empty"))
    return question.strip()


def example_box(w: Words) -> None:
    """The example questions in one compact drop-down box; a choice fills the question."""
    st.selectbox(
        view.say(w, "stage", "examples"),
        [ex["label"] for ex in view.examples()],
        index=None,
        placeholder=view.say(w, "stage", "examples"),
        key="retrieval_example",
        on_change=_pick_example,
        disabled=locked("retrieval_query"),
        help=view.say(w, "stage", "examples_help"),
        label_visibility="collapsed",
    )


def main_settings(w: Words) -> tuple[str, int]:
    """The two settings on the stage, side by side: how to match, how many chunks."""
    c = words("controls")
    # The three methods need about 230 px at 1280 wide; the slider takes the rest.
    how, many = st.columns([5, 4], gap="small")
    method = how.segmented_control(
        view.say(w, "controls", "method"),
        list(rt.METHODS),
        default="dense",
        required=True,
        format_func=lambda m: view.method_label(m, w),
        key="retrieval_method",
        help=c["method_help"],
        bind="query-params",
        disabled=locked("retrieval_method"),
    )
    top_k = many.slider(
        view.say(w, "controls", "top_k"),
        1,
        10,
        3,
        key="retrieval_top_k",
        help=c["top_k_help"],
        bind="query-params",
        disabled=locked("retrieval_top_k"),
    )
    return method or "dense", int(top_k)


def _keep(name: str, key: str) -> None:
    setattr(lab(), name, st.session_state[key])


def retriever(settings: Settings) -> rt.Retriever:
    """This session's index at the chosen chunking (rebuilt only when chunking changes;
    the shared embedding cache makes a rebuild to an earlier setting free)."""
    current = lab()
    if current.pending is not None:
        _index_import(current, settings)
    r = current.retriever
    if r is None or (r.chunk_size, r.chunk_overlap) != (
        settings.chunk_size,
        settings.chunk_overlap,
    ):
        with st.spinner(say(words("controls")["rechunk"])):
            r = rt.Retriever(
                current.library,
                encoder=shared_encoder(current.language),
                chunk_size=settings.chunk_size,
                chunk_overlap=settings.chunk_overlap,
                language=current.language,
            )
        current.retriever = r
    return r


def _index_import(current: Lab, settings: Settings) -> None:
    """Index an imported library batch by batch under a progress bar with a cancel button;
    swap it in only when it is ready. Cancel stops the run at the next batch (a click
    interrupts the running script), and the library stays as it was."""
    u = words("update")
    docs, name = current.pending or [], current.pending_name
    holder = st.empty()
    with holder.container():
        bar = st.progress(0.0, text=u["import_progress"].format(name=name, done=0, total="…"))
        st.button(
            u["import_cancel"],
            key="retrieval_import_cancel",
            on_click=_cancel_import,
            help=u["import_cancel_help"],
            icon=":material/cancel:",
        )

        def report(done: int, total: int) -> None:
            text = u["import_progress"].format(name=name, done=done, total=total)
            bar.progress(min(1.0, done / max(total, 1)), text=text)

        try:
            r = rt.Retriever(
                docs,
                encoder=shared_encoder(current.language),
                chunk_size=settings.chunk_size,
                chunk_overlap=settings.chunk_overlap,
                language=current.language,
                progress=report,
            )
        except rt.LibraryError as exc:
            current.pending = None
            notice("error", u["import_error"].format(name=name, error=escape(str(exc))))
            holder.empty()
            return
    holder.empty()
    current.library, current.retriever, current.pending = docs, r, None
    notice("success", u["imported"].format(n=len(docs), name=name))


def _cancel_import() -> None:
    current = lab()
    if current.pending is not None:
        notice("info", words("update")["import_cancelled"].format(name=current.pending_name))
    current.pending = None


def _chunking(current: Lab, w: Words) -> tuple[int, int, str]:
    """The lab's chunking, or a safe overlap and the message why when it is invalid."""
    size, overlap = current.chunk_size, current.chunk_overlap
    try:
        rt.check_chunking(size, overlap)
    except ValueError as exc:
        overlap = size // 4
        message = view.say(
            w, "controls", "overlap_fallback", error=str(exc).capitalize(), overlap=overlap
        )
        return size, overlap, message
    return size, overlap, ""


# --------------------------------------------------------------------------- the results


def hits_compact(hits: list[rt.Hit], method: str, w: Words) -> None:
    """The fetched chunks, one short block each: score, title, date, nearest sentence."""
    with st.container(key="retrieval_hits", gap="xsmall"):
        if not hits:
            st.caption(view.say(w, "hits", "none"))
            return
        for n, hit in enumerate(hits, start=1):
            line = view.hit_line(n, hit, w)
            # The sentence nearest the question is in the line's help: the answer quotes it.
            st.markdown(line.headline, help=line.sentence)


def answers(question: str, hits: list[rt.Hit], settings: Settings, w: Words) -> rt.Answer:
    """The library's grounded answer with its sources, and the stale specialist's, one
    compact box each (blue: the library; orange: the specialist), the retrain button beside."""
    current = lab()
    index = current.retriever
    answer = rt.grounded_answer(
        question, hits, settings.min_sim, docs=index.docs if index is not None else None
    )
    shown = view.library_answer(answer, w)
    with st.container(key="retrieval_rag_answer"):
        # Written by the small language model once it has loaded (brainlab/ui/lm_answer.py);
        # the extractive answer until then, and beside it as the check.
        lm_answer.library_box(question, hits, answer, shown, w)
    with st.container(key="retrieval_brain_answer"):
        # Written by the real fine-tune (SmolLM2 + the shipped LoRA adapter) once the model
        # has loaded (brainlab/ui/lm_specialist.py); the frozen stand-in until then.
        lm_specialist.specialist_box(
            question,
            current.brain.recall(question, settings.min_sim, library=current.library),
            current.brain,
            current.library,
            w,
        )
    show_notices("answer")
    return answer


def retrain_cost() -> tuple[rt.RetrainCost, str]:
    """One retraining run priced from the cost model's defaults, and the price's source."""
    from brainlab.costs import default_assumptions

    table = default_assumptions().set_index("key")
    cost = rt.RetrainCost(
        tokens=float(table.loc["training_tokens", "value"]),
        epochs=float(table.loc["epochs", "value"]),
        price_per_million=float(table.loc["training_price", "value"]),
        tokens_per_hour=float(words("retrain")["tokens_per_hour"]),
    )
    return cost, str(table.loc["training_price", "source"])


def _retrain() -> None:
    current = lab()
    cost, _ = retrain_cost()
    current.brain = rt.FineTunedBrain.train(
        current.library,
        dt.date.today().isoformat(),
        encoder=shared_encoder(current.language),
        language=current.language,
    )
    current.spent_dollars += cost.dollars
    current.spent_hours += cost.hours
    notice("toast", view.retrained_notice(cost, current.spent_dollars, reader_words()), "answer")


# --------------------------------------------------------------------------- the edit panel


def _timed(action) -> tuple[int, float]:
    enc = shared_encoder(lab().language)
    before = enc.base.texts_encoded if hasattr(enc.base, "texts_encoded") else 0
    start = time.perf_counter()
    action()
    after = enc.base.texts_encoded if hasattr(enc.base, "texts_encoded") else 0
    return after - before, (time.perf_counter() - start) * 1000


def _doc(doc_id: str | None) -> rt.Doc | None:
    return next((d for d in lab().library if d.id == doc_id), None)


def _load_doc(doc_id: str) -> None:
    """Put a document's text (or an empty form, for a new one) into the panel's form."""
    doc = _doc(doc_id)
    st.session_state["retrieval_edit_doc"] = doc_id
    st.session_state["retrieval_form_title"] = doc.title if doc else ""
    st.session_state["retrieval_form_text"] = doc.text if doc else ""


def _picked() -> None:
    """The reader chose a document: stop following the fetched chunks, load its text."""
    lab().follow = False
    _load_doc(st.session_state.get("retrieval_edit_doc") or NEW_DOC)


def _save_panel() -> None:
    w = reader_words()
    current = lab()
    chosen = st.session_state.get("retrieval_edit_doc") or NEW_DOC
    old = _doc(chosen)
    title = str(st.session_state.get("retrieval_form_title") or (old.title if old else ""))
    text = str(st.session_state.get("retrieval_form_text") or "")
    problems = rt.validate_doc(title, text)
    if problems:
        notice("error", " ".join(problems), "panel")
        return
    today = dt.date.today().isoformat()
    r = current.retriever
    if old is not None:
        doc = rt.Doc(old.id, title.strip(), text, old.topic, today)
        current.library = [doc if d.id == old.id else d for d in current.library]
        texts, ms = _timed(lambda: r.update(doc)) if r else (0, 0.0)
        notice("success", view.saved_notice(doc.title, texts, ms, w), "panel")
        current.follow = False  # the panel stays on the document just saved
        return
    doc = rt.Doc(
        rt.new_doc_id(title, (d.id for d in current.library)), title.strip(), text, "general", today
    )
    current.library = [*current.library, doc]
    texts, ms = _timed(lambda: r.add(doc)) if r else (0, 0.0)
    chunks = len(r.chunks_of(doc.id)) if r else 0
    notice("success", view.added_notice(doc.title, texts, chunks, ms, w), "panel")
    # The new document stays in the panel, so a second Save edits it.
    current.follow = False
    st.session_state["retrieval_edit_doc"] = doc.id


def edit_panel(hits: list[rt.Hit], w: Words) -> None:
    """Pick a document (it follows the first fetched chunk), edit its text, save; or add one."""
    current = lab()
    docs = {d.id: d for d in current.library}
    ids = list(docs)
    chosen = st.session_state.get("retrieval_edit_doc")
    if current.follow:
        target = view.follow_doc(hits, ids, DEFAULT_DOC)
        if chosen != target:
            _load_doc(target)
    elif chosen != NEW_DOC and chosen not in docs:  # deleted or a new library imported
        _load_doc(view.follow_doc(hits, ids, DEFAULT_DOC))
    with st.container(key="retrieval_edit", gap="xsmall"):
        new_label = view.say(w, "stage", "new_doc")
        pick, save, retrain = st.columns([5, 2, 2], vertical_alignment="bottom", gap="xsmall")
        pick.selectbox(
            view.say(w, "stage", "edit_doc"),
            [NEW_DOC, *ids],
            format_func=lambda i: new_label if i == NEW_DOC else docs[i].title,
            key="retrieval_edit_doc",
            on_change=_picked,
            help=view.say(w, "stage", "edit_doc_help"),
        )
        save.button(
            view.say(w, "stage", "save"),
            key="retrieval_save",
            on_click=_save_panel,
            icon=":material/save:",
            help=view.say(w, "stage", "save_help"),
            type="secondary",  # white on the dark theme's light blue is 2.3:1 (axe)
            width="stretch",
        )
        retrain.button(
            view.say(w, "answer", "retrain"),
            key="retrieval_retrain",
            on_click=_retrain,
            help=view.say(w, "answer", "retrain_help"),
            width="stretch",
        )
        # No form, and no rerun on typing: the text goes with the next click on Save.
        if st.session_state.get("retrieval_edit_doc") == NEW_DOC:
            st.text_input(
                view.say(w, "stage", "edit_title_label"),
                key="retrieval_form_title",
                max_chars=rt.MAX_TITLE_CHARS,
                help=words("update")["title_help"],
                placeholder=view.say(w, "stage", "edit_title_label"),
                label_visibility="collapsed",
                on_change="ignore",
            )
        st.text_area(
            view.say(w, "stage", "edit_text"),
            key="retrieval_form_text",
            max_chars=rt.MAX_TEXT_CHARS,
            height=76,
            help=words("update")["text_help"],
            label_visibility="collapsed",
            on_change="ignore",
        )
        show_notices("panel")


# --------------------------------------------------------------------------- the stage


@st.fragment
def stage(page: Lesson) -> None:
    """The stage, rerun alone on every control: cause and effect on one 1280x720 screen.

    Left: the title, the question, the examples, the step card. Right: how to match and how
    many chunks; the fetched chunks, or in the tab beside them the edit panel; under them
    the two answers. Below the stage: the working, in tabs.
    """
    w = reader_words()
    left, right = st.columns([5, 7], gap="medium")
    with left, st.container(gap="xsmall"):
        page_header(page)
        question = query_box(w)
        step = stepper(page)
    with right, st.container(gap="xsmall"):
        load_model()
        method, top_k = main_settings(w)
        current = lab()
        chunking_from_url(current)
        size, overlap, problem = _chunking(current, w)
        settings = Settings(top_k, method, current.min_sim, size, overlap)
        try:
            index = retriever(settings)
            hits = index.search(question, k=top_k, method=method) if question else []
        except Exception as exc:  # a library that cannot be searched must
            # never lock the reader out: say why, and offer reset and import right here.
            current.retriever = None
            error = escape(str(exc))[:300]
            st.error(say(words("update")["index_failed"], error=error))
            library_panel(w)
            workspace.save(_saved_key(), _snapshot(current))
            return
        labels = [view.say(w, "stage", "hits_title"), view.say(w, "stage", "edit_title")]
        # Arriving on the step about editing opens the edit panel's tab; leaving it, the
        # fetched chunks'. In between, the reader's own choice holds.
        if step.id != current.step:
            if "edit" in (step.id, current.step):
                st.session_state[SLOT_KEY] = labels[1] if step.id == "edit" else labels[0]
            current.step = step.id
        fetched, edit = st.tabs(
            labels, key=SLOT_KEY, on_change="rerun", height=SLOT_HEIGHT, bind="query-params"
        )
        with fetched:
            example_box(w)
            hits_compact(hits, method, w)
        with edit:
            edit_panel(hits, w)
        answers(question, hits, settings, w)
    # Right under the stage: the model that writes the library's answer, honestly labelled.
    lm_answer.read_more(w)
    tabs_below(index, question, hits, settings, problem, w)
    # Saved once per run, and only when it changed (one transaction in the workspace).
    workspace.save(_saved_key(), _snapshot(current))


# --------------------------------------------------------------------------- the tabs below

TABS = (
    "prompt",
    "compare",
    "eval",
    "risks",
    "map",
    "chunks",
    "library",
    "retrain",
    "learned",
    "llm",
)


def tabs_below(
    r: rt.Retriever,
    question: str,
    hits: list[rt.Hit],
    settings: Settings,
    problem: str,
    w: Words,
) -> None:
    """The working, one tab each; only the open tab is computed (``on_change="rerun"``)."""
    labels = [view.say(w, "tabs", name) for name in TABS]
    # Bound to the URL (?retrieval_tab=<label>): a shared link opens the same tab.
    tabs = dict(
        zip(
            TABS,
            st.tabs(labels, key="retrieval_tab", on_change="rerun", bind="query-params"),
            strict=True,
        )
    )
    if tabs["prompt"].open is not False:
        with tabs["prompt"]:
            prompt_view(r, question, hits, w)
    # A closed tab's own controls are still drawn (hidden, and cheap): Streamlit drops a
    # bound parameter from the address when its widget is not drawn, and the link would
    # lose the setting the reader made there. Only the open tab's work is computed.
    with tabs["compare"]:
        if tabs["compare"].open:
            compare_view(r, question, settings, w)
        else:
            min_sim_slider(w)
    if tabs["eval"].open:
        with tabs["eval"]:
            eval_view(settings, w)
    with tabs["risks"]:
        if tabs["risks"].open:
            risks_view(settings, w)
        else:
            risk_picker(w)
    if tabs["map"].open:
        with tabs["map"]:
            map_view(r, question, settings, w)
    with tabs["chunks"]:
        chunk_settings(problem if tabs["chunks"].open else "", w)
        chunk_doc_box(w)
        if tabs["chunks"].open:
            chunk_view(settings, w)
    if tabs["library"].open:
        with tabs["library"]:
            library_panel(w)
    if tabs["retrain"].open:
        with tabs["retrain"]:
            retrain_view(w)
    if tabs["learned"].open:
        with tabs["learned"]:
            lm_learned.learned_view(w)
    if tabs["llm"].open:
        with tabs["llm"]:
            llm_panel(rt.build_prompt(question, hits))


def prompt_view(r: rt.Retriever, question: str, hits: list[rt.Hit], w: Words) -> str:
    """The full prompt, its length in word pieces and which chunks MiniLM reads cut off."""
    prompt = rt.build_prompt(question, hits)
    enc = shared_encoder(r.language)
    total, *pieces = enc.count_tokens([prompt, *(f"{h.title}. {h.text}" for h in hits)])
    st.code(prompt, language=None, wrap_lines=True)
    st.caption(view.say(w, "prompt", "tokens", total=total))
    if hits:
        st.dataframe(
            view.prompt_table(hits, pieces, w), hide_index=True, key="retrieval_prompt_tokens"
        )
        cut = sum(p > MAX_WORD_PIECES for p in pieces)
        if cut:
            st.warning(view.say(w, "prompt", "truncated_note", n=cut))
    return prompt


def hit_list(hits: list[rt.Hit], *, topics: dict[str, str], key: str, w: Words) -> None:
    """Ranked hits in full: score bar, title, date, chunk with the best sentence marked."""
    if not hits:
        st.info(view.say(w, "hits", "none"))
        return
    top = max(h.score for h in hits)
    for n, hit in enumerate(hits, start=1):
        with st.container(border=True, key=f"{key}_{n}"):
            st.markdown(f"**\\[{n}\\] {escape(hit.title or hit.doc_id)}**")
            sim = hit.similarity if hit.similarity is not None else hit.score
            if hit.method == "dense":
                bar = max(0.0, min(1.0, hit.score))
                label = view.say(w, "hits", "score_dense", score=hit.score)
            else:
                bar = max(0.0, min(1.0, hit.score / top)) if top > 0 else 0.0
                label = view.say(w, "hits", f"score_{hit.method}", score=hit.score, sim=sim)
            st.progress(bar, text=label)
            st.caption(
                view.say(
                    w,
                    "hits",
                    "meta",
                    topic=escape(topics.get(hit.topic, hit.topic or "—")),
                    updated=escape(hit.updated or "—"),
                    chunk=hit.chunk_index + 1,
                )
            )
            st.markdown(view.highlighted(hit))


def compare_view(r: rt.Retriever, question: str, settings: Settings, w: Words) -> None:
    """Dense and lexical side by side for the same question; the answer's minimum."""
    st.caption(view.say(w, "controls", "compare_caption"))
    if question:
        topics = rt.library_topics(rt.library_path(r.language))
        left, right = st.columns(2, gap="medium")
        for col, method in ((left, "dense"), (right, "lexical")):
            with col:
                st.subheader(view.say(w, "hits", f"{method}_title"), anchor=False)
                shown = r.search(question, settings.top_k, method)
                hit_list(shown, topics=topics, key=f"retrieval_hit_{method}", w=w)
        st.caption(view.say(w, "hits", "caption"))
    min_sim_slider(w)
    st.caption(view.say(w, "tabs", "min_sim_caption"))


MIN_SIM_KEY = "retrieval_min_sim"


def min_sim_slider(w: Words) -> None:
    """The answer's minimum similarity, bound to the URL; kept in the lab too."""
    current = lab()
    _show_lab_value(MIN_SIM_KEY, current.min_sim)
    st.slider(
        view.say(w, "controls", "min_sim"),
        0.0,
        1.0,
        current.min_sim,
        0.01,
        key=MIN_SIM_KEY,
        help=words("controls")["min_sim_help"],
        on_change=_keep,
        args=("min_sim", MIN_SIM_KEY),
        bind="query-params",
    )


def _show_lab_value(key: str, value: object) -> None:
    """Put the lab's value in its slider before it is drawn, when they differ (a reset, a
    switch of language, a shared link's value read into the lab)."""
    if st.session_state.get(key) != value:
        st.session_state[key] = value


@st.cache_data(show_spinner=False, max_entries=16)
def _hit_rates(
    chunk_size: int, chunk_overlap: int, k: int, eval_mtime: float, language: str = "en"
) -> dict:
    """Each method's hit rate on the language's labelled questions over its shipped
    library, by the real retriever at this chunking (cached per chunking, language and eval
    file version)."""
    del eval_mtime  # part of the cache key only: an edited eval file is scored again
    library = rt.load_library(rt.library_path(language))
    r = rt.Retriever(
        library,
        encoder=shared_encoder(language),
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        language=language,
    )
    return rt.hit_rates(r, rt.load_eval_set(rt.eval_path(language), library), k=k)


def eval_view(settings: Settings, w: Words) -> None:
    """Each method's hit rate on the labelled test questions, measured now, with the
    questions each one got wrong."""
    language = _language()
    library = rt.load_library(rt.library_path(language))
    questions = len(rt.load_eval_set(rt.eval_path(language), library))
    k = 3
    st.caption(view.say(w, "eval", "intro", questions=questions, k=k))
    with st.spinner(view.say(w, "eval", "computing", questions=questions)):
        rates = _hit_rates(
            settings.chunk_size,
            settings.chunk_overlap,
            k,
            rt.eval_path(language).stat().st_mtime,
            language,
        )
    left, right = st.columns([1, 1], gap="medium")
    with left:
        chart(
            view.hit_rate_figure(rates, w),
            key="retrieval_eval_chart",
            alt=view.say(w, "eval", "alt"),
        )
    with right, st.container(key="retrieval_eval_table"):
        st.dataframe(view.hit_rate_table(rates, w), hide_index=True)
    st.caption(
        view.say(w, "eval", "explain", size=settings.chunk_size, overlap=settings.chunk_overlap)
    )
    titles = {d.id: d.title for d in library}
    for method, rate in rates.items():
        if rate.misses:
            label = view.say(w, "eval", "misses", method=view.method_label(method, w))
            with st.expander(label):
                st.markdown("  \n".join(view.miss_lines(rate, titles, w)))


#: How many pages the risks demo fetches: the lab's default top-k.
RISK_K = 3


@st.cache_resource(show_spinner=False, max_entries=24)
def _risk_run(
    case_id: str,
    language: str,
    chunk_size: int,
    chunk_overlap: int,
    min_sim: float,
    risks_mtime: float,
) -> rt.RiskRun:
    """One case of RAG's own risks, run by the real retriever over a copy of the shipped
    library with the case's page planted in it (cached per case, chunking and minimum)."""
    del risks_mtime  # part of the cache key only: an edited case is run again
    case = next(c for c in rt.risk_cases(language) if c.id == case_id)
    return rt.run_risk_case(
        case,
        rt.load_library(rt.library_path(language)),
        encoder=shared_encoder(language),
        language=language,
        k=RISK_K,
        min_score=min_sim,
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
    )


def risks_view(settings: Settings, w: Words) -> None:
    """RAG's own risks: a wrong but cited answer, distracting context, a page carrying an
    injected instruction; each run now by the real retriever on a copy of the library."""
    language = _language()
    st.caption(view.risk_say(w, "intro"))
    case = risk_picker(w)
    files = (content.CONTENT_DIR / rt.RISKS_FILE, content.CONTENT_DIR / "zh" / rt.RISKS_FILE)
    run = _risk_run(
        case.id,
        language,
        settings.chunk_size,
        settings.chunk_overlap,
        MIN_SIM_BY_LANGUAGE.get(language, MIN_SIM),
        max(p.stat().st_mtime for p in files if p.is_file()),
    )
    # The answer sits right under the picker, the planted page and what was fetched beside
    # it: the choice and what it changes share one screen.
    left, right = st.columns([1, 1], gap="medium")
    with left:
        st.markdown(f"**{view.risk_say(w, 'question')}:** {escape(case.question)}")
        with st.container(key="retrieval_risk_answer"):
            st.info(view.library_box(view.library_answer(run.answer, w), w))
        with st.container(key="retrieval_risk_found"):
            st.markdown("  \n".join(view.risk_lines(run, RISK_K, w)))
        st.markdown(w(case.explain))
    with right:
        st.markdown(f"**{view.risk_say(w, 'planted')}**")
        with st.container(border=True, key="retrieval_risk_planted"):
            st.markdown(f"**{escape(case.doc.title)}** :small[({escape(case.doc.updated)})]")
            st.markdown(escape(case.doc.text))
        st.markdown(f"**{view.risk_say(w, 'fetched')}**")
        topics = rt.library_topics(rt.library_path(language))
        hit_list(list(run.hits), topics=topics, key="retrieval_risk_hit", w=w)


def risk_picker(w: Words) -> rt.RiskCase:
    """Which of RAG's risks to run, bound to the URL; returns the case."""
    cases = rt.risk_cases(_language())
    titles = {c.id: w(c.title) for c in cases}
    picked = st.segmented_control(
        view.risk_say(w, "pick"),
        list(titles),
        format_func=titles.get,
        default=cases[0].id,
        key="retrieval_risk_case",
        bind="query-params",
    )
    return next((c for c in cases if c.id == picked), cases[0])


def map_view(r: rt.Retriever, question: str, settings: Settings, w: Words) -> None:
    """PCA map of every chunk, the question, and lines to its true top-k (cosine, 384-D)."""
    if not r.chunks:
        return
    chart(
        view.map_figure(r, question, settings.top_k, w),
        key="retrieval_map",
        alt=view.say(w, "map", "alt", k=settings.top_k),
    )
    st.caption(view.say(w, "map", "caption"))


#: The chunk sliders: session-state key (also the URL's query parameter), lab field,
#: range, step and default.
CHUNK_SLIDERS = {
    "retrieval_chunk_size": ("chunk_size", 20, 300, 5, rt.DEFAULT_CHUNK_SIZE),
    "retrieval_chunk_overlap": ("chunk_overlap", 0, 100, 5, rt.DEFAULT_CHUNK_OVERLAP),
}


def chunking_from_url(current: Lab) -> None:
    """A shared link's chunking and minimum similarity, read once per session: the stage
    uses them before the sliders (in the tabs below it) are drawn."""
    if current.url_read:
        return
    current.url_read = True
    for key, (name, low, high, _, _) in CHUNK_SLIDERS.items():
        value = _url_number(key)
        if value is not None:
            setattr(current, name, min(max(int(value), low), high))
    value = _url_number(MIN_SIM_KEY)
    if value is not None and 0.0 <= value <= 1.0:
        current.min_sim = round(value, 2)


def _url_number(key: str) -> float | None:
    """The address's parameter ``key`` as a finite number, or None (missing, not a number,
    NaN or infinite: a crafted link is ignored, never a crash)."""
    try:
        value = float(st.query_params.get(key, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def chunk_settings(problem: str, w: Words) -> None:
    """Chunk size and overlap, bound to the URL; kept in the lab too, so they hold while
    this tab is closed."""
    current = lab()
    c = words("controls")
    st.caption(view.say(w, "tabs", "chunks_caption"))
    helps = {
        "retrieval_chunk_size": view.say(w, "controls", "chunk_size_help"),
        "retrieval_chunk_overlap": c["chunk_overlap_help"],
    }
    for col, (key, (name, low, high, step, default)) in zip(
        st.columns(2, gap="medium"), CHUNK_SLIDERS.items(), strict=True
    ):
        _show_lab_value(key, getattr(current, name))
        with col:
            st.slider(
                view.say(w, "controls", name),
                low,
                high,
                default,
                step,
                key=key,
                help=helps[key],
                on_change=_keep,
                args=(name, key),
                bind="query-params",
            )
    if problem:
        st.warning(problem)


CHUNK_DOC_KEY = "retrieval_chunk_doc"


def chunk_doc_box(w: Words) -> None:
    """Which document the chunking tab cuts, bound to the URL (by the document's id)."""
    docs = {d.id: d for d in lab().library}
    if not docs:
        return
    ids = list(docs)
    default = "policy-warranty" if "policy-warranty" in docs else ids[0]
    picked = st.session_state.get(CHUNK_DOC_KEY)
    if picked is not None and picked not in docs:  # deleted since: the default again
        st.session_state[CHUNK_DOC_KEY] = default
    st.selectbox(
        view.say(w, "chunks", "label"),
        ids,
        index=ids.index(default),  # unless the box has a value, or the link gives one
        format_func=lambda i: docs[i].title,
        key=CHUNK_DOC_KEY,
        help=view.say(w, "chunks", "help"),
        bind="query-params",
    )


def chunk_view(settings: Settings, w: Words) -> None:
    """How one document is cut at the current size and overlap, overlaps highlighted."""
    current = lab()
    docs = {d.id: d for d in current.library}
    doc_id = st.session_state.get(CHUNK_DOC_KEY)
    if doc_id not in docs:
        return
    doc = docs[doc_id]
    spans = rt.chunk_spans(doc.text, settings.chunk_size, settings.chunk_overlap, current.language)
    if not spans:
        st.info(view.say(w, "chunks", "empty"))
        return
    st.caption(view.say(w, "chunks", "legend"))
    pieces = shared_encoder(current.language).count_tokens(
        [f"{doc.title}. {doc.text[s:e]}" for s, e, _ in spans]
    )
    for n, ((start, end, overlap_end), count) in enumerate(zip(spans, pieces, strict=True), 1):
        with st.container(border=True, key=f"retrieval_chunk_{n}"):
            units = rt.chunk_units(doc.text[start:end], current.language)
            st.caption(view.chunk_header(n, units, count, w))
            shared, rest = doc.text[start:overlap_end], doc.text[overlap_end:end]
            marked = f":orange-background[{escape(shared)}] " if shared.strip() else ""
            st.markdown(marked + escape(rest))


def retrain_view(w: Words) -> None:
    """What a retraining run costs and where the numbers come from; this session's spend."""
    current = lab()
    cost, source = retrain_cost()
    st.caption(view.cost_source(cost, source, w))
    st.caption(
        view.say(
            w,
            "stage",
            "spent",
            dollars=current.spent_dollars,
            hours=current.spent_hours,
            date=current.brain.trained_on,
        )
    )


def llm_panel(prompt: str) -> None:
    """The optional OpenAI-compatible endpoint: off by default, never needed."""
    from brainlab import endpoint

    w = words("llm")
    st.caption(say(w["title"]))
    allowed = endpoint.policy()
    if allowed is None:  # only the server's operator can turn it on (SSRF: see endpoint.py)
        st.caption(w["disabled"].format(variable=endpoint.ENV_HOSTS))
        return
    hosts = escape(allowed.describe(loopback_name=w["loopback"]))
    st.caption(w["allowed"].format(hosts=hosts))
    on = st.toggle(w["toggle"], key="retrieval_llm_on", help=w["toggle_help"])
    if not on:
        st.caption(w["off"])
        return
    url = st.text_input(
        w["url"],
        "http://localhost:11434/v1",
        key="retrieval_llm_url",
        help=w["url_help"],
        max_chars=300,
    )
    model = st.text_input(
        w["model"], "llama3.2", key="retrieval_llm_model", help=w["model_help"], max_chars=100
    )
    api_key = st.text_input(
        w["key"], type="password", key="retrieval_llm_key", help=w["key_help"], max_chars=300
    )
    if st.button(w["send"], key="retrieval_llm_send", icon=":material/send:"):
        try:
            with st.spinner():
                reply = rt.ask_endpoint(url, model, prompt, api_key=api_key)
        except rt.LibraryError as exc:
            st.error(escape(str(exc)))
        else:
            st.markdown(w["reply"].format(model=escape(model)))
            st.markdown(escape(reply))


# --------------------------------------------------------------------------- the whole library


def _delete() -> None:
    w = words("update")
    current = lab()
    doc_id = st.session_state.get("retrieval_delete_doc")
    doc = _doc(doc_id)
    if doc is None:
        return
    current.library = [d for d in current.library if d.id != doc_id]
    if current.retriever:
        current.retriever.remove(doc_id)
    notice("success", say(w["deleted"], title=escape(doc.title)))


def _reset() -> None:
    st.session_state[_state_key()] = _fresh_lab()
    notice("success", words("update")["reset_done"])


def _import() -> None:
    w = words("update")
    upload = st.session_state.get("retrieval_import")
    if upload is None:
        return
    name = escape(upload.name)
    current = lab()
    if too_big(upload, LIBRARY_MB):  # the uploader's limit is only checked in the browser
        error = w["too_big"].format(size=size_mb(upload), limit=LIBRARY_MB)
        notice("error", w["import_error"].format(name=name, error=error))
        return
    try:
        docs = rt.library_from_json(upload.getvalue())
        rt.check_import_work(docs, current.chunk_size, current.chunk_overlap)
    except rt.LibraryError as exc:
        notice("error", w["import_error"].format(name=name, error=escape(str(exc))))
        return
    # Indexed on this rerun, under a progress bar with cancel (see _index_import).
    current.pending, current.pending_name = docs, name


def library_panel(w: Words) -> None:
    """Delete a document; reset; export and import the library. (Edit and add are on the
    stage, in the panel beside the answers.)"""
    u = words("update")
    current = lab()
    docs = {d.id: d for d in current.library}
    r = current.retriever
    st.caption(
        view.say(w, "update", "count", docs=len(current.library), chunks=len(r.chunks) if r else 0)
    )
    if docs:
        pick, remove = st.columns([3, 1], vertical_alignment="bottom")
        pick.selectbox(
            u["doc"],
            list(docs),
            format_func=lambda i: docs[i].title,
            key="retrieval_delete_doc",
            help=u["doc_help"],
        )
        remove.button(
            u["delete"], key="retrieval_delete", on_click=_delete, icon=":material/delete:"
        )
    show_notices("update")
    left, mid = st.columns(2, gap="medium")
    with left:
        st.button(
            u["reset"],
            key="retrieval_reset",
            on_click=_reset,
            help=u["reset_help"],
            icon=":material/restart_alt:",
        )
    with mid:
        st.download_button(
            u["export"],
            # "replace": a library that holds a broken character must still be exportable.
            rt.library_to_json(current.library).encode("utf-8", errors="replace"),
            file_name="library.json",
            mime="application/json",
            key="retrieval_export",
            help=u["export_help"],
            icon=":material/download:",
            on_click="ignore",
        )
    st.file_uploader(
        u["import"],
        type=["json"],
        key="retrieval_import",
        on_change=_import,
        help=u["import_help"],
        max_upload_size=LIBRARY_MB,
    )
