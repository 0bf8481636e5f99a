"""The stage every page is built on: a lesson in steps beside the live controls and results.

Each page shows one step at a time (step N of M, Back and Next, the arrow keys): a short
text, the control to touch and what to notice, with longer explanations behind "Read more".
The step is bound to the URL (``?<slug>_step=3``), so a shared link opens on the same step.
On the last step, Next goes on to the next page in the menu.
"""

from __future__ import annotations

import streamlit as st

from brainlab.content import Lesson, PageSpec, Step, load_site, load_toml
from brainlab.ui.context import LANG_KEY, PRESENTER_KEY, VOCAB_KEY, words

#: The URL parameters of app.py's frame, kept when a step button opens another page.
_FRAME_PARAMS = (VOCAB_KEY, PRESENTER_KEY, LANG_KEY)


def step_key(page: Lesson) -> str:
    """The session-state key (and URL parameter) of a page's current step."""
    return f"{page.slug}_step"


def _neighbours(slug: str) -> tuple[PageSpec | None, PageSpec | None]:
    site = load_site()
    slugs = [p.slug for p in site]
    i = slugs.index(slug)
    return (site[i - 1] if i > 0 else None, site[i + 1] if i + 1 < len(site) else None)


def _move(key: str, delta: int, total: int) -> None:
    current = st.session_state.get(key) or 1
    st.session_state[key] = min(max(current + delta, 1), total)


def _switch(target: PageSpec) -> None:
    """Go to ``target``, keeping the reader's shareable choices (words, presenter mode).

    ``st.switch_page`` alone clears the address's parameters, which Streamlit refuses
    while widgets are bound to them; the frame's own parameters go along instead.
    """
    keep = {k: v for k, v in st.query_params.to_dict().items() if k in _FRAME_PARAMS}
    st.switch_page(target.script, query_params=keep)


def stepper(page: Lesson, *, read_more: bool = True) -> Step:
    """Draw the step card of ``page`` and return the step the reader is on.

    The card: "Step N of M" with a control to jump to any step, the step's title and text,
    what to touch and what to notice, Back and Next (← and → on the keyboard), and the
    step's "Read more" sections in an expander. Next on the last step opens the next page.
    """
    w = words()
    labels = load_toml("ui.toml")["steps"]
    steps = page.steps
    total = len(steps)
    key = step_key(page)
    previous_page, next_page = _neighbours(page.slug)
    with st.container(border=True, key=f"{page.slug}_stepcard"):
        n = st.segmented_control(
            labels["jump_label"],
            options=list(range(1, total + 1)),
            format_func=str,
            default=1,
            required=True,
            key=key,
            bind="query-params",
            help=labels["jump_help"],
            label_visibility="collapsed",
        )
        n = min(max(int(n or 1), 1), total)
        step = steps[n - 1]
        st.markdown(
            f"**{labels['progress'].format(n=n, total=total)} · {w(step.title)}**",
        )
        if step.text:
            st.markdown(w(step.text))
        if step.touch:
            st.markdown(f":material/touch_app: **{labels['touch']}:** {w(step.touch)}")
        if step.notice:
            st.markdown(f":material/visibility: **{labels['notice']}:** {w(step.notice)}")
        back, forward = st.columns(2)
        with back:
            if n > 1:
                st.button(
                    labels["back"],
                    key=f"{key}_back",
                    icon=":material/arrow_back:",
                    on_click=_move,
                    args=(key, -1, total),
                    help=labels["back_help"],
                    shortcut="Left",
                    width="stretch",
                )
            elif previous_page is not None and st.button(
                labels["back"],
                key=f"{key}_back_page",
                icon=":material/arrow_back:",
                help=labels["previous_page"].format(title=previous_page.title),
                shortcut="Left",
                width="stretch",
            ):
                _switch(previous_page)
        with forward:
            if n < total:
                st.button(
                    labels["next"],
                    key=f"{key}_next",
                    icon=":material/arrow_forward:",
                    type="secondary",  # white on the dark theme's light blue is 2.3:1 (axe)
                    on_click=_move,
                    args=(key, 1, total),
                    help=labels["next_help"],
                    shortcut="Right",
                    width="stretch",
                )
            elif next_page is not None and st.button(
                # Short, so it fits half a narrow card; the tooltip names the page.
                labels["next_page_short"],
                key=f"{key}_next_page",
                icon=":material/arrow_forward:",
                help=labels["next_page"].format(title=next_page.title),
                shortcut="Right",
                width="stretch",
            ):
                _switch(next_page)
        if read_more and step.more:
            with st.expander(labels["read_more"], icon=":material/menu_book:"):
                for section_id in step.more:
                    sec = page.section(section_id)
                    if sec.heading:
                        st.markdown(f"**{w(sec.heading)}**")
                    if sec.body:
                        st.markdown(w(sec.body))
    return step
