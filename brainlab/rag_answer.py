"""The library's generated answer: how it is bounded, and how it is checked against the pages.

The Retrieval lab sends exactly the augmented prompt it shows (:func:`brainlab.retrieval.
build_prompt`) to the small language model (:mod:`brainlab.lm`) and shows what it writes.
A 135 M-parameter model misreads its sources often, so the page never shows its answer
unchecked: :func:`check` compares it with the fetched pages and with the extractive answer
(:func:`brainlab.retrieval.grounded_answer`), and :func:`box` words what is wrong.

- A figure the answer states that no fetched page states is *unsupported* (an invention).
- A figure stated by a fetched page, but not by the page the answer cites, is *miscited*.
- A price question answered with none of the amounts the pages' own sentence gives is a
  *disagreement* ("The K210 kettle costs 1.7 euros": 1.7 is the kettle's volume).
- An answer that cites no ``[n]``, or a ``[n]`` no fetched page has, is flagged too.

Pure Python: no streamlit, no torch (the model is called by :mod:`brainlab.ui.lm_answer`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from brainlab import retrieval as rt
from brainlab.words import _MD_SPECIAL, WORD_JOINER, Words, escape

#: New tokens the library's answer may have: one or two short sentences (measured: a
#: 40-token answer takes about 1.5-2.5 s here), and it fits the blue box on the stage.
MAX_NEW_TOKENS = 48

_MARKER = re.compile(r"\[(\d{1,3})\]")
# A figure stands alone: the "210" of "K210" is part of a name, not a figure.
_FIGURE = re.compile(r"(?<![A-Za-z0-9])\d+(?:[.,:]\d+)*(?![A-Za-z0-9])")
# The model's ways of saying that its sources do not answer the question.
_UNSURE = re.compile(
    r"does not (?:say|contain|mention|have)|doesn't (?:say|contain|mention)|"
    r"no information|not (?:in|mentioned in) the (?:library|sources)|cannot answer|"
    r"can't answer|don't know|do not know",
    re.IGNORECASE,
)


def markers(text: str) -> tuple[int, ...]:
    """The ``[n]`` source markers ``text`` cites, in order, each once."""
    return tuple(dict.fromkeys(int(m) for m in _MARKER.findall(text)))


def figures(text: str) -> tuple[str, ...]:
    """The figures ``text`` states (``[n]`` markers left out), normalised: thousands
    separators dropped ("1,200" and "1200" are one figure), a trailing ".0" kept as written.

    >>> figures("It costs 44 euros [1], and 1,200 W; at 20:00.")
    ('44', '1200', '20:00')
    """
    plain = _MARKER.sub(" ", text)
    out = []
    for raw in _FIGURE.findall(plain):
        figure = re.sub(r",(?=\d{3}(?!\d))", "", raw)  # 1,200 -> 1200; 4,90 stays
        out.append(figure)
    return tuple(dict.fromkeys(out))


def _page_figures(text: str) -> set[str]:
    # Every way a page states its figures: "20:00" also counts as "20" and "00", so an
    # answer that writes "20.00" or "8 pm" is judged by its parts.
    out = set()
    for figure in figures(text):
        out.add(figure)
        out.update(p for p in re.split(r"[:]", figure) if p)
    return out


@dataclass(frozen=True)
class Check:
    """What is wrong with a generated answer, judged against the fetched pages.

    ``cited`` are the valid ``[n]`` it cites; ``unknown`` the markers no fetched page has;
    ``unsupported`` its figures that no fetched page states; ``miscited`` its figures that
    a fetched page states but not the one it cites; ``expected`` the amounts the pages'
    own sentence gives when the answer gives none of them (a price question); ``unsure``
    whether the model says its sources do not answer.
    """

    text: str
    cited: tuple[int, ...] = ()
    unknown: tuple[int, ...] = ()
    unsupported: tuple[str, ...] = ()
    miscited: tuple[str, ...] = ()
    expected: tuple[str, ...] = ()
    unsure: bool = False
    #: It says nothing but a marker ("The answer is: [1]."), a small model's habit.
    hollow: bool = False

    @property
    def uncited(self) -> bool:
        """Whether the answer cites no fetched page at all."""
        return not self.cited

    @property
    def ok(self) -> bool:
        """Nothing to flag: it cites a fetched page and every figure it states is there."""
        return not (
            self.uncited
            or self.unknown
            or self.unsupported
            or self.miscited
            or self.expected
            or self.hollow
        )


def check(text: str, hits: Sequence[rt.Hit], grounded: rt.Answer, question: str = "") -> Check:
    """Judge the generated answer ``text`` against the fetched ``hits`` (in prompt order:
    their ``[n]``) and the extractive answer ``grounded`` to the same ``question``."""
    cited_all = markers(text)
    cited = tuple(n for n in cited_all if 1 <= n <= len(hits))
    unknown = tuple(n for n in cited_all if not 1 <= n <= len(hits))
    pages = [_page_figures(f"{h.title} {h.text}") for h in hits]
    fetched = set().union(*pages) if pages else set()
    cited_pages = set().union(*(pages[n - 1] for n in cited)) if cited else set()
    stated = figures(text)
    unsupported = tuple(f for f in stated if f not in fetched)
    miscited = ()
    if cited:
        miscited = tuple(f for f in stated if f in fetched and f not in cited_pages)
    expected: tuple[str, ...] = ()
    if question and rt.asks_price(question) and not grounded.abstained:
        amounts = tuple(
            dict.fromkeys(
                f
                for s in grounded.sources
                if rt.carries_amount(s.sentence)
                for f in figures(s.sentence)
            )
        )
        if amounts and not set(amounts) & set(stated):
            expected = amounts
    return Check(
        text=text,
        cited=cited,
        unknown=unknown,
        unsupported=unsupported,
        miscited=miscited,
        expected=expected,
        unsure=bool(_UNSURE.search(text)),
        hollow=_hollow(text),
    )


def _hollow(text: str) -> bool:
    words = re.findall(r"\w+", _HOLLOW.sub(" ", _MARKER.sub(" ", text)))
    return len(words) < 2


_HOLLOW = re.compile(r"(?i)\b(?:the\s+)?answer(?:\s+to\s+(?:the|this)\s+question)?\s+is\b")


# The end of the answer's first sentence: at least a few words, a full stop (or ! or ?)
# with any [n] markers after it, then a space and the start of something else; or a line
# break. "1.7 litre" and "4.90 euros" do not end a sentence (no space after the point).
_FIRST_SENTENCE = re.compile(r"^(.{12,}?(?:[.!?](?:\s*\[\d{1,3}\])*(?=\s+[^\s\[])|(?=\n)))", re.S)


def first_sentence(text: str) -> str | None:
    """The answer's first sentence once it is complete (and the ``[n]`` after it), else
    ``None``. The lab asks for one short sentence and stops the model there: what a
    135 M-parameter model writes after it is mostly the page copied out, or invented.

    >>> first_sentence("It keeps drinks hot for 8 hours [1]. Product code")
    'It keeps drinks hot for 8 hours [1].'
    >>> first_sentence("It costs 44 euros. [1] Keep"), first_sentence("It costs 4.90")
    ('It costs 44 euros. [1]', None)
    """
    match = _FIRST_SENTENCE.match(text.lstrip())
    return match.group(1).rstrip() if match else None


def should_generate(question: str, grounded: rt.Answer) -> bool:
    """Whether the model is asked at all. Not when there is no question, and not when the
    extractive path abstains (no fetched page is close enough, or about the product asked):
    the library does not say, and a small model given unrelated pages invents an answer
    ("Who won the 1998 world cup?" -> "The Vortex blender won the 2024 ... Prize"). A real
    RAG system refuses before generating in the same way (a similarity threshold)."""
    return bool(question.strip()) and not grounded.abstained


# --------------------------------------------------------------------------- words


def tidy(text: str) -> str:
    """The model's answer on one line (it sometimes starts a list)."""
    return " ".join(text.split())


