"""Uploads checked on the server, and uploads nobody attached not kept.

Two gaps in Streamlit 1.67 (measured for issue 10, defect 8):

- ``st.file_uploader(max_upload_size=...)`` is enforced only in the browser; the server
  accepts anything up to ``server.maxUploadSize`` (5 MB here). :func:`too_big` is the
  server-side check each lab makes before it reads a file.
- A client may PUT files to ``/_stcore/upload_file/<session>/<id>`` that no widget ever
  refers to; Streamlit keeps them in memory until the session ends. :func:`install_bound`
  caps what one session can hold (oldest files dropped first), and :func:`prune_unattached`,
  called at the end of each run, drops files no uploader of this session shows, once they
  are older than a grace period (a file is uploaded a moment before the rerun that
  attaches it).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import streamlit as st

#: The app's file uploaders (their widget keys): a file they show is attached.
UPLOADERS = ("retrieval_import", "cost_import")
#: Files one session may hold at once, and their total size in bytes.
MAX_FILES_PER_SESSION = 4
MAX_BYTES_PER_SESSION = 6 * 1024 * 1024
#: An upload no uploader shows is kept this long (it may be attached by the next rerun).
GRACE_SECONDS = 60.0

_first_seen: dict[tuple[str, str], float] = {}
_seen_lock = threading.Lock()


def too_big(upload: Any, limit_mb: float) -> bool:
    """Whether an uploaded file is over ``limit_mb`` megabytes (checked on the server)."""
    size = getattr(upload, "size", None)
    if not isinstance(size, int):
        size = len(upload.getvalue())
    return size > limit_mb * 1024 * 1024


def size_mb(upload: Any) -> str:
    """The file's size in MB with one decimal, for messages."""
    return f"{upload.size / (1024 * 1024):.1f}"


def bound_session(manager: Any, session_id: str) -> None:
    """Drop the oldest files of one session until it holds at most
    :data:`MAX_FILES_PER_SESSION` files and :data:`MAX_BYTES_PER_SESSION` bytes."""
    storage = manager.file_storage.get(session_id)
    if not storage:
        return
    with _seen_lock:
        now = time.monotonic()
        for file_id in storage:
            _first_seen.setdefault((session_id, file_id), now)
        order = sorted(storage, key=lambda f: _first_seen[(session_id, f)])
    while order and (
        len(order) > MAX_FILES_PER_SESSION
        or sum(len(storage[f].data) for f in order if f in storage) > MAX_BYTES_PER_SESSION
    ):
        oldest = order.pop(0)
        manager.remove_file(session_id, oldest)
        with _seen_lock:
            _first_seen.pop((session_id, oldest), None)


def install_bound(manager: Any) -> None:
    """Make ``manager.add_file`` keep each session within the bound (once per manager)."""
    if getattr(manager, "_brainlab_bounded", False):
        return
    original = manager.add_file

    def add_file(session_id: str, file: Any) -> None:
        with _seen_lock:
            _first_seen[(session_id, file.file_id)] = time.monotonic()
        original(session_id=session_id, file=file)
        bound_session(manager, session_id)

    manager.add_file = add_file
    manager._brainlab_bounded = True


def attached_ids() -> set[str]:
    """File ids the app's uploaders show in this session now."""
    ids: set[str] = set()
    for key in UPLOADERS:
        try:
            value = st.session_state.get(key)
        except Exception:  # a widget Streamlit cannot read back: nothing attached
            continue
        for upload in value if isinstance(value, list) else [value]:
            file_id = getattr(upload, "file_id", None)
            if isinstance(file_id, str):
                ids.add(file_id)
    return ids


def prune(manager: Any, session_id: str, keep: set[str], now: float | None = None) -> int:
    """Remove this session's files not in ``keep`` and older than the grace period."""
    storage = manager.file_storage.get(session_id) or {}
    now = time.monotonic() if now is None else now
    removed = 0
    for file_id in list(storage):
        with _seen_lock:
            seen = _first_seen.setdefault((session_id, file_id), now)
        if file_id not in keep and now - seen >= GRACE_SECONDS:
            manager.remove_file(session_id, file_id)
            with _seen_lock:
                _first_seen.pop((session_id, file_id), None)
            removed += 1
    return removed


def prune_unattached() -> None:
    """End of a run: bound the upload store and drop this session's unattached files."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    manager = getattr(ctx, "uploaded_file_mgr", None)
    if ctx is None or not hasattr(manager, "file_storage"):
        return  # not the in-memory manager (or not a server run): nothing to do
    install_bound(manager)
    prune(manager, ctx.session_id, attached_ids())
