"""The retrieval lab's widgets and session state (the page reads like the lesson; the
drawing lives here). The core is :mod:`brainlab.retrieval`; this module only gathers inputs,
keeps each session's library, and draws results.

Every piece of user text (questions, document titles and texts, imported files) is escaped
before it reaches ``st.markdown``, so Markdown, directives and HTML in it show as text.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from brainlab import preload
from brainlab import retrieval as rt
from brainlab.content import load_toml, render
from brainlab.embeddings import MAX_WORD_PIECES, shared_encoder
from brainlab.retrieval_charts import embedding_map
from brainlab.ui.context import vocab

STATE = "retrieval_lab_state"


def words(section: str) -> dict[str, Any]:
    """One table of content/retrieval_lab.toml."""
    return load_toml("retrieval_lab.toml")[section]


def say(text: str, **values: Any) -> str:
    """Put in the reader's vocabulary for ``{{term}}``, then the ``{name}`` values."""
    out = render(text, vocab())
    return out.format(**values) if values else out


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=^])")


def escape(text: str) -> str:
    """User text made inert for ``st.markdown``: every Markdown or directive character is
    backslash-escaped (``st.markdown`` already shows HTML as text), newlines become spaces."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


# --------------------------------------------------------------------------- session state


@dataclass
class Lab:
    """One session's lab: its library, its index, its fine-tuned brain, its messages."""

    library: list[rt.Doc]
    brain: rt.FineTunedBrain
    retriever: rt.Retriever | None = None
    notices: list[tuple[str, str, str]] = field(default_factory=list)
    spent_dollars: float = 0.0
    spent_hours: float = 0.0


def _fresh_lab() -> Lab:
    date = rt.training_date()
    brain = rt.FineTunedBrain.train(rt.library_at(date), date, encoder=shared_encoder())
    return Lab(library=rt.load_library(), brain=brain)


def lab() -> Lab:
    """This session's lab, created on first use (needs the model: call under a status)."""
    if STATE not in st.session_state:
        st.session_state[STATE] = _fresh_lab()
    return st.session_state[STATE]


def load_model() -> None:
    """Load the model and this session's lab under a visible status, after the lesson's
    text has painted. The model comes from the background load app.py started
    (:mod:`brainlab.preload`); while that still runs, a progress bar shows its step. It is
    never loaded a second time."""
    if STATE in st.session_state:
        return
    w = words("loading")
    loader = preload.embedding_loader()
    loading = not loader.wait(timeout=0)  # starts the load if app.py has not
    with st.status(say(w["running"]), expanded=loading) as status:
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
        current = lab()
        status.update(
            label=say(w["done"], docs=len(current.library), chunks=_chunk_count(current)),
            state="complete",
            expanded=False,
        )


def _chunk_count(current: Lab) -> int:
    return len(current.retriever.chunks) if current.retriever else len(current.library)


def notice(kind: str, text: str, where: str = "update") -> None:
    lab().notices.append((where, kind, text))


def show_notices(where: str) -> None:
    """Messages left by callbacks (saves, imports, retraining) for one place, shown once."""
    current = lab()
    for place, kind, text in current.notices:
        if place == where:
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
    compare: bool


def _pick_example() -> None:
    choice = st.session_state.get("retrieval_example")
    for ex in load_toml("retrieval_lab.toml")["examples"]:
        if ex["label"] == choice:
            st.session_state["retrieval_query"] = ex["question"]
    st.session_state["retrieval_example"] = None


def query_box() -> str:
    """The question box and the example chips; returns the (checked) question."""
    w = words("query")
    examples = load_toml("retrieval_lab.toml")["examples"]
    st.session_state.setdefault("retrieval_query", examples[0]["question"])
    st.pills(
        w["chips_label"],
        [ex["label"] for ex in examples],
        key="retrieval_example",
        on_change=_pick_example,
        help=w["chips_help"],
    )
    question = st.text_input(
        w["label"], key="retrieval_query", placeholder=w["placeholder"], help=w["help"]
    )
    question = question or ""
    if len(question) > rt.MAX_QUESTION_CHARS:
        st.warning(say(w["too_long"], n=len(question), max=rt.MAX_QUESTION_CHARS))
        question = question[: rt.MAX_QUESTION_CHARS]
    if not question.strip():
        st.info(say(w["empty"]))
    return question.strip()


