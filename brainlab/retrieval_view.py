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
    """The grounded answer as shown: its text, whether it abstained, its sources line, and
    its warnings (pages about another product, pages that disagree)."""

    text: str
    abstained: bool
    sources: str
    notes: tuple[str, ...] = ()


def _markers(ns: Sequence[int]) -> str:
    return ", ".join(f"\\[{n}\\]" for n in ns)


def note_text(note: rt.Note, w: Words) -> str:
    """One warning of the grounded answer in the reader's words (escaped Markdown)."""
    return say(
        w,
        "answer",
        f"note_{note.kind}",
        pages=_markers(note.n),
        asked=escape(note.asked),
        names=escape(", ".join(note.names)),
        chosen=_markers([note.chosen]) if note.chosen else "",
        date=escape(note.date or "—"),
    )


def library_answer(answer: rt.Answer, w: Words) -> LibraryAnswer:
    """The grounded answer's words and one line of sources: "[1] Title (date)"."""
    sources = ""
    if answer.sources:
        listed = "; ".join(
            f"\\[{s.n}\\] {escape(s.title)} ({escape(w.date(s.updated) or '—')})"
            for s in answer.sources
        )
        sources = f"{say(w, 'answer', 'sources')}: {listed}"
    notes = tuple(note_text(n, w) for n in answer.notes)
    return LibraryAnswer(escape(answer.text), answer.abstained, sources, notes)


def library_box(shown: LibraryAnswer, w: Words) -> str:
    """The library's box: its name, the answer, its warnings, the sources (Markdown lines)."""
    lines = [f"**{say(w, 'answer', 'rag_title')}**", shown.text]
    lines += [f":small[:orange[{n}]]" for n in shown.notes]
    if shown.sources:
        lines.append(f":small[{shown.sources}]")
    return "  \n".join(lines)


def recall_notes(recall: rt.Recall, brain: rt.FineTunedBrain, w: Words) -> list[str]:
    """What is wrong with the specialist's answer: a product it never learned, a sentence
    about another product, a page changed since its training."""
    out = []
    if recall.unknown:
        out.append(
            say(
                w,
                "answer",
                "brain_unknown",
                asked=escape(recall.unknown),
                trained=escape(w.date(brain.trained_on)),
            )
        )
    elif recall.other:
        out.append(
            say(w, "answer", "brain_other", other=escape(recall.other), asked=escape(recall.asked))
        )
    if recall.stale_since:
        out.append(
            say(
                w,
                "answer",
                "brain_stale",
                date=escape(w.date(recall.stale_since)),
                trained=escape(w.date(brain.trained_on)),
            )
        )
    return [o for o in out if o]


def brain_box(answer: str | rt.Recall, brain: rt.FineTunedBrain, w: Words) -> str:
    """The specialist's box: its name, its answer from memory, what is wrong with it, when
    it learned."""
    recall = answer if isinstance(answer, rt.Recall) else rt.Recall(answer)
    return "  \n".join(
        [
            f"**{say(w, 'answer', 'brain_title')}**",
            escape(recall.text),
            # The warnings name the training date, so they take the plain note's place.
            *(
                [f":small[:orange[{n}]]" for n in notes]
                if (notes := recall_notes(recall, brain, w))
                else [f":small[{brain_note(brain.trained_on, w)}]"]
            ),
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


# --------------------------------------------------------------------------- hit rates


def hit_rate_table(rates: dict[str, rt.HitRate], w: Words) -> dict[str, list[str]]:
    """Each method's hit rate on the evaluation set as table columns: method, right page
    first, right page in the first k."""
    words = page_words("eval")
    k = next(iter(rates.values())).k if rates else 3
    col_k = say(w, "eval", "top_k", k=k)

    def rate(hits: int, total: int) -> str:
        return say(
            w, "eval", "rate", hits=hits, questions=total, share=hits / total if total else 0
        )

    return {
        w(words["method"]): [method_label(m, w) for m in rates],
        w(words["top1"]): [rate(r.top1, r.questions) for r in rates.values()],
        col_k: [rate(r.top_k, r.questions) for r in rates.values()],
    }


def hit_rate_figure(rates: dict[str, rt.HitRate], w: Words) -> go.Figure:
    """Horizontal bars: each method's share of questions with the right page first. All
    three are ways of retrieving, so all bars take the library's colour; labels tell them
    apart. The title names the best method (ties: all of them)."""
    from brainlab.charts import colour, new_figure

    questions = next(iter(rates.values())).questions if rates else 0
    top = max((r.top1 for r in rates.values()), default=0)
    best = w.names([method_label(m, w) for m, r in rates.items() if r.top1 == top])
    fig = new_figure(
        title=say(w, "eval", "chart_title", best=best, hits=top, questions=questions),
        x_title=say(w, "eval", "chart_x"),
        height=230,
        margin={"l": 10, "r": 10, "t": 50, "b": 50},
    )
    fig.add_bar(
        x=[100 * r.top1_rate for r in rates.values()],
        y=[method_label(m, w) for m in rates],
        orientation="h",
        marker_color=colour("rag"),
        text=[f"{r.top1}/{r.questions}" for r in rates.values()],
        textposition="inside",
        hovertemplate="%{y}: %{x:.0f} %<extra></extra>",
    )
    fig.update_xaxes(range=[0, 100])
    fig.update_yaxes(autorange="reversed")
    return fig


def miss_lines(rate: rt.HitRate, titles: dict[str, str], w: Words) -> list[str]:
    """The questions a method got wrong first time: question, expected page, the page it
    fetched first (escaped Markdown)."""
    nothing = say(w, "eval", "nothing")
    return [
        say(
            w,
            "eval",
            "miss_line",
            question=escape(q),
            expected=escape(titles.get(exp, exp)),
            got=escape(titles.get(got, got)) if got else nothing,
        )
        for q, exp, got in rate.misses
    ]


# --------------------------------------------------------------------------- RAG's own risks


def risk_say(w: Words, key: str, **values: Any) -> str:
    """The string ``[words] key`` of content/rag_risks.toml in the reader's words."""
    rendered = w(load_toml(rt.RISKS_FILE)["words"][key])
    return rendered.format(**values) if values else rendered


def risk_lines(run: rt.RiskRun, k: int, w: Words) -> list[str]:
    """What the demo found, in the reader's words (escaped Markdown): where the planted page
    ranked, whether the answer quotes it, and its lines that speak to the model."""
    lines = [risk_say(w, "method", method=method_label(run.case.method, w))]
    if run.planted_rank is None:
        lines.append(risk_say(w, "not_fetched", k=k))
    else:
        lines.append(risk_say(w, "rank", rank=run.planted_rank, k=k))
    lines.append(risk_say(w, "cited" if run.planted_cited else "not_cited"))
    if run.instructions:
        lines.append(risk_say(w, "instructions"))
        lines += [f"> {escape(line)}" for line in run.instructions]
    else:
        lines.append(risk_say(w, "no_instructions"))
    return lines
