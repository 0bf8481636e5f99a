"""The stage every page is built on: a lesson in steps beside the live controls and results.

Each page shows one step at a time (step N of M, Back and Next, the arrow keys and the
PageDown/PageUp keys a presentation clicker sends): a short text, the control to touch and
what to notice, with longer explanations behind "Read more". The step is bound to the URL
(``?<slug>_step=3``), so a shared link opens on the same step. On the last step, Next goes
on to the next page in the menu (and Back on the first to the previous page's last step).

A lesson across pages (:mod:`brainlab.lessons`: the guided lesson, or a teacher's own from
the lesson builder) replaces the page's card with the lesson's: its step N of M over all
pages, bound to ``?tour=N``; Next on a lesson step of another page opens that page.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from brainlab import lessons
from brainlab.content import Lesson, PageSpec, Step, load_lesson, load_site, load_toml, page_spec
from brainlab.lessons import Tour, TourStep
from brainlab.ui.context import LANG_KEY, PRESENTER_KEY, VOCAB_KEY, words

#: The URL parameters of app.py's frame, kept when a step button opens another page.
_FRAME_PARAMS = (VOCAB_KEY, PRESENTER_KEY, LANG_KEY)
#: The parameters of a lesson across pages, kept too while it runs.
_LESSON_PARAMS = (
    lessons.LESSON_PARAM,
    lessons.TOUR_STEP_PARAM,
    lessons.HIDE_PARAM,
    lessons.LOCK_PARAM,
)
#: Keys of the buttons only a clicker presses (PageDown, PageUp): the frame hides them.
CLICKER_PREFIX = "clicker_"


def step_key(page: Lesson) -> str:
    """The session-state key (and URL parameter) of a page's current step."""
    return f"{page.slug}_step"


def _neighbours(slug: str) -> tuple[PageSpec | None, PageSpec | None]:
    site = load_site()
    slugs = [p.slug for p in site]
    i = slugs.index(slug)
    return (site[i - 1] if i > 0 else None, site[i + 1] if i + 1 < len(site) else None)


def onward(slug: str) -> None:
    """A page's last line: a link to the next page in the menu (from the last page, to the
    first), keeping the reader's shareable choices. Pages without a stepper end with it;
    a stepper's last step has its own "Next page" button."""
    following = _neighbours(slug)[1]
    target = following or load_site()[0]
    labels = load_toml("ui.toml")["steps"]
    label = labels["onward" if following else "onward_first"].format(title=target.title)
    st.page_link(
        target.script,
        label=label,
        icon=":material/arrow_forward:",
        help=labels["onward_help"],
        query_params=kept_params(),
    )


def _move(key: str, delta: int, total: int) -> None:
    current = st.session_state.get(key) or 1
    st.session_state[key] = min(max(int(current) + delta, 1), total)


