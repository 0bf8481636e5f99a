"""The reader's workspace: which one this session uses, loading and saving the labs' work,
and the sidebar's "Your work" panel (start fresh, share a copy).

The id is carried in the address (``?ws=...``): a refresh, a restart of the server or the
same address in a new tab finds the same work (:mod:`brainlab.store`). A page switch drops
the query string, so every run puts the id back. ``?copy=<share id>`` opens a copy of what
someone shared, in a new workspace of the receiver's own.

The store is a module-level singleton, not ``st.cache_resource``: any client can send
"clear cache", which empties that for everyone.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import streamlit as st

from brainlab import store
from brainlab.content import load_toml

WS_PARAM = "ws"
COPY_PARAM = "copy"
#: Query parameters that must never go into a "share this view" link (write access).
PRIVATE_PARAMS = frozenset({WS_PARAM, COPY_PARAM})
_ID = "_ws_id"
_SAVED = "_ws_saved"  # name -> the JSON last written, so an unchanged value is not rewritten
_NOTE = "_ws_note"
_PANEL = "ws_panel"
#: What a share copies: the library and its settings, and the assumptions table.
SHARED = ("retrieval", "costs")
#: Session-state keys of the labs' work, forgotten on "start fresh".
LAB_STATES = (
    "retrieval_lab_state",
    "cost_state",
    "quiz_answers",
    "forgetting_state",
    "forgetting_restored",
)

_STORE: store.Store | None = None
_STORE_LOCK = threading.Lock()


def get_store() -> store.Store:
    """The process's one :class:`~brainlab.store.Store` (opened on first use): PostgreSQL
    when ``BRAINLAB_DATABASE_URL`` is set (several replicas share it), else SQLite."""
    global _STORE
    with _STORE_LOCK:
        where = store.configured()
        if _STORE is None or _STORE.where != where:
            _STORE = store.Store(where)
    return _STORE


def _words() -> dict[str, str]:
    return load_toml("ui.toml")["workspace"]


def begin() -> str:
    """This session's workspace id, from the address or new; called once per run, first."""
    ws = st.session_state.get(_ID)
    shared = st.query_params.get(COPY_PARAM)
    if shared is not None:
        del st.query_params[COPY_PARAM]
        copy = get_store().open_share(shared)
        w = _words()
        if copy is None:
            st.session_state[_NOTE] = ("warning", w["copy_missing"])
        else:
            _forget_labs()
            ws = copy
            st.session_state[_NOTE] = ("success", w["copy_opened"])
    if ws is None:
        from_url = st.query_params.get(WS_PARAM)
        ws = from_url if store.valid_id(from_url) else store.new_id()
    st.session_state[_ID] = ws
    if st.query_params.get(WS_PARAM) != ws:
        st.query_params[WS_PARAM] = ws
    return ws


def current() -> str:
    """The workspace id of this run (:func:`begin` if the frame has not run yet)."""
    ws = st.session_state.get(_ID)
    return ws if store.valid_id(ws) else begin()


def load(name: str) -> Any:
    """The saved value ``name`` of this workspace, or ``None``."""
    try:
        value = get_store().get(current(), name)
    except (store.StoreError, OSError, ValueError):
        return None
    if value is not None:
        st.session_state.setdefault(_SAVED, {})[name] = json.dumps(value, sort_keys=True)
    return value


def save(name: str, value: Any) -> None:
    """Write ``value`` if it changed since the last save (one transaction)."""
    text = json.dumps(value, sort_keys=True, default=str)
    saved = st.session_state.setdefault(_SAVED, {})
    if saved.get(name) == text:
        return
    try:
        get_store().put(current(), name, value)
    except (store.StoreError, OSError, ValueError) as exc:  # e.g. a lone surrogate
        st.session_state[_NOTE] = ("error", _words()["save_failed"].format(error=str(exc)[:200]))
        return
    saved[name] = text


#: Widget keys that show a lab's work (the assumptions table, the checkpoint's answers):
#: forgotten with it, or a new table would pick up the old table's pending edits.
WIDGET_MARKS = ("cost_table_", "_quiz_")


def _forget_labs() -> None:
    for key in (*LAB_STATES, _SAVED):
        st.session_state.pop(key, None)
    for key in list(st.session_state):
        if isinstance(key, str) and any(mark in key for mark in WIDGET_MARKS):
            del st.session_state[key]


#: Set by "Start fresh": the labs then ignore the values a shared link put in the address
#: (a bound slider's old value would otherwise come back into the fresh lab).
FRESH_START = "_ws_fresh_start"


def fresh_start() -> bool:
    """Whether this session has just started a fresh workspace (read once)."""
    return bool(st.session_state.pop(FRESH_START, False))


def _start_fresh() -> None:
    old = st.session_state.get(_ID)
    _forget_labs()
    st.session_state[FRESH_START] = True
    st.session_state[_ID] = store.new_id()
    st.query_params[WS_PARAM] = st.session_state[_ID]
    st.session_state[_NOTE] = ("info", _words()["fresh_done"])
    st.session_state["_ws_previous"] = old


def _share_copy() -> None:
    try:
        st.session_state["_ws_share"] = get_store().share(current(), SHARED)
    except (store.StoreError, OSError) as exc:
        st.session_state[_NOTE] = ("error", _words()["save_failed"].format(error=str(exc)[:200]))


def _link(**params: str) -> str:
    from brainlab.share import view_link
    from brainlab.ui.frame import page_address

    return view_link(page_address(), list(params.items()))


def panel() -> None:
    """The sidebar's "Your work" pop-over: where the work is kept, start fresh, share."""
    w = _words()
    note = st.session_state.pop(_NOTE, None)
    if note:
        getattr(st, note[0])(note[1])
    pop = st.popover(
        w["label"],
        icon=":material/folder_open:",
        help=w["help"],
        key=_PANEL,
        on_change="rerun",
        width="stretch",
    )
    if not pop.open:
        return
    with pop:
        ws = current()
        st.caption(w["where"])
        st.code(_link(**{WS_PARAM: ws}), language=None, wrap_lines=True)
        previous = st.session_state.get("_ws_previous")
        if store.valid_id(previous):
            st.caption(w["previous"])
            st.code(_link(**{WS_PARAM: previous}), language=None, wrap_lines=True)
        st.button(
            w["fresh"],
            key="ws_fresh",
            on_click=_start_fresh,
            help=w["fresh_help"],
            icon=":material/note_add:",
        )
        st.button(
            w["share"],
            key="ws_share",
            on_click=_share_copy,
            help=w["share_help"],
            icon=":material/share:",
        )
        shared = st.session_state.get("_ws_share")
        if store.valid_id(shared):
            st.caption(w["share_link"])
            st.code(_link(**{COPY_PARAM: shared}), language=None, wrap_lines=True)
