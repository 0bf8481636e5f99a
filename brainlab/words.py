"""The reader's words: vocabulary, language and presenter mode as one value, built once per rerun.

Pure presentation code takes a :class:`Words` instead of reading the reader's choices from
session state, so it runs the same in a test, a benchmark or a page::

    w = Words(vocab="technical")
    w("{{Rag}} fetches {{chunk}}s")   # "Retrieval-augmented generation fetches chunks"
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from brainlab.content import LANGUAGES, VOCABULARIES, load_toml, render

__all__ = ["LANGUAGES", "LOCALES", "Words", "escape"]

#: The babel locale each language formats numbers, money and dates with.
LOCALES = {"en": "en_GB", "zh": "zh_CN"}


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
    def locale(self) -> str:
        """The babel locale of :attr:`language` (``en_GB``, ``zh_CN``)."""
        return LOCALES[self.language]

    def date(self, iso: str) -> str:
        """An ISO date (``2025-04-02``) as the reader's language writes it: unchanged in
        English, ``2025年4月2日`` in Chinese. Anything else is returned as it is."""
        if self.language == "en" or not iso:
            return iso
        try:
            day = dt.date.fromisoformat(iso)
        except ValueError:
            return iso
        from babel.dates import format_date

        return format_date(day, format="long", locale=self.locale)

    def number(self, value: float, digits: int = 0) -> str:
        """A number with the reader's grouping and decimal marks (``1,234.5``)."""
        from babel.numbers import format_decimal

        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def names(self, items: list[str]) -> str:
        """Names joined as the reader's language lists them ("A and B", "A、B和C")."""
        from babel.lists import format_list

        return format_list(list(items), locale=self.locale) if items else ""

    def money(self, dollars: float) -> str:
        """US dollars as the reader's language writes them (``$1,234.50``, ``US$1,234.50``)."""
        from babel.numbers import format_currency

        return format_currency(dollars, "USD", locale=self.locale)

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
