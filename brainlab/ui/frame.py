"""What every page shares: the sidebar's vocabulary switch and presenter mode.

``app.py`` calls :func:`draw_sidebar` on every rerun before the page runs; it builds the
rerun's one :class:`~brainlab.words.Words` value, which pages read with ``ui.words()``.
"""

from __future__ import annotations

import base64
import functools
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from brainlab import classlink
from brainlab.content import LANGUAGES, VOCABULARIES, load_site, load_toml
from brainlab.ui.context import (
    LANG_SWITCH_KEY,
    PRESENTER_KEY,
    VOCAB_KEY,
    begin_language,
    build_words,
    choose_language,
    chosen_language,
    frame_begins,
    hidden_controls,
    keep_language_in_address,
    presenter_mode,
    run_token,
    set_words,
    title_drawn,
    title_was_drawn,
    vocab,
)
from brainlab.words import Words

__all__ = ["draw_sidebar", "presenter_mode", "vocab"]

# Presenter mode: the one custom CSS block in the app (STYLE.md habit 10). Every text of the
# main area is drawn at least 1.4x its normal size (measured by benchmarks/presenter.py:
# body 17 -> 24 px, captions, labels and buttons 14.9 -> 21 px, the page title 46.8 ->
# 66 px), on the screen's full width with less padding, so one step fits a 1280x720
# projector. Colours stay Streamlit's own. Chart text is scaled by the figures themselves
# (widgets.chart), diagrams by the width they are drawn at. The secondary parts a stage
# can do without on a projector carry a ``present_hide`` key and are not shown.
_PRESENTER_CSS = """
<style>
[data-testid="stMain"] .block-container {
  max-width: 100%; padding: 3.5rem 1.25rem 2rem 1.25rem;
}
/* The toolbar floats over the stage's top without hiding it. */
[data-testid="stHeader"] { background: transparent; }
[data-testid="stMain"] { font-size: 24px; }
[data-testid="stMain"] h1 { font-size: 66px; padding: 0; line-height: 1.1; }
[data-testid="stMain"] h2 { font-size: 50px; }
[data-testid="stMain"] h3 { font-size: 40px; }
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] td,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] th { font-size: 24px; }
[data-testid="stMain"] [data-testid="stCaptionContainer"],
[data-testid="stMain"] [data-testid="stCaptionContainer"] p,
[data-testid="stMain"] [data-testid="stWidgetLabel"] p,
[data-testid="stMain"] button p, [data-testid="stMain"] button,
[data-testid="stMain"] [data-baseweb="tab"] p,
[data-testid="stMain"] [data-testid="stSliderThumbValue"],
[data-testid="stMain"] [data-testid="stSliderTickBarMin"],
[data-testid="stMain"] [data-testid="stSliderTickBarMax"],
[data-testid="stMain"] [data-testid="stImageCaption"],
[data-testid="stMain"] input, [data-testid="stMain"] textarea,
[data-testid="stMain"] [data-baseweb="select"] div,
[data-testid="stMain"] code { font-size: 21px; }
[data-testid="stMain"] [class*="st-key-present_hide"] { display: none; }
/* The class link's address, read from the back of the room (only presenter mode has it). */
[data-testid="stDialog"] h1 { font-size: 44px; line-height: 1.2; overflow-wrap: anywhere; }
</style>
"""

# Always on, and only from names the app itself defines: the hidden twins of the step
# card's buttons that answer a presentation clicker (stage.CLICKER_PREFIX), and the
# controls a teacher's lesson hides (only content/builder.toml's keys, checked in
# context.hidden_controls, so the address cannot write CSS).
_HIDE_CSS = "<style>{rules} {{ display: none; }}</style>"


def _hide_css() -> str:
    from brainlab.ui.stage import CLICKER_PREFIX

    selectors = [f'[class*="st-key-{CLICKER_PREFIX}"]']
    selectors += [f".st-key-{key}" for key in hidden_controls()]
    return _HIDE_CSS.format(rules=", ".join(selectors))


#: ``?present=1``: the short address of presenter mode (the toggle's own is ``?presenter=true``).
PRESENT_ALIAS = "present"
_TRUE = {"1", "true", "yes", "on"}


def _presenter_from_url() -> bool:
    """Whether the address asks for presenter mode (``?presenter=true`` or ``?present=1``)."""
    params = st.query_params
    return any(str(params.get(k, "")).lower() in _TRUE for k in (PRESENTER_KEY, PRESENT_ALIAS))


