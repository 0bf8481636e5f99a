"""The reader's words: vocabulary, language and presenter mode as one value, built once per rerun.

Pure presentation code takes a :class:`Words` instead of reading the reader's choices from
session state, so it runs the same in a test, a benchmark or a page::

    w = Words(vocab="technical")
    w("{{Rag}} fetches {{chunk}}s")   # "Retrieval-augmented generation fetches chunks"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from brainlab.content import LANGUAGES, VOCABULARIES, load_toml, render

__all__ = ["LANGUAGES", "Words", "escape"]


@dataclass(frozen=True)
class Words:
    """How the reader wants to be spoken to.

    Parameters
    ----------
    vocab
        ``"analogy"`` (specialist training, super library) or ``"technical"`` (fine-tuning,
        retrieval).
    language
        One of :data:`LANGUAGES`.
    presenter
        Whether presenter mode (everything larger, for a projector) is on.
    """

    vocab: str = "analogy"
    language: str = "en"
    presenter: bool = False

    def __post_init__(self) -> None:
        if self.vocab not in VOCABULARIES:
            raise ValueError(f"unknown vocabulary {self.vocab!r}; expected one of {VOCABULARIES}")
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}; expected one of {LANGUAGES}")

    def __call__(self, text: str) -> str:
        """``text`` with every ``{{term}}`` in this vocabulary and language."""
        return render(text, self.vocab, language=self.language)

    def term(self, key: str) -> str:
        """One glossary term (``Key`` capitalises it)."""
        return render("{{" + key + "}}", self.vocab, language=self.language)

    def toml(self, name: str) -> dict[str, Any]:
        """``content/<name>`` in this language (English where not translated yet)."""
        return load_toml(name, language=self.language)

    @property
    def chart_scale(self) -> float:
        """How much larger chart text is drawn: 1.0, or 1.4 in presenter mode (15 -> 21 px)."""
        return 1.4 if self.presenter else 1.0


#: Every character that starts Markdown, a Streamlit directive (``:red[...]``), an HTML tag
#: or entity, or an autolink (``https://``, ``www.``, ``name@host``).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=^@&])")


#: Where GitHub-flavoured Markdown turns bare text into a link (``https://``, ``www.``,
#: ``name@host``): backslash escapes do not stop it (measured in Chromium), an invisible
#: WORD JOINER (U+2060) inside the trigger does.
_AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp)(?=:)|www(?=\.)|(?=@)")
WORD_JOINER = "\u2060"


def escape(text: str) -> str:
    """User text made inert for ``st.markdown``: every Markdown, directive, HTML or autolink
    character is backslash-escaped and every autolink broken by an invisible WORD JOINER,
    so links, images, colours, web and e-mail addresses show as plain text; newlines
    become spaces."""
    text = _AUTOLINK.sub(lambda m: m.group() + WORD_JOINER, " ".join(str(text).split()))
    return _MD_SPECIAL.sub(r"\\\1", text)
