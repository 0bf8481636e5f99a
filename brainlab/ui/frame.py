"""What every page shares: the sidebar's vocabulary switch and presenter mode.

``app.py`` calls :func:`draw_sidebar` on every rerun before the page runs; it builds the
rerun's one :class:`~brainlab.words.Words` value, which pages read with ``ui.words()``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from brainlab.content import VOCABULARIES, load_site, load_toml
from brainlab.ui.context import (
    PRESENTER_KEY,
    VOCAB_KEY,
    build_words,
    frame_begins,
    presenter_mode,
    set_words,
    vocab,
)
from brainlab.ui.quiz import sidebar_score
from brainlab.words import Words

__all__ = ["draw_sidebar", "presenter_mode", "vocab"]

# Presenter mode: the one custom CSS block in the app (STYLE.md habit 10). It scales text,
# headings, captions and widgets up for a projector and uses the screen's full width;
# colours stay Streamlit's own. Chart text is scaled by the figures themselves.
_PRESENTER_CSS = """
<style>
/* Presenter mode: everything at least 1.4x larger for the back row of a classroom. */
[data-testid="stMain"] { font-size: 1.5rem; }
[data-testid="stMain"] h1 { font-size: 3.4rem; }
[data-testid="stMain"] h2 { font-size: 2.6rem; }
[data-testid="stMain"] h3 { font-size: 2.1rem; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] td,
[data-testid="stMain"] th, [data-testid="stMain"] label,
[data-testid="stMain"] [data-testid="stCaptionContainer"] { font-size: 1.5rem; }
[data-testid="stMain"] .block-container { max-width: 100%; }
</style>
"""


def page_config() -> None:
    """Wide layout (every lab is a stage) and the app's icon; no title: each page names its tab."""
    st.set_page_config(
        page_icon=str(Path(__file__).resolve().parents[2] / "assets" / "favicon.png"),
        layout="wide",
    )


def app_pages() -> list[st.Page]:
    """Every page of the app, in menu order (content/site.toml); the first is the home page.

    A page's ``url_path`` is its file name (see ``context.enter_frame``).
    """
    return [
        st.Page(
            spec.script,
            title=spec.title,
            icon=spec.icon,
            url_path=spec.url_path,
            default=(index == 0),
        )
        for index, spec in enumerate(load_site())
    ]


def draw_sidebar() -> Words:
    """Draw the sidebar controls every page shares; return this rerun's :class:`Words`.

    Call once per rerun, from ``app.py``.
    """
    words = load_toml("ui.toml")["sidebar"]
    with st.sidebar:
        st.segmented_control(
            words["vocab_label"],
            options=list(VOCABULARIES),
            format_func=lambda v: words["vocab_options"][v],
            default="analogy",
            required=True,
            key=VOCAB_KEY,
            wrap=True,  # options wrap on a phone instead of being cut off
            bind="query-params",
            help=words["vocab_help"],
        )
        st.toggle(
            words["presenter_label"],
            key=PRESENTER_KEY,
            bind="query-params",
            help=words["presenter_help"],
        )
    value = build_words()
    set_words(value)
    frame_begins()
    with st.sidebar:
        sidebar_score()  # the running checkpoint score (issue 6)
        st.caption(words["footer"])
    if value.presenter:
        st.html(_PRESENTER_CSS)
    return value