#: The browser tab's icon before numpy is loaded (see :func:`page_config`).
FIRST_PAINT_ICON = "🧠"


def page_config(*, home_title_first: bool = False) -> None:
    """Wide layout (every lab is a stage) and the app's icon; no title: each page names its tab.

    Also reads the rerun's language first, so the menu's page titles are in it. In presenter
    mode the sidebar starts collapsed: the stage gets the screen's full width.

    ``home_title_first`` (app.py, before ``st.navigation``): on the first visit to a just-started
    server, the home page's title is drawn between the layout and the icon (see below)."""
    begin_language()
    # Until numpy is loaded the icon is an emoji: an image icon makes Streamlit import numpy
    # (~150 ms, the first paint's largest extra cost over a bare app), and no icon at all
    # makes the browser take the page's Material icon, fetched from fonts.gstatic.com (an
    # offline classroom cannot reach it; the deep-link tests fail on the request). The
    # frontend draws an emoji icon as an inline SVG: no request. Once the background load
    # has imported numpy, the app's own picture replaces it.
    icon = _tab_icon()
    sidebar = "collapsed" if _presenter_from_url() else "auto"
    if home_title_first and icon == FIRST_PAINT_ICON and "streamlit.emojis" not in sys.modules:
        # The first visit to a just-started server: the emoji icon makes Streamlit load its
        # emoji table first (35-80 ms of regex compiling, once per server), and the icon must
        # come before st.navigation (see above). So the title goes before the icon: app.py
        # runs on that visit only for the app's root address, the home page (a deep link to
        # a fresh server runs its page's script, context.enter_frame); title_first corrects
        # it if the menu opens another page.
        st.set_page_config(layout="wide", initial_sidebar_state=sidebar)
        _home_title()
        st.set_page_config(page_icon=icon)
        return
    st.set_page_config(page_icon=icon, layout="wide", initial_sidebar_state=sidebar)


def _tab_icon() -> str:
    return _favicon() if "numpy" in sys.modules else FIRST_PAINT_ICON


@functools.cache
def _favicon() -> str:
    """assets/favicon.png as a data URL: Streamlit passes one through as it is, where a
    file path goes through PIL on every session's first run (~80 ms)."""
    data = (Path(__file__).resolve().parents[2] / "assets" / "favicon.png").read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


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


#: The pages whose title opens the page, above everything else (a lab's title sits in its
#: stage's left column instead, and its page draws it there).
TITLE_FIRST = ("two_ways", "references", "lesson_builder")


#: Per script thread: the run token and the slot of the title page_config drew for the
#: home page before the menu resolved the page (the first visit to a fresh server).
_HOME_SLOT: dict[int, tuple[object, DeltaGenerator]] = {}


def _presenting() -> bool:
    return _presenter_from_url() or bool(st.session_state.get(PRESENTER_KEY))


def _home_title() -> None:
    home = load_site()[0]
    if home.slug not in TITLE_FIRST or _presenting():
        return
    slot = st.empty()
    slot.title(home.title, anchor=False)
    title_drawn(home.slug)
    _HOME_SLOT[threading.get_ident()] = (run_token(), slot)


def title_first(current: st.Page) -> None:
    """Draw the page's title now, before the sidebar, if it opens the page (:data:`TITLE_FIRST`).

    The browser then paints the heading first (issue 12: the opening lesson's first paint
    within 1.1x a bare Streamlit app's), while the sidebar and the page are still being
    built; the page's :func:`~brainlab.ui.widgets.page_header` leaves the title out. The
    page looks the same: the title is the first element of the page either way. Not in
    presenter mode, whose CSS (drawn with the sidebar) makes the title larger: it would
    paint small first, then grow."""
    site = load_site()
    # The default page's url_path is "" (it is served at the app's root).
    spec = next((s for s in site if s.url_path == current.url_path), site[0])
    token, slot = _HOME_SLOT.pop(threading.get_ident(), (None, None))
    if slot is not None and token is run_token():
        if title_was_drawn(spec.slug):
            return  # page_config drew it: the home page it is
        # Another page after all (a safety net: on a fresh server app.py only runs for the
        # root address): it draws its own title.
        slot.empty()
    if spec.slug not in TITLE_FIRST or _presenting():
        return
    st.title(spec.title, anchor=False)
    title_drawn(spec.slug)


