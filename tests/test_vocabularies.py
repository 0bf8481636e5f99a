"""Every page, every step, in both vocabularies, reads as English (issue 9, item 4).

Each page is run with AppTest in the analogy's words and in the technical words, on every
step of its lesson. Every text it shows (Markdown, captions, widget labels and help,
tab and expander labels, chart titles, legends and annotations) is collected and must have:
- no leftover ``{{placeholder}}``;
- no word said twice in a row ("the the");
- no doubled term: a bracketed gloss that repeats the words just before it, such as
  "How many pages to fetch (number of pages fetched)";
- no internal file name ("papers_and_prices.md §4.5", "results.csv").
"""

from __future__ import annotations

import contextlib
import json
import re

import pytest

from brainlab.content import load_lesson, load_site
from tests.apptest import run_page

PAGES = load_site()
VOCABS = ("Analogy", "Technical")

_TEXT_FIELDS = {"body", "label", "help", "caption", "placeholder", "value", "content"}
_PLOTLY_KEYS = {"text", "title", "name"}
_STOP = {
    *("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "in", "is"),
    *("it", "its", "of", "on", "or", "the", "to", "with", "this", "that", "what", "which"),
    *("your", "you"),
}


def _plotly_strings(node, key: str = ""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _plotly_strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _plotly_strings(v, key)
    elif isinstance(node, str) and key in _PLOTLY_KEYS:
        yield node


def _repeated(field) -> bool:
    # protobuf 5+ spells it is_repeated; older versions compare label.
    flag = getattr(field, "is_repeated", None)
    return bool(flag) if flag is not None else field.label == field.LABEL_REPEATED


def _proto_strings(message):
    for field, value in message.ListFields():
        if field.name == "spec" and isinstance(value, str):  # a plotly figure, as JSON
            with contextlib.suppress(ValueError):
                yield from _plotly_strings(json.loads(value))
        elif field.type == field.TYPE_MESSAGE:
            items = value if _repeated(field) else [value]
            for item in items:
                yield from _proto_strings(item)
        elif field.type == field.TYPE_STRING and field.name in _TEXT_FIELDS:
            items = value if _repeated(field) else [value]
            yield from (s for s in items if s)


def shown_texts(at) -> list[str]:
    """Every string the run shows, main area and sidebar."""
    out: list[str] = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            out.extend(_proto_strings(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return [s for text in out for s in _readable(text)]


def _readable(text: str) -> list[str]:
    """A Mermaid diagram's source reads as its node and edge labels; other text as itself."""
    if not text.startswith("````mermaid"):
        return [text]
    source = re.sub(r"%%\{.*?\}%%", "", text, flags=re.DOTALL)
    return [label.replace("<br/>", " ") for label in re.findall(r'"([^"]*)"', source)]


def _stems(words: list[str]) -> set[str]:
    return {w[:5] for w in words if w not in _STOP and len(w) > 2}


def problems(text: str) -> list[str]:
    """What reads wrong in one shown text (empty when it reads as English)."""
    found = []
    if "{{" in text or "}}" in text:
        found.append(f"leftover placeholder: {text[:120]!r}")
    plain = re.sub(r"`[^`]*`", " ", text)  # code spans (model names, units) aside
    for match in re.finditer(r"\b([A-Za-z]{2,})\s+\1\b", plain, flags=re.IGNORECASE):
        found.append(f"word twice: {match[0]!r} in {text[:120]!r}")
    for match in re.finditer(r"((?:[\w'-]+\s+){1,6})\(([^()]{3,80})\)", plain):
        before = _stems(re.findall(r"[a-z]+", match[1].lower()))
        inside = _stems(re.findall(r"[a-z]+", match[2].lower()))
        if len(before & inside) >= 2 or (inside and inside <= before):
            found.append(f"doubled term: {match[0]!r}")
    for match in re.finditer(r"\b[\w-]+\.(?:md|csv|toml|py|json)\b|§", plain):
        found.append(f"internal file name: {match[0]!r} in {text[:120]!r}")
    return found


def test_the_checks_catch_what_they_are_for():
    assert problems("How many pages to fetch (number of pages fetched)")
    assert problems("training a {{adapter}}")
    assert problems("see papers_and_prices.md §4.5")
    assert problems("the the model")
    assert not problems("Specialist training (fine-tuning) changes the weights.")
    assert not problems("Old lessons mixed in (replay fraction)")


@pytest.mark.parametrize("vocab", VOCABS)
@pytest.mark.parametrize("slug", [p.slug for p in PAGES])
def test_every_step_reads_as_english_in_both_vocabularies(slug, vocab):
    steps = len(load_lesson(slug).steps) or 1
    found: dict[str, list[str]] = {}
    for n in range(1, steps + 1):
        at = run_page(slug, timeout=120, query={"vocab": vocab, f"{slug}_step": str(n)})
        assert not at.exception, at.exception
        for text in shown_texts(at):
            for problem in problems(text):
                found.setdefault(problem, []).append(f"step {n}")
    assert not found, "\n".join(f"{p} ({', '.join(sorted(set(s)))})" for p, s in found.items())
