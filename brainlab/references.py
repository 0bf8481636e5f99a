"""The published sources behind the app's figures, from ``content/references.toml``.

A citing place in content/ names an entry by its id: in a ``refs`` list beside its
``source``, in a ``refs`` table keyed like a preset's ``sources``, or in a Markdown link
``[text](/references#<id>)``. The References page lists every entry with its address and
date; :func:`cited_ids` finds every id a content file names, so a test can check them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brainlab.content import CONTENT_DIR, ContentError, language_root, load_toml

FILE = "references.toml"

#: A Markdown link to an entry of the References page: ``/references#<id>``.
LINK = re.compile(r"/references#(?P<id>[a-z0-9_]+)")


@dataclass(frozen=True)
class Reference:
    """One published source: what it is, where to read it, when, and which pages use it."""

    id: str
    title: str
    authors: str
    url: str
    date: str
    used_by: tuple[str, ...]
    cite_as: tuple[str, ...] = ()
    note: str = ""


def load_references(
    root: Path = CONTENT_DIR, *, language: str | None = None
) -> tuple[Reference, ...]:
    """Every entry of ``content/references.toml``, in the page's order, in ``language``
    (the reader's current language by default: ``content/zh/references.toml`` in Chinese,
    whose ids, addresses and pages are the English file's).

    Raises
    ------
    ContentError
        When an entry lacks a field, or two entries share an id.
    """
    path = language_root(language, root) / FILE  # the file an error names
    if not path.is_file():
        path = root / FILE
    out: list[Reference] = []
    for i, raw in enumerate(load_toml(FILE, root, language=language).get("references", [])):
        fields = ("id", "title", "authors", "url", "date", "used_by")
        missing = [k for k in fields if not raw.get(k)]
        if missing:
            raise ContentError(path, f"references[{i}] is missing {', '.join(missing)}")
        out.append(
            Reference(
                id=str(raw["id"]),
                title=str(raw["title"]),
                authors=str(raw["authors"]),
                url=str(raw["url"]),
                date=str(raw["date"]),
                used_by=tuple(str(s) for s in raw["used_by"]),
                cite_as=tuple(str(s) for s in raw.get("cite_as", ())),
                note=str(raw.get("note", "")),
            )
        )
    ids = [r.id for r in out]
    if len(set(ids)) != len(ids):
        raise ContentError(path, "two entries share an id")
    return tuple(out)


def words(root: Path = CONTENT_DIR, *, language: str | None = None) -> dict[str, str]:
    """The page's own labels ("Used in", "Date"...), from the file's ``[words]`` table."""
    table = load_toml(FILE, root, language=language).get("words", {})
    return {str(k): str(v) for k, v in table.items()}


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _refs(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _refs(v)


def cited_ids(value: Any) -> set[str]:
    """Every entry id named in ``value`` (a parsed TOML file or a text).

    Counts the strings under any ``refs`` key and every ``/references#<id>`` link.
    """
    found: set[str] = set()
    if isinstance(value, str):
        found.update(m["id"] for m in LINK.finditer(value))
    elif isinstance(value, list):
        for v in value:
            found |= cited_ids(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            found |= set(_refs(v)) if k == "refs" else cited_ids(v)
    return found


def links(ids: list[str] | tuple[str, ...], root: Path = CONTENT_DIR) -> str:
    """Markdown links to the References page's entries ``ids`` (their ids as the text).

    Empty when ``ids`` is empty; an unknown id raises, so a typo cannot ship a dead link.
    """
    known = {r.id for r in load_references(root)}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ContentError(root / FILE, f"no entries {unknown}")
    if not ids:
        return ""
    return words(root)["see"] + " " + ", ".join(f"[{i}](/references#{i})" for i in ids)