def draw_sidebar() -> Words:
    """Draw the sidebar controls every page shares; return this rerun's :class:`Words`.

    Call once per rerun, from ``app.py``.
    """
    # Imported here, after app.py has drawn the page's title (the first paint, issue 12).
    from brainlab.ui import workspace
    from brainlab.ui.quiz import sidebar_score

    words = load_toml("ui.toml")["sidebar"]
    workspace.begin()  # first: the labs load this session's work from it
    if PRESENT_ALIAS in st.query_params:
        # ``?present=1`` turns the toggle on once; the toggle then keeps it in the address.
        if str(st.query_params[PRESENT_ALIAS]).lower() in _TRUE:
            st.session_state[PRESENTER_KEY] = True
        del st.query_params[PRESENT_ALIAS]
    with st.sidebar:
        # Presenter mode's class address goes on top, in view on a 720 px projector; it
        # is filled in below, once the presenter switch has been read.
        class_slot = st.container()
        share_panel()  # first: its panel opens downwards and needs the room below
        guided_link()
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
        # After Words: tests and other code find the Words switch as the first one.
        language = chosen_language()
        if st.session_state.get(LANG_SWITCH_KEY) not in LANGUAGES:
            st.session_state[LANG_SWITCH_KEY] = language
        st.segmented_control(
            words["lang_label"],
            options=list(LANGUAGES),
            format_func=lambda v: words["lang_options"][v],
            required=True,
            key=LANG_SWITCH_KEY,
            on_change=lambda: choose_language(st.session_state[LANG_SWITCH_KEY]),
            help=words["lang_help"],
        )
        keep_language_in_address(language)
        st.toggle(
            words["presenter_label"],
            key=PRESENTER_KEY,
            bind="query-params",
            help=words["presenter_help"],
        )
    value = build_words()
    set_words(value)
    frame_begins()
    if value.presenter:
        with class_slot:
            class_address()
    with st.sidebar:
        sidebar_score()  # the running checkpoint score (issue 6)
        workspace.panel()  # where the work is kept; start fresh; share a copy (issue 10)
        st.caption(words["footer"])
    st.html(_hide_css())
    if value.presenter:
        st.html(_PRESENTER_CSS)
    return value


def guided_link() -> None:
    """The sidebar's way into the guided lesson: one walk through the whole app."""
    from brainlab import lessons

    words = load_toml("ui.toml")["lesson"]
    first = lessons.load_guided().steps[0]
    keep = {k: v for k, v in st.query_params.to_dict().items() if k in (VOCAB_KEY, PRESENTER_KEY)}
    st.page_link(
        next(p.script for p in load_site() if p.slug == first.page),
        label=words["guided_link"],
        icon=":material/school:",
        help=words["guided_help"],
        query_params={**keep, lessons.LESSON_PARAM: lessons.GUIDED, lessons.TOUR_STEP_PARAM: "1"},
        width="stretch",
    )


# --------------------------------------------------------------------------- sharing

SHARE_KEY = "share_popover"
LARGE_KEY = "share_show_large"
#: Widths of the QR code in pixels: in the panel, and shown large for a room.
QR_SMALL = 220
QR_LARGE = 480


def _server_address() -> str:
    return str(st.get_option("server.address") or "")


def _port() -> int:
    return int(st.get_option("server.port") or 8501)


def page_address() -> str:
    """The current page's address without its query string.

    ``st.context.url`` is the address in the reader's browser. Opened as ``localhost`` on
    a server that listens on the network, the machine's LAN address replaces it, so the
    link also works on a student's phone.
    """
    url = st.context.url or f"http://localhost:{_port()}"
    parts = urlsplit(url)
    served = _server_address()
    if classlink.is_loopback(parts.hostname or "") and not classlink.is_loopback(served):
        link = classlink.class_link(served=served, port=parts.port or 0)
        if link.reachable:
            parts = parts._replace(netloc=urlsplit(link.url).netloc)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def current_query() -> list[tuple[str, str]]:
    """The query string in the reader's address bar, as ``(name, value)`` pairs.

    Bound widgets write their values into the browser's address bar; ``st.query_params``
    on the server keeps the values the page was opened with. The browser sends its
    current query string with every rerun: that is the one to share.
    """
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return [(k, v) for k in st.query_params for v in st.query_params.get_all(k)]
    return parse_qsl(ctx.query_string, keep_blank_values=True)