def kept_params(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """The address's parameters that go along to another page: the frame's, a running
    lesson's, and the scenario presets a teacher's lesson carries (content/builder.toml)."""
    names = {*_FRAME_PARAMS, *_LESSON_PARAMS, *extra}
    if lessons.LESSON_PARAM in st.query_params:
        names |= set(lessons.load_preset_keys())
    return {k: v for k, v in st.query_params.to_dict().items() if k in names}


def _switch(target: PageSpec, **params: str) -> None:
    """Go to ``target``, keeping the reader's shareable choices (words, presenter mode).

    ``st.switch_page`` alone clears the address's parameters, which Streamlit refuses
    while widgets are bound to them; the frame's own parameters go along instead.
    """
    st.switch_page(target.script, query_params=_unbound({**kept_params(), **params}))


def _unbound(params: dict[str, str]) -> dict[str, str]:
    """``params`` without those bound to a widget of this run: Streamlit refuses to set
    them; their widgets' session state carries their values to the next page instead."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return params
    with ctx.session_state.query_params() as qp:
        return {k: v for k, v in params.items() if not qp.is_bound(k)}


def _nav_button(
    label: str,
    key: str,
    icon: str,
    help_text: str,
    shortcuts: tuple[str, str],
    on_click: Callable[[], None],
) -> None:
    """A Back or Next button (first shortcut: an arrow key), and a hidden twin that answers
    the clicker's key (second shortcut): ``st.button`` takes one shortcut each."""
    st.button(
        label,
        key=key,
        icon=icon,
        type="secondary",  # white on the dark theme's light blue is 2.3:1 (axe)
        on_click=on_click,
        help=help_text,
        shortcut=shortcuts[0],
        width="stretch",
    )
    st.button(
        label,
        key=f"{CLICKER_PREFIX}{key}",
        on_click=on_click,
        shortcut=shortcuts[1],
    )


def _request_switch(slug: str, params: dict[str, str]) -> None:
    # A callback cannot switch pages; the script does, right after the card (see _go).
    st.session_state["_stage_switch"] = (slug, params)


def _go() -> None:
    """Open the page a Next/Back callback asked for, if any."""
    request = st.session_state.pop("_stage_switch", None)
    if request:
        slug, params = request
        _switch(page_spec(slug), **params)


def _progress(n: int, total: int, text: str) -> None:
    st.progress(n / total, text=text)


def _read_more(page: Lesson, step: Step, labels: dict[str, str]) -> None:
    w = words()
    with st.expander(labels["read_more"], icon=":material/menu_book:"):
        for section_id in step.more:
            sec = page.section(section_id)
            if sec.heading:
                st.markdown(f"**{w(sec.heading)}**")
            if sec.body:
                st.markdown(w(sec.body))


def _card_text(title: str, text: str, touch: str, notice: str, labels: dict[str, str]) -> None:
    w = words()
    if title:
        st.markdown(f"**{w(title)}**")
    if text:
        st.markdown(w(text))
    if touch:
        st.markdown(f":material/touch_app: **{labels['touch']}:** {w(touch)}")
    if notice:
        st.markdown(f":material/visibility: **{labels['notice']}:** {w(notice)}")


def stepper(page: Lesson, *, read_more: bool = True) -> Step:
    """Draw the step card of ``page`` and return the step the reader is on.

    The card: "Step N of M" with a control to jump to any step (and a progress bar in
    presenter mode), the step's title and text, what to touch and what to notice, Back
    and Next (← and →, PageUp and PageDown), and the step's "Read more" sections in an
    expander (not in presenter mode: one step, one screen). Next on the last step opens
    the next page. While a lesson across pages runs, its card is drawn instead.
    """
    tour = current_tour()
    if tour is not None and any(s.page == page.slug for s in tour.steps):
        return _tour_card(page, tour)
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
        progress = labels["progress"].format(n=n, total=total)
        if w.presenter:
            _progress(n, total, f"**{progress} · {w(step.title)}**")
        else:
            st.markdown(f"**{progress} · {w(step.title)}**")
        _card_text("", step.text, step.touch, step.notice, labels)
        back, forward = st.columns(2)
        with back:
            if n > 1:
                _nav_button(
                    labels["back"],
                    f"{key}_back",
                    ":material/arrow_back:",
                    labels["back_help"],
                    ("Left", "PageUp"),
                    lambda: _move(key, -1, total),
                )
            elif previous_page is not None:
                last = len(load_lesson(previous_page.slug).steps)
                params = {f"{previous_page.slug}_step": str(last)} if last else {}
                _nav_button(
                    labels["back"],
                    f"{key}_back_page",
                    ":material/arrow_back:",
                    labels["previous_page"].format(title=previous_page.title),
                    ("Left", "PageUp"),
                    lambda: _request_switch(previous_page.slug, params),
                )
        with forward:
            if n < total:
                _nav_button(
                    labels["next"],
                    f"{key}_next",
                    ":material/arrow_forward:",
                    labels["next_help"],
                    ("Right", "PageDown"),
                    lambda: _move(key, 1, total),
                )
            elif next_page is not None:
                _nav_button(
                    # Short, so it fits half a narrow card; the tooltip names the page.
                    labels["next_page_short"],
                    f"{key}_next_page",
                    ":material/arrow_forward:",
                    labels["next_page"].format(title=next_page.title),
                    ("Right", "PageDown"),
                    lambda: _request_switch(next_page.slug, {}),
                )
        _go()
        if read_more and step.more and not w.presenter:
            _read_more(page, step, labels)
    return step


# --------------------------------------------------------------------------- lessons


def current_tour() -> Tour | None:
    """The lesson across pages the address names (``?lesson=``), or ``None``."""
    value = st.query_params.get(lessons.LESSON_PARAM)
    if not value:
        return None
    if value == lessons.GUIDED:
        return lessons.load_guided()
    steps = lessons.parse_plan(value)
    if not steps:
        return None
    title = load_toml("ui.toml")["lesson"]["custom_title"]
    return Tour("custom", title, steps)


#: The lesson's current step (the truth), and the jump box's own key. Not bound with
#: bind="query-params": the step goes into the address by hand, and along to the next
#: page, which a bound parameter cannot.
_TOUR_KEY = "_tour_step"
_JUMP_KEY = "tour_jump"


def _jump() -> None:
    st.session_state[_TOUR_KEY] = st.session_state[_JUMP_KEY]


def _tour_step_of(tour: Tour, n: int) -> TourStep:
    return tour.steps[min(max(n, 1), len(tour.steps)) - 1]


def _leave_tour(page: Lesson, step_id: str) -> None:
    """Leave the lesson (a callback): the page's own steps, on the same step, every
    control free again."""
    for name in _LESSON_PARAMS:
        if name in st.query_params:
            del st.query_params[name]
    st.session_state.pop(_TOUR_KEY, None)
    index = next(i for i, s in enumerate(page.steps, start=1) if s.id == step_id)
    st.session_state[step_key(page)] = index


def _tour_card(page: Lesson, tour: Tour) -> Step:
    """The card of a lesson across pages, on one of its steps on this page."""
    w = words()
    labels = load_toml("ui.toml")["steps"]
    lesson_words = load_toml("ui.toml")["lesson"]
    total = len(tour.steps)
    key = _TOUR_KEY
    here = [i for i, s in enumerate(tour.steps, start=1) if s.page == page.slug]
    if key not in st.session_state:
        # A new visit: the step the address names, if it is on this page; else the
        # lesson's first step here.
        raw = str(st.query_params.get(lessons.TOUR_STEP_PARAM, ""))
        asked = int(raw) if raw.isdigit() else 0
        ok = 1 <= asked <= total and tour.steps[asked - 1].page == page.slug
        st.session_state[key] = asked if ok else here[0]
    n = min(max(int(st.session_state[key]), 1), total)
    step_here = _tour_step_of(tour, n)
    if step_here.page != page.slug:
        # Next, Back or a jump to a step of another page: go there.
        _switch(page_spec(step_here.page), **{lessons.TOUR_STEP_PARAM: str(n)})
    if st.query_params.get(lessons.TOUR_STEP_PARAM) != str(n):
        st.query_params[lessons.TOUR_STEP_PARAM] = str(n)
    # The jump box shows the lesson's step (its own state is only the reader's pick).
    st.session_state[_JUMP_KEY] = n
    with st.container(border=True, key=f"{page.slug}_stepcard"):
        title, jump = st.columns([3, 2], vertical_alignment="center")
        title.caption(f"**{w(tour.title)}**")
        jump.selectbox(
            labels["jump_label"],
            options=list(range(1, total + 1)),
            format_func=str,
            key=_JUMP_KEY,
            on_change=_jump,
            help=lesson_words["jump_help"],
            label_visibility="collapsed",
        )
        own = next(s for s in page.steps if s.id == step_here.step)
        progress = labels["progress"].format(n=n, total=total)
        _progress(n, total, f"**{progress} · {w(step_here.title or own.title)}**")
        _card_text(
            "",
            step_here.text or own.text,
            step_here.touch or own.touch,
            step_here.notice or own.notice,
            labels,
        )
        back, forward, leave = st.columns([2, 2, 1])
        if n > 1:
            with back:
                _nav_button(
                    labels["back"],
                    "tour_back",
                    ":material/arrow_back:",
                    labels["back_help"],
                    ("Left", "PageUp"),
                    lambda: _move(key, -1, total),
                )
        if n < total:
            with forward:
                _nav_button(
                    labels["next"],
                    "tour_next",
                    ":material/arrow_forward:",
                    labels["next_help"],
                    ("Right", "PageDown"),
                    lambda: _move(key, 1, total),
                )
        leave.button(
            "",
            key="tour_leave",
            icon=":material/close:",
            help=lesson_words["leave_help"],
            type="tertiary",
            on_click=_leave_tour,
            args=(page, own.id),
        )
    return own