def controls() -> Settings:
    """Top-k, method, minimum similarity, chunking and the comparison switch."""
    w = words("controls")
    # Full width: three labelled options do not fit half a column at 1280 px.
    method = st.segmented_control(
        say(w["method"]),
        list(rt.METHODS),
        default="dense",
        required=True,
        format_func=lambda m: w["methods"][m],
        key="retrieval_method",
        wrap=True,  # options wrap on a phone instead of being cut off
        help=w["method_help"],
        bind="query-params",
    )
    left, right = st.columns(2, gap="medium")
    with left:
        top_k = st.slider(
            say(w["top_k"]),
            1,
            10,
            3,
            key="retrieval_top_k",
            help=w["top_k_help"],
            bind="query-params",
        )
        min_sim = st.slider(
            say(w["min_sim"]),
            0.0,
            1.0,
            0.30,
            0.01,
            key="retrieval_min_sim",
            help=w["min_sim_help"],
        )
    with right:
        size = st.slider(
            say(w["chunk_size"]),
            20,
            300,
            rt.DEFAULT_CHUNK_SIZE,
            5,
            key="retrieval_chunk_size",
            help=say(w["chunk_size_help"]),
        )
        overlap = st.slider(
            say(w["chunk_overlap"]),
            0,
            100,
            rt.DEFAULT_CHUNK_OVERLAP,
            5,
            key="retrieval_chunk_overlap",
            help=w["chunk_overlap_help"],
        )
        compare = st.toggle(say(w["compare"]), key="retrieval_compare", help=w["compare_help"])
    try:
        rt.check_chunking(size, overlap)
    except ValueError as exc:
        overlap = size // 4
        st.warning(say(w["overlap_fallback"], error=str(exc).capitalize(), overlap=overlap))
    return Settings(int(top_k), method or "dense", float(min_sim), size, overlap, compare)


def retriever(settings: Settings) -> rt.Retriever:
    """This session's index at the chosen chunking (rebuilt only when chunking changes;
    the shared embedding cache makes a rebuild to an earlier setting free)."""
    current = lab()
    r = current.retriever
    if r is None or (r.chunk_size, r.chunk_overlap) != (
        settings.chunk_size,
        settings.chunk_overlap,
    ):
        with st.spinner(say(words("controls")["rechunk"])):
            r = rt.Retriever(
                current.library,
                encoder=shared_encoder(),
                chunk_size=settings.chunk_size,
                chunk_overlap=settings.chunk_overlap,
            )
        current.retriever = r
    return r


# --------------------------------------------------------------------------- hits


def _highlighted(hit: rt.Hit) -> str:
    text, sentence = hit.text, hit.sentence
    at = text.find(sentence) if sentence else -1
    if at < 0:
        return escape(text)
    before, after = text[:at], text[at + len(sentence) :]
    return f"{escape(before)} :blue-background[**{escape(sentence)}**] {escape(after)}"


def hit_list(hits: list[rt.Hit], *, topics: dict[str, str], key: str) -> None:
    """Ranked hits: score bar, title, date, chunk with the best sentence highlighted."""
    w = words("hits")
    if not hits:
        st.info(say(w["none"]))
        return
    top = max(h.score for h in hits)
    for n, hit in enumerate(hits, start=1):
        with st.container(border=True, key=f"{key}_{n}"):
            st.markdown(f"**\\[{n}\\] {escape(hit.title or hit.doc_id)}**")
            sim = hit.similarity if hit.similarity is not None else hit.score
            if hit.method == "dense":
                bar, label = max(0.0, min(1.0, hit.score)), say(w["score_dense"], score=hit.score)
            else:
                bar = max(0.0, min(1.0, hit.score / top)) if top > 0 else 0.0
                label = say(w[f"score_{hit.method}"], score=hit.score, sim=sim)
            st.progress(bar, text=label)
            st.caption(
                say(
                    w["meta"],
                    topic=escape(topics.get(hit.topic, hit.topic or "—")),
                    updated=escape(hit.updated or "—"),
                    chunk=hit.chunk_index + 1,
                )
            )
            st.markdown(_highlighted(hit))


