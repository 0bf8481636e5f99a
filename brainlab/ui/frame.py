"""What every page shares: the sidebar's vocabulary switch and presenter mode.

``app.py`` calls :func:`draw_sidebar` on every rerun before the page runs, so pages read the
reader's choices with :func:`vocab` and :func:`presenter_mode`.
"""

from __future__ import annotations

import streamlit as st

from brainlab.content import VOCABULARIES, load_toml
from brainlab.ui.quiz import sidebar_score

VOCAB_KEY = "vocab"
PRESENTER_KEY = "presenter"

# Presenter mode: the one custom CSS block in the app (STYLE.md habit 10). It only scales
# text and widgets up for a projector; colours and layout stay Streamlit's own.
_PRESENTER_CSS = """
<style>
/* Presenter mode: larger type for the back row of a classroom. */
[data-testid="stMain"] { font-size: 1.3rem; }
[data-testid="stMain"] h1 { font-size: 3.1rem; }
[data-testid="stMain"] h2 { font-size: 2.3rem; }
[data-testid="stMain"] h3 { font-size: 1.8rem; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] td,
[data-testid="stMain"] th, [data-testid="stMain"] label { font-size: 1.3rem; }
</style>
"""


def draw_sidebar() -> None:
    """Draw the sidebar controls every page shares. Call once per rerun, from ``app.py``."""
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
        sidebar_score()  # the running checkpoint score (issue 6)
        st.caption(words["footer"])
    if presenter_mode():
        st.html(_PRESENTER_CSS)


def vocab() -> str:
    """The vocabulary the reader chose: "analogy" (default) or "technical"."""
    value = st.session_state.get(VOCAB_KEY)
    return value if value in VOCABULARIES else "analogy"


def presenter_mode() -> bool:
    """Whether presenter mode (large text for a projector) is on."""
    return bool(st.session_state.get(PRESENTER_KEY, False))
