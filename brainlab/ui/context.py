"""The reader's choices for this rerun, as one :class:`~brainlab.words.Words` value.

``app.py``'s frame draws the sidebar controls, then :func:`set_words` stores the one value
built from them; every widget and page reads it with :func:`words`. This module imports no
other ``brainlab.ui`` module, so the frame and the quiz no longer import each other.
"""

from __future__ import annotations

import threading

import streamlit as st

from brainlab.content import VOCABULARIES
from brainlab.words import Words

#: Session-state keys of the sidebar controls (also their URL query parameters).
VOCAB_KEY = "vocab"
PRESENTER_KEY = "presenter"
_WORDS_KEY = "_words"


def build_words() -> Words:
    """A :class:`Words` from the sidebar controls' current values."""
    value = st.session_state.get(VOCAB_KEY)
    return Words(
        vocab=value if value in VOCABULARIES else "analogy",
        presenter=bool(st.session_state.get(PRESENTER_KEY, False)),
    )


def set_words(value: Words) -> None:
    """Store this rerun's :class:`Words` (the frame calls it once, after the sidebar)."""
    st.session_state[_WORDS_KEY] = value


#: The script threads whose current run went through app.py's frame (see ``enter_frame``).
_IN_FRAME: set[int] = set()


def frame_begins() -> None:
    """app.py, before it runs the page: this run has the frame."""
    _IN_FRAME.add(threading.get_ident())


def frame_ends() -> None:
    """app.py, after the page's run (also when it stops for a rerun)."""
    _IN_FRAME.discard(threading.get_ident())


def frame_has_run() -> bool:
    """Whether this script run went through app.py's frame (sidebar, menu, Words)."""
    return threading.get_ident() in _IN_FRAME


def enter_frame() -> None:
    """Run the app through app.py's frame when a page script was started without it.

    On a just-started server, Streamlit's legacy handling of a ``pages/`` folder beside
    ``app.py`` runs the first visit's page script on its own (no menu, no sidebar, no
    Words switch), and keeps doing so for later visitors. Registering the app's pages with
    ``st.navigation`` ends that for the whole server; the rerun then goes through app.py,
    on the same address (a page is identified by its ``url_path``, which is its file name).
    """
    from brainlab.content import load_site

    st.navigation(
        [
            st.Page(spec.script, title=spec.title, url_path=spec.url_path, default=(i == 0))
            for i, spec in enumerate(load_site())
        ],
        position="hidden",
    )
    st.rerun()


def words() -> Words:
    """This rerun's :class:`Words` (built from the controls if the frame has not run)."""
    value = st.session_state.get(_WORDS_KEY)
    return value if isinstance(value, Words) else build_words()


def vocab() -> str:
    """The vocabulary the reader chose: "analogy" (default) or "technical"."""
    return words().vocab


def presenter_mode() -> bool:
    """Whether presenter mode (large text for a projector) is on."""
    return words().presenter