def hits_view(r: rt.Retriever, question: str, settings: Settings) -> list[rt.Hit]:
    """The hits of the chosen method, or dense and lexical side by side; returns the hits
    of the chosen method (what the prompt and the answer use)."""
    topics = rt.library_topics()
    hits = r.search(question, k=settings.top_k, method=settings.method) if question else []
    if not question:
        return hits
    w = words("hits")
    if settings.compare:
        left, right = st.columns(2, gap="medium")
        for col, method in ((left, "dense"), (right, "lexical")):
            with col:
                st.subheader(w[f"{method}_title"], anchor=False)
                shown = (
                    hits
                    if method == settings.method
                    else r.search(question, settings.top_k, method)
                )
                hit_list(shown, topics=topics, key=f"retrieval_hit_{method}")
    else:
        hit_list(hits, topics=topics, key="retrieval_hit")
    st.caption(w["caption"])
    return hits


# --------------------------------------------------------------------------- answer


def answers(question: str, hits: list[rt.Hit], settings: Settings) -> rt.Answer:
    """The grounded answer beside the fine-tuned brain's, and the retrain button."""
    w = words("answer")
    current = lab()
    answer = rt.grounded_answer(question, hits, settings.min_sim)
    left, right = st.columns(2, gap="medium")
    with left, st.container(border=True, key="retrieval_rag_answer"):
        st.markdown(f"**:blue[:material/local_library:] {say(w['rag_title'])}**")
        (st.warning if answer.abstained else st.success)(escape(answer.text))
        if answer.sources:
            st.markdown(
                f"{w['sources']}:\n"
                + "\n".join(
                    f"- \\[{s.n}\\] {escape(s.title)} ({escape(s.updated or '—')})"
                    for s in answer.sources
                )
            )
        st.caption(say(w["extractive_note"]))
    with right, st.container(border=True, key="retrieval_brain_answer"):
        st.markdown(f"**:orange[:material/psychology:] {say(w['brain_title'])}**")
        st.info(escape(current.brain.answer(question, settings.min_sim)))
        st.caption(say(w["brain_note"], date=current.brain.trained_on))
        st.button(
            say(w["retrain"]),
            key="retrieval_retrain",
            on_click=_retrain,
            help=w["retrain_help"],
            icon=":material/model_training:",
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
        current.library, dt.date.today().isoformat(), encoder=shared_encoder()
    )
    current.spent_dollars += cost.dollars
    current.spent_hours += cost.hours
    notice(
        "success",
        say(
            words("answer")["retrained"],
            hours=cost.hours,
            dollars=cost.dollars,
            tokens=cost.tokens,
            epochs=cost.epochs,
            price=cost.price_per_million,
            total=current.spent_dollars,
        ),
        where="answer",
    )


def retrain_source() -> None:
    """Where the retrain hours and price come from."""
    cost, source = retrain_cost()
    st.caption(say(words("answer")["cost_source"], price_source=source, tph=cost.tokens_per_hour))


# --------------------------------------------------------------------------- prompt


def prompt_view(r: rt.Retriever, question: str, hits: list[rt.Hit]) -> str:
    """The full prompt, its length in word pieces and which chunks MiniLM reads cut off."""
    w = words("prompt")
    prompt = rt.build_prompt(question, hits)
    enc = shared_encoder()
    total, *pieces = enc.count_tokens([prompt, *(f"{h.title}. {h.text}" for h in hits)])
    st.code(prompt, language=None, wrap_lines=True)
    st.caption(say(w["tokens"], total=total))
    if hits:
        cut = [p > MAX_WORD_PIECES for p in pieces]
        st.dataframe(
            {
                w["table_source"]: [f"[{n}] {h.title}" for n, h in enumerate(hits, 1)],
                w["table_pieces"]: pieces,
                w["table_read"]: [w["truncated"] if c else w["whole"] for c in cut],
            },
            hide_index=True,
            key="retrieval_prompt_tokens",
        )
        if any(cut):
            st.warning(say(w["truncated_note"], n=sum(cut)))
    return prompt


def llm_settings(prompt: str) -> None:
    """The optional OpenAI-compatible endpoint: off by default, never needed."""
    w = words("llm")
    with st.expander(w["title"], icon=":material/settings:"):
        _llm_panel(prompt, w)


@st.fragment
def _llm_panel(prompt: str, w: dict[str, Any]) -> None:
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


# --------------------------------------------------------------------------- map