def current_link() -> str:
    """The full link to the current view: page address and the current query string."""
    from brainlab import share
    from brainlab.ui import workspace

    # Never the workspace id: it gives write access to the sender's work.
    query = [(k, v) for k, v in current_query() if k not in workspace.PRIVATE_PARAMS]
    return share.view_link(page_address(), query)


def qr_image(text: str, width: int, alt: str, caption: str | None = None) -> None:
    # An <img> of the SVG (st.image turns the string into a data URI): no HTML or
    # script of ours or of the link's text reaches the page.
    from brainlab import share

    st.image(share.qr_svg(text), width=width, caption=caption, alt=alt)


def _large_qr(link: str, alt: str) -> None:
    st.code(link, language=None, wrap_lines=True)
    qr_image(link, QR_LARGE, alt)


def _show_large() -> None:
    # A callback runs before the script: the popover can still be closed, so it does not
    # stay open over the dialog.
    st.session_state[SHARE_KEY] = False
    st.session_state[LARGE_KEY] = True


def share_panel() -> None:
    """The sidebar's "Share this view" popover: the link and its QR code. Opening it
    reruns the whole app (``on_change="rerun"``), so the link is the view of that moment,
    also after a lab's fragment has rerun on its own."""
    words = load_toml("ui.toml")["share"]
    panel = st.popover(
        words["label"],
        icon=":material/qr_code_2:",
        help=words["help"],
        key=SHARE_KEY,
        on_change="rerun",
        width="stretch",
    )
    if st.session_state.pop(LARGE_KEY, False):
        st.dialog(words["large_title"], width="large")(_large_qr)(current_link(), words["qr_alt"])
    if not panel.open:
        return
    link = current_link()
    # The code beside the link, so the panel fits a 720 px high screen under its button.
    code, text = panel.columns([QR_SMALL, 300], gap="medium")
    with code:
        qr_image(link, QR_SMALL, words["qr_alt"], words["qr_caption"])
    with text:
        st.caption(words["intro"])
        st.code(link, language=None, wrap_lines=True)
        st.button(
            words["large"],
            key="share_large",
            icon=":material/fullscreen:",
            help=words["large_help"],
            on_click=_show_large,
        )


# --------------------------------------------------------------------------- the class link

#: The class link's button, and the flag its callback leaves for the dialog.
CLASS_BUTTON = "class_link_show"
CLASS_LARGE_KEY = "class_link_large"
#: Width of the class link's QR code in its dialog, in pixels: scanned from the back of a
#: room, and the dialog still fits a 720 px high projector.
QR_CLASS = 400


def class_link() -> classlink.ClassLink:
    """The address students open (:func:`brainlab.classlink.class_link`): from what the
    server listens on, its port, and the address in the teacher's browser."""
    return classlink.class_link(served=_server_address(), port=_port(), browser_url=st.context.url)


def _show_class_link() -> None:
    st.session_state[CLASS_LARGE_KEY] = True


def _class_dialog(link: classlink.ClassLink, words: dict[str, str]) -> None:
    # The code and, beside it, the address as large as the dialog allows: read from the
    # back of the room and typed, or scanned. Side by side, the dialog fits 720 px high.
    code, text = st.columns([QR_CLASS, 700], gap="large", vertical_alignment="center")
    with code:
        qr_image(link.url, QR_CLASS, words["alt"])
    with text:
        st.title(link.url, anchor=False)
        st.caption(words["caption"])


def class_address() -> None:
    """Presenter mode, on top of the sidebar: the address students open on their own
    devices, and a button that shows it large with its QR code (a dialog over the stage,
    so the stage never moves). When students cannot reach the server, says so and how to
    fix it instead, with no code to scan."""
    words = load_toml("ui.toml")["class_link"]
    link = class_link()
    if not link.reachable:
        message = (
            words["local_only"] if link.reason == classlink.LOCAL_ONLY else words["no_network"]
        )
        st.warning(message.format(address=link.served, url=link.url), icon=":material/wifi_off:")
        return
    st.caption(f"**{words['title']}:** `{link.url}`")
    st.button(
        words["button"],
        key=CLASS_BUTTON,
        icon=":material/qr_code_2:",
        help=words["button_help"],
        on_click=_show_class_link,
        width="stretch",
    )
    if st.session_state.pop(CLASS_LARGE_KEY, False):
        st.dialog(words["dialog_title"], width="large")(_class_dialog)(link, words)
