"""The forgetting lab's tab "In a real language model": the shipped curves, and a live rerun.

The curves, words and numbers come from :mod:`brainlab.lm_forgetting` (pure, unit-tested);
this module draws them. The live rerun goes through the server's one training queue
(:mod:`brainlab.lm_queue`): the button submits :data:`WORK` for this session; while it
waits or runs, a small fragment polls once a second and shows the place in line or the
progress, with a Cancel button; once it is over, the live curves replace the shipped ones.
Nothing here imports the language model's libraries: only the job itself does, when it
runs.
"""

from __future__ import annotations

import uuid

import streamlit as st

from brainlab import lm_forgetting as lf
from brainlab import lm_queue
from brainlab.ui.widgets import chart
from brainlab.words import Words

PREFIX = "forgetting_lm_"
#: This session's name in the training queue.
OWNER_KEY = PREFIX + "owner"
#: The finished live run (forgetting.json's layout), and whether the reader asked to see
#: the shipped curves again.
LIVE_KEY = PREFIX + "live"
SHIPPED_KEY = PREFIX + "show_shipped"
#: The number of the last job whose end this session has taken in, and what it said.
SEEN_KEY = PREFIX + "seen"
NOTICE_KEY = PREFIX + "notice"
#: How often the waiting or running job is looked at (seconds).
POLL_SECONDS = 1.0
#: What a live run does: ``WORK(progress) -> dict`` (tests replace it with a quick fake).
WORK = lf.live_experiment


@st.cache_data(show_spinner=False)
def _shipped() -> lf.Record:
    return lf.load_record()


def _owner() -> str:
    return st.session_state.setdefault(OWNER_KEY, uuid.uuid4().hex)


def _job() -> lm_queue.Job | None:
    return lm_queue.training_queue().job_of(_owner())


def _take_in(job: lm_queue.Job | None) -> bool:
    """Keep a job's result once it is over (each job once); whether something new came."""
    if job is None or not job.over or st.session_state.get(SEEN_KEY) == job.number:
        return False
    st.session_state[SEEN_KEY] = job.number
    if job.state == lm_queue.DONE:
        st.session_state[LIVE_KEY] = job.result
        st.session_state[SHIPPED_KEY] = False
        st.session_state.pop(NOTICE_KEY, None)
    elif job.state == lm_queue.CANCELLED:
        st.session_state[NOTICE_KEY] = ("cancelled", "")
    else:
        st.session_state[NOTICE_KEY] = ("failed", str(job.error) or type(job.error).__name__)
    return True


def _start() -> None:
    st.session_state.pop(NOTICE_KEY, None)
    try:
        lm_queue.training_queue().submit(_owner(), WORK)
    except lm_queue.QueueFull:
        st.session_state[NOTICE_KEY] = ("full", "")


def _cancel() -> None:
    job = _job()
    if job is not None:
        job.cancel()


def _live_record() -> lf.Record | None:
    raw = st.session_state.get(LIVE_KEY)
    if raw is None or st.session_state.get(SHIPPED_KEY):
        return None
    try:
        return lf.parse_record(raw, live=True)
    except ValueError as exc:
        st.session_state[NOTICE_KEY] = ("failed", str(exc))
        st.session_state.pop(LIVE_KEY, None)
        return None


def panel(w: Words) -> None:
    """The tab: what was done, the verdict, the chart, how it was measured, the live run,
    and the honest label with the full-scale results."""
    shipped = _shipped()
    _take_in(_job())
    record = _live_record() or shipped
    st.caption(lf.intro(shipped, w))
    with st.container(key=PREFIX + "verdict"):
        st.markdown(lf.verdict(record, w))
    with st.container(key=PREFIX + "curve"):
        chart(
            lf.figure(record, w, text_scale=w.chart_scale),
            key=PREFIX + "chart",
            alt=lf.alt(record, w),
            config={"displayModeBar": False},
        )
    st.caption(lf.measured(record, w, shipped=shipped))
    lines = lf.example_lines(record, w)
    if lines:
        with st.expander(lf._say(w, "examples"), icon=":material/chat:"):
            for line in lines:
                st.markdown(line)
    job = _job()
    active = job is not None and not job.over
    st.fragment(run_every=POLL_SECONDS if active else None, key=PREFIX + "live")(live_run)(
        w, shipped, polling=active
    )
    st.markdown(lf.scale(shipped, w))


def live_run(w: Words, shipped: lf.Record, *, polling: bool) -> None:
    """The live run's button, or its place in the queue / progress and Cancel.

    ``polling``: whether this fragment was drawn to rerun every :data:`POLL_SECONDS`. A
    click inside it reruns the fragment alone, which keeps the setting it was drawn with:
    once a job starts (or ends) without it, the whole page reruns to switch it on (off).
    """
    job = _job()
    if _take_in(job):
        st.rerun()  # the whole tab: the chart shows the live run's curves
    active = job is not None and not job.over
    if active != polling:
        st.rerun()
    if active:
        place = job.position
        if job.state == lm_queue.QUEUED and place > 1:
            st.progress(0.0, text=lf._say(w, "queued", place=place))
        elif job.state == lm_queue.QUEUED:
            st.progress(0.0, text=lf._say(w, "starting"))
        else:
            st.progress(job.fraction, text=lf._say(w, "running", fraction=job.fraction))
        st.button(
            lf._say(w, "cancel"),
            key=PREFIX + "cancel",
            on_click=_cancel,
            help=lf._say(w, "cancel_help"),
            icon=":material/stop_circle:",
        )
        return
    notice = st.session_state.get(NOTICE_KEY)
    if notice:
        kind, error = notice
        st.warning(lf._say(w, kind, error=error) if kind == "failed" else lf._say(w, kind))
    left, right = st.columns(2, gap="small")
    left.button(
        lf._say(w, "live_button", minutes=lf.live_minutes(shipped)),
        key=PREFIX + "start",
        on_click=_start,
        help=lf._say(
            w, "live_help", steps=lf.LIVE_STEPS, shipped=shipped.steps, every=lf.LIVE_EVERY
        ),
        icon=":material/play_circle:",
        width="stretch",
    )
    if st.session_state.get(LIVE_KEY) is not None and not st.session_state.get(SHIPPED_KEY):
        right.button(
            lf._say(w, "shipped_again"),
            key=PREFIX + "shipped",
            on_click=lambda: st.session_state.__setitem__(SHIPPED_KEY, True),
            icon=":material/history:",
            width="stretch",
        )