def map_view(r: rt.Retriever, question: str, settings: Settings) -> None:
    """PCA map of every chunk, the question, and lines to its true top-k (cosine, 384-D)."""
    w = words("map")
    if not r.chunks:
        return
    mean, comps = rt.pca_2d(r.matrix)
    xy = rt.project(r.matrix, mean, comps)
    query_xy, top = None, []
    if question:
        query_xy = rt.project(r.query_vector(question), mean, comps)[0]
        sims = r.similarities(question)
        top = list(np.argsort(-sims, kind="stable")[: settings.top_k])
    labels = [f"{r.docs[c.doc_id].title} · {c.index + 1}" for c in r.chunks]
    fig = embedding_map(
        xy=xy,
        topics=[r.docs[c.doc_id].topic for c in r.chunks],
        topic_names=rt.library_topics(),
        labels=labels,
        query_xy=query_xy,
        top=top,
        title=say(w["title_found"], k=settings.top_k),
        x_title=w["x"],
        y_title=w["y"],
        query_label=w["question"],
    )
    st.plotly_chart(fig, key="retrieval_map", alt=say(w["alt"], k=settings.top_k))
    st.caption(say(w["caption"]))


# --------------------------------------------------------------------------- chunk view


@st.fragment
def chunk_view(settings: Settings) -> None:
    """How one document is cut at the current size and overlap, overlaps highlighted."""
    w = words("chunks")
    current = lab()
    docs = {d.id: d for d in current.library}
    if not docs:
        return
    default = "policy-warranty" if "policy-warranty" in docs else next(iter(docs))
    if st.session_state.get("retrieval_chunk_doc") not in docs:
        st.session_state["retrieval_chunk_doc"] = default
    doc_id = st.selectbox(
        say(w["label"]),
        list(docs),
        format_func=lambda i: docs[i].title,
        key="retrieval_chunk_doc",
        help=say(w["help"]),
    )
    doc = docs[doc_id]
    spans = rt.chunk_spans(doc.text, settings.chunk_size, settings.chunk_overlap)
    if not spans:
        st.info(say(w["empty"]))
        return
    st.caption(say(w["legend"]))
    pieces = shared_encoder().count_tokens([f"{doc.title}. {doc.text[s:e]}" for s, e, _ in spans])
    for n, ((start, end, overlap_end), count) in enumerate(zip(spans, pieces, strict=True), 1):
        with st.container(border=True, key=f"retrieval_chunk_{n}"):
            cut = " · cut at 256" if count > MAX_WORD_PIECES else ""
            st.caption(
                say(w["header"], n=n, words=len(doc.text[start:end].split()), pieces=count, cut=cut)
            )
            shared, rest = doc.text[start:overlap_end], doc.text[overlap_end:end]
            marked = f":orange-background[{escape(shared)}] " if shared.strip() else ""
            st.markdown(marked + escape(rest))


# --------------------------------------------------------------------------- the update moment


def _timed(action) -> tuple[int, float]:
    enc = shared_encoder()
    before = enc.base.texts_encoded if hasattr(enc.base, "texts_encoded") else 0
    start = time.perf_counter()
    action()
    after = enc.base.texts_encoded if hasattr(enc.base, "texts_encoded") else 0
    return after - before, (time.perf_counter() - start) * 1000


def _form_doc() -> tuple[str, str, str]:
    s = st.session_state
    return (
        str(s.get("retrieval_form_title") or ""),
        str(s.get("retrieval_form_topic") or ""),
        str(s.get("retrieval_form_text") or ""),
    )


def _load_into_form() -> None:
    current = lab()
    doc = next(
        (d for d in current.library if d.id == st.session_state.get("retrieval_edit_doc")), None
    )
    if doc is not None:
        st.session_state["retrieval_form_title"] = doc.title
        st.session_state["retrieval_form_topic"] = doc.topic or None
        st.session_state["retrieval_form_text"] = doc.text


