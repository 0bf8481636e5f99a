"""What the Retrieval lab says and draws, in the reader's words. Pure: no streamlit.

The page (pages/retrieval_lab.py with brainlab/ui/retrieval.py) asks the core
(:mod:`brainlab.retrieval`) and draws what the functions here return: the fetched chunks'
lines, the two answers, the save notices, the prompt's token table and the map. Each takes
a :class:`~brainlab.words.Words`, so it runs the same in a test as on the page, in either
vocabulary.

Every piece of user text (questions, document titles and texts) goes through
:func:`escape` before it becomes Markdown, so Markdown, directives and HTML in it show as
text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from brainlab import retrieval as rt
from brainlab.content import load_toml
from brainlab.embeddings import MAX_WORD_PIECES
from brainlab.retrieval_charts import embedding_map
from brainlab.words import Words
from brainlab.words import escape as escape_markdown

#: The lab's words (content/retrieval_lab.toml).
WORDS_FILE = "retrieval_lab.toml"


def page_words(section: str) -> dict[str, Any]:
    """One table of content/retrieval_lab.toml (read at call time, cached by mtime)."""
    return load_toml(WORDS_FILE)[section]


def say(w: Words, section: str, key: str, **values: Any) -> str:
    """The string ``[section] key`` in the reader's words, with ``{name}`` values put in.

    Terms are rendered first, so ``{{term}}`` is never mistaken for a format field.
    """
    rendered = w(page_words(section)[key])
    return rendered.format(**values) if values else rendered


#: Kept here under its old name; the one escape of user text lives in brainlab/words.py.
escape = escape_markdown


def method_label(method: str, w: Words) -> str:
    """A matching method's short name ("Meaning", "Words", "Both")."""
    return w(page_words("controls")["methods"][method])


def examples() -> list[dict[str, str]]:
    """The example questions: ``label`` and ``question`` each."""
    return list(load_toml(WORDS_FILE)["examples"])


# --------------------------------------------------------------------------- fetched chunks


def highlighted(hit: rt.Hit) -> str:
    """The chunk's text with its best-matching sentence highlighted (escaped Markdown)."""
    text, sentence = hit.text, hit.sentence
    at = text.find(sentence) if sentence else -1
    if at < 0:
        return escape(text)
    before, after = text[:at], text[at + len(sentence) :]
    return f"{escape(before)} :blue-background[**{escape(sentence)}**] {escape(after)}"


@dataclass(frozen=True)
class HitLine:
    """One fetched chunk on the stage: a headline and the sentence nearest the question."""

    headline: str
    sentence: str


def hit_score(hit: rt.Hit) -> str:
    """The score as shown: similarity for dense, "BM25 (similarity)" for the others."""
    if hit.method == "dense" or hit.similarity is None:
        return f"{hit.score:.2f}"
    return f"{hit.score:.2f} ({hit.similarity:.2f})"


def hit_line(n: int, hit: rt.Hit, w: Words) -> HitLine:
    """The compact line of the ``n``-th fetched chunk: score, title and date. (The topic is
    on the map; one line is what fits beside the answers.)"""
    meta = say(w, "stage", "hit_meta", updated=escape(w.date(hit.updated) or "—"))
    head = f":blue-badge[{hit_score(hit)}] **\\[{n}\\] {escape(hit.title or hit.doc_id)}** · {meta}"
    sentence = escape(hit.sentence or hit.text)
    return HitLine(head, sentence)


# --------------------------------------------------------------------------- the two answers


@dataclass(frozen=True)
class LibraryAnswer:
    """The grounded answer as shown: its text, whether it abstained, its sources line."""

    text: str
    abstained: bool
    sources: str


def library_answer(answer: rt.Answer, w: Words) -> LibraryAnswer:
    """The grounded answer's words and one line of sources: "[1] Title (date)"."""
    sources = ""
    if answer.sources:
        listed = "; ".join(
            f"\\[{s.n}\\] {escape(s.title)} ({escape(w.date(s.updated) or '—')})"
            for s in answer.sources
        )
        sources = f"{say(w, 'answer', 'sources')}: {listed}"
    return LibraryAnswer(escape(answer.text), answer.abstained, sources)


