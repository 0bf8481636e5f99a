"""The reader's choices for this rerun, as one :class:`~brainlab.words.Words` value.

``app.py``'s frame draws the sidebar controls, then :func:`set_words` stores the one value
built from them; every widget and page reads it with :func:`words`. This module imports no
other ``brainlab.ui`` module, so the frame and the quiz no longer import each other.
"""

from __future__ import annotations

import threading

import streamlit as st

from brainlab.content import (
    LANGUAGES,
    VOCABULARIES,
    begin_rerun,
    set_language,
    set_language_provider,
)
from brainlab.words import Words

#: Session-state keys of the sidebar controls (also their URL query parameters).
VOCAB_KEY = "vocab"
PRESENTER_KEY = "presenter"
#: The reader's language: its URL parameter (``?lang=zh``) and session-state key. The switch
#: is not bound to the URL like the others, because a bound control writes its label
#: ("中文") there; :func:`keep_language_in_address` writes the code instead.
LANG_KEY = "lang"
LANG_SWITCH_KEY = "lang_switch"
_WORDS_KEY = "_words"
_LANGUAGE_KEY = "_language"


def _session_language() -> str | None:
    """The language of the running session (``None`` outside a Streamlit script run)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    if get_script_run_ctx() is None:
        return None
    try:
        return st.session_state.get(_LANGUAGE_KEY)
    except Exception:  # no session state in this context
        return None


set_language_provider(_session_language)


def browser_language() -> str:
    """The app language the reader's browser asks for: ``"zh"`` when its locale is Chinese
    (``zh``, ``zh-CN``, ``zh-TW`` ...), else English."""
    try:
        locale = str(st.context.locale or "")
    except Exception:  # no browser (a bare script run)
        locale = ""
    return "zh" if locale.lower().split("-")[0].split("_")[0] == "zh" else "en"


def chosen_language() -> str:
    """The language of this session: set by the sidebar switch, else ``?lang=`` in the
    address the session was opened with, else the browser's."""
    value = st.session_state.get(LANG_KEY)
    if value in LANGUAGES:
        return value
    value = st.query_params.get(LANG_KEY)
    value = value if value in LANGUAGES else browser_language()
    st.session_state[LANG_KEY] = value
    return value


def choose_language(language: str) -> None:
    """The reader picked ``language`` (the sidebar switch's callback)."""
    if language in LANGUAGES:
        st.session_state[LANG_KEY] = language


def keep_language_in_address(language: str) -> None:
    """Write ``?lang=`` into the address on every run, so a shared link, a reload and every
    page (the menu clears other pages' parameters) keep the language. English, when it is
    also the browser's language, stays out of the address."""
    if language != browser_language() or st.query_params.get(LANG_KEY) not in (None, language):
        st.query_params[LANG_KEY] = language
    elif language == "en" and LANG_KEY in st.query_params:
        del st.query_params[LANG_KEY]


def begin_language() -> str:
    """Read this rerun's language and make content load in it (before the menu is built)."""
    begin_rerun()  # each content file's state is asked of the disk once per rerun
    language = chosen_language()
    st.session_state[_LANGUAGE_KEY] = language
    set_language(language)
    return language


def build_words() -> Words:
    """A :class:`Words` from the sidebar controls' current values."""
    value = st.session_state.get(VOCAB_KEY)
    return Words(
        vocab=value if value in VOCABULARIES else "analogy",
        language=chosen_language(),
        presenter=bool(st.session_state.get(PRESENTER_KEY, False)),
    )


def set_words(value: Words) -> None:
    """Store this rerun's :class:`Words` (the frame calls it once, after the sidebar); the
    content of this rerun is read in its language."""
    set_language(value.language)
    st.session_state[_LANGUAGE_KEY] = value.language
    st.session_state[_WORDS_KEY] = value


def run_token() -> object | None:
    """An object that is new for every script run (Streamlit's per-run cursor table)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.cursors


#: Per script thread: the run token of the last run that went through app.py's frame.
_FRAMED: dict[int, object] = {}


def frame_begins() -> None:
    """The frame (app.py's sidebar) is drawn in this run."""
    _FRAMED[threading.get_ident()] = run_token()


def frame_has_run() -> bool:
    """Whether this script run went through app.py's frame (sidebar, menu, Words)."""
    token = run_token()
    return token is not None and _FRAMED.get(threading.get_ident()) is token


#: Per script thread: the run token and page slug of the title the frame drew first.
_TITLED: dict[int, tuple[object, str]] = {}


def title_drawn(slug: str) -> None:
    """The frame drew page ``slug``'s title in this run (``frame.title_first``)."""
    _TITLED[threading.get_ident()] = (run_token(), slug)


def title_was_drawn(slug: str) -> bool:
    """Whether the frame drew page ``slug``'s title in this run (the page then does not)."""
    token = run_token()
    drawn = _TITLED.get(threading.get_ident())
    return token is not None and drawn is not None and drawn[0] is token and drawn[1] == slug


def enter_frame() -> None:
    """Draw app.py's frame from a page script that was started without it.

    On a just-started server, Streamlit's legacy handling of a ``pages/`` folder beside
    ``app.py`` runs the first visit's page script on its own: no menu, no sidebar, no
    Words switch, and it would go on doing so for later visitors. Registering the app's
    pages with ``st.navigation`` ends that for the whole server (a page is identified by
    its ``url_path``, which is its file name, so the address stays the same); the sidebar
    is then drawn here, in the same run, so no click of this run is lost.
    """
    from brainlab.ui.frame import app_pages, draw_sidebar, page_config

    page_config()
    st.navigation(app_pages())
    draw_sidebar()


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


def _named_controls(param: str) -> tuple[str, ...]:
    from brainlab import lessons

    allowed = {c.key for c in lessons.load_controls()}
    return lessons.parse_keys(str(st.query_params.get(param, "")), allowed)


def hidden_controls() -> tuple[str, ...]:
    """The controls a teacher's lesson hides (``?hide=key,key``; only content/builder.toml's)."""
    return _named_controls("hide")


def locked(*keys: str) -> bool:
    """Whether a teacher's lesson locks (``?lock=``) or hides any of ``keys``: the control is
    then drawn disabled, at the value the lesson's address gives it."""
    named = {*_named_controls("lock"), *hidden_controls()}
    return any(k in named for k in keys)