def _save() -> None:
    w = words("update")
    current = lab()
    title, topic, text = _form_doc()
    problems = rt.validate_doc(title, text)
    if problems:
        notice("error", " ".join(problems))
        return
    action = st.session_state.get("retrieval_edit_action", "add")
    today = dt.date.today().isoformat()
    r = current.retriever
    if action == "edit":
        old = next(
            (d for d in current.library if d.id == st.session_state.get("retrieval_edit_doc")), None
        )
        if old is None:
            notice("error", "Pick a document to edit.")
            return
        doc = rt.Doc(old.id, title.strip(), text, topic or old.topic, today)
        current.library = [doc if d.id == old.id else d for d in current.library]
        texts, ms = _timed(lambda: r.update(doc)) if r else (0, 0.0)
        notice("success", say(w["edited"], title=escape(doc.title), texts=texts, ms=ms))
    else:
        doc = rt.Doc(
            rt.new_doc_id(title, (d.id for d in current.library)),
            title.strip(),
            text,
            topic or "general",
            today,
        )
        current.library = [*current.library, doc]
        texts, ms = _timed(lambda: r.add(doc)) if r else (0, 0.0)
        chunks = len(r.chunks_of(doc.id)) if r else 0
        notice(
            "success", say(w["added"], title=escape(doc.title), texts=texts, chunks=chunks, ms=ms)
        )
        for key in ("retrieval_form_title", "retrieval_form_text"):
            st.session_state[key] = ""


def _delete() -> None:
    w = words("update")
    current = lab()
    doc_id = st.session_state.get("retrieval_edit_doc")
    doc = next((d for d in current.library if d.id == doc_id), None)
    if doc is None:
        return
    current.library = [d for d in current.library if d.id != doc_id]
    if current.retriever:
        current.retriever.remove(doc_id)
    notice("success", say(w["deleted"], title=escape(doc.title)))


def _reset() -> None:
    st.session_state[STATE] = _fresh_lab()
    notice("success", words("update")["reset_done"])


def _import() -> None:
    w = words("update")
    upload = st.session_state.get("retrieval_import")
    if upload is None:
        return
    name = escape(upload.name)
    try:
        docs = rt.library_from_json(upload.getvalue())
    except rt.LibraryError as exc:
        notice("error", w["import_error"].format(name=name, error=escape(str(exc))))
        return
    current = lab()
    current.library = docs
    current.retriever = None  # rebuilt at the current chunking on this rerun
    notice("success", w["imported"].format(n=len(docs), name=name))


def update_panel() -> None:
    """Add, edit or delete a document; reset; export and import the library."""
    w = words("update")
    current = lab()
    docs = {d.id: d for d in current.library}
    topics = rt.library_topics()
    action = st.segmented_control(
        w["action"],
        ["add", "edit", "delete"],
        default="add",
        required=True,
        format_func=lambda a: w["actions"][a],
        key="retrieval_edit_action",
        help=w["action_help"],
    )
    if action in ("edit", "delete") and docs:
        if st.session_state.get("retrieval_edit_doc") not in docs:
            st.session_state["retrieval_edit_doc"] = next(iter(docs))
            _load_into_form()
        st.selectbox(
            w["doc"],
            list(docs),
            format_func=lambda i: docs[i].title,
            key="retrieval_edit_doc",
            on_change=_load_into_form,
            help=w["doc_help"],
        )
    if action == "delete":
        st.button(w["delete"], key="retrieval_delete", on_click=_delete, icon=":material/delete:")
    else:
        with st.form("retrieval_form", border=True):
            st.text_input(
                w["title"],
                key="retrieval_form_title",
                max_chars=rt.MAX_TITLE_CHARS,
                help=w["title_help"],
            )
            st.selectbox(
                w["topic"],
                list(topics),
                format_func=lambda t: topics[t],
                key="retrieval_form_topic",
                index=None,
                help=w["topic_help"],
            )
            st.text_area(
                w["text"],
                key="retrieval_form_text",
                max_chars=rt.MAX_TEXT_CHARS,
                height=140,
                help=w["text_help"],
            )
            st.form_submit_button(w["submit"], on_click=_save, icon=":material/save:")
    show_notices("update")
    r = current.retriever
    st.caption(say(w["count"], docs=len(current.library), chunks=len(r.chunks) if r else 0))
    left, mid = st.columns(2, gap="medium")
    with left:
        st.button(
            w["reset"],
            key="retrieval_reset",
            on_click=_reset,
            help=w["reset_help"],
            icon=":material/restart_alt:",
        )
    with mid:
        st.download_button(
            w["export"],
            rt.library_to_json(current.library),
            file_name="library.json",
            mime="application/json",
            key="retrieval_export",
            help=w["export_help"],
            icon=":material/download:",
            on_click="ignore",
        )
    st.file_uploader(
        w["import"], type=["json"], key="retrieval_import", on_change=_import, help=w["import_help"]
    )