def library_box(shown: LibraryAnswer, w: Words) -> str:
    """The library's box: its name, the answer, the sources (Markdown lines)."""
    lines = [f"**{say(w, 'answer', 'rag_title')}**", shown.text]
    if shown.sources:
        lines.append(f":small[{shown.sources}]")
    return "  \n".join(lines)


def brain_box(answer: str, brain: rt.FineTunedBrain, w: Words) -> str:
    """The specialist's box: its name, its answer from memory, when it learned."""
    return "  \n".join(
        [
            f"**{say(w, 'answer', 'brain_title')}**",
            escape(answer),
            f":small[{brain_note(brain.trained_on, w)}]",
        ]
    )


def brain_note(trained_on: str, w: Words) -> str:
    """Under the specialist's answer: when it learned, and that it is blind to edits."""
    return say(w, "answer", "brain_note", date=w.date(trained_on))


def retrained_notice(cost: rt.RetrainCost, total: float, w: Words) -> str:
    """After a retraining run: what it cost in simulated hours and dollars."""
    return say(
        w,
        "answer",
        "retrained",
        hours=cost.hours,
        dollars=cost.dollars,
        tokens=cost.tokens,
        epochs=cost.epochs,
        price=cost.price_per_million,
        total=total,
    )


def cost_source(cost: rt.RetrainCost, price_source: str, w: Words) -> str:
    """Where the retraining hours and price come from."""
    return say(w, "answer", "cost_source", price_source=price_source, tph=cost.tokens_per_hour)


# --------------------------------------------------------------------------- library edits


def saved_notice(title: str, texts: int, ms: float, w: Words) -> str:
    """After an edit was saved: which document, how many texts embedded, how fast."""
    return say(w, "update", "edited", title=escape(title), texts=texts, ms=ms)


def added_notice(title: str, texts: int, chunks: int, ms: float, w: Words) -> str:
    """After a document was added."""
    return say(w, "update", "added", title=escape(title), texts=texts, chunks=chunks, ms=ms)


def follow_doc(hits: Sequence[rt.Hit], library_ids: Sequence[str], default: str) -> str:
    """The document the edit panel shows while the reader has not picked one: the first
    fetched chunk's, else ``default`` (when it is in the library), else the first one."""
    ids = set(library_ids)
    for hit in hits:
        if hit.doc_id in ids:
            return hit.doc_id
    if default in ids:
        return default
    return library_ids[0] if library_ids else ""


# --------------------------------------------------------------------------- prompt and map


def prompt_table(hits: Sequence[rt.Hit], pieces: Sequence[int], w: Words) -> dict[str, list]:
    """Each source's length in word pieces and whether MiniLM reads it whole."""
    words = page_words("prompt")
    return {
        words["table_source"]: [f"[{n}] {h.title}" for n, h in enumerate(hits, 1)],
        words["table_pieces"]: list(pieces),
        words["table_read"]: [
            words["truncated"] if p > MAX_WORD_PIECES else words["whole"] for p in pieces
        ],
    }


def map_figure(r: rt.Retriever, question: str, top_k: int, w: Words) -> go.Figure:
    """Every chunk as a dot (PCA of its embedding), the question, lines to its top-k."""
    mean, comps = rt.pca_2d(r.matrix)
    xy = rt.project(r.matrix, mean, comps)
    query_xy, top = None, []
    if question:
        query_xy = rt.project(r.query_vector(question), mean, comps)[0]
        sims = r.similarities(question)
        top = [int(i) for i in np.argsort(-sims, kind="stable")[:top_k]]
    words = page_words("map")
    return embedding_map(
        xy=xy,
        topics=[r.docs[c.doc_id].topic for c in r.chunks],
        topic_names=rt.library_topics(rt.library_path(getattr(r, "language", "en"))),
        labels=[f"{r.docs[c.doc_id].title} · {c.index + 1}" for c in r.chunks],
        query_xy=query_xy,
        top=top,
        title=say(w, "map", "title_found", k=top_k),
        x_title=w(words["x"]),
        y_title=w(words["y"]),
        query_label=w(words["question"]),
    )


def chunk_header(n: int, words: int, pieces: int, w: Words) -> str:
    """The caption over one chunk in the chunk view."""
    cut = " · cut at 256" if pieces > MAX_WORD_PIECES else ""
    return say(w, "chunks", "header", n=n, words=words, pieces=pieces, cut=cut)