def stream_piece(piece: str) -> str:
    """A piece of the answer as it streams, made inert for Markdown: the same escapes as
    :func:`brainlab.words.escape`, but piece by piece (its spaces kept), and every ``:``,
    ``.`` and ``@`` preceded by an invisible WORD JOINER so no autolink can form across
    two pieces."""
    piece = piece.replace("\r", " ").replace("\n", " ")
    piece = re.sub(r"(?=[:.@])", WORD_JOINER, piece)
    return _MD_SPECIAL.sub(r"\\\1", piece)


def escaped_stream(pieces: Iterable[str]) -> Iterator[str]:
    """The pieces of a streamed answer, escaped (:func:`stream_piece`); empty ones dropped.
    Closing this iterator closes ``pieces`` (the model is released at once)."""
    try:
        started = False
        for piece in pieces:
            if not started:
                piece = piece.lstrip()
                started = bool(piece)
            if piece:
                yield stream_piece(piece)
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


def _markers(ns: Iterable[int]) -> str:
    return ", ".join(f"\\[{n}\\]" for n in ns)


def notes(result: Check, pages: int, w: Words) -> list[str]:
    """What is wrong with the generated answer, in the reader's words (one short line each)."""
    from brainlab.retrieval_view import say

    out = []
    if result.unsupported:
        out.append(say(w, "generated", "unsupported", figures=", ".join(result.unsupported)))
    if result.expected:
        out.append(say(w, "generated", "disagrees", amounts=", ".join(result.expected)))
    if result.miscited:
        out.append(
            say(
                w,
                "generated",
                "miscited",
                figures=", ".join(result.miscited),
                pages=_markers(result.cited),
            )
        )
    if result.hollow:
        out.append(say(w, "generated", "hollow"))
    if result.unknown:
        out.append(say(w, "generated", "unknown", pages=_markers(result.unknown), n=pages))
    elif result.uncited and not result.unsure:
        out.append(say(w, "generated", "uncited"))
    return out


def box(
    text: str,
    result: Check,
    grounded: rt.Answer,
    pages: int,
    w: Words,
    page_notes: Sequence[str] = (),
) -> str:
    """The library's box when the model wrote the answer, as one paragraph (the stage has
    no line to spare): its name and the answer, then in small print what is wrong with it,
    the extractive answer as the check, and the warnings about the fetched pages that go
    with it (``page_notes``: another product's page left out, pages that disagree)."""
    from brainlab.retrieval_view import say

    shown = escape(tidy(text)) or say(w, "generated", "empty")
    flags = " ".join(notes(result, pages, w))
    check = say(w, "generated", "checked", answer=escape(grounded.text))
    small = f":orange[{flags}] {check}" if flags else check
    if page_notes:
        small += " " + " ".join(f":orange[{n}]" for n in page_notes)
    return f"**{say(w, 'generated', 'gen_title')}** {shown} :small[{small}]"
