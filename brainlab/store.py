"""Workspaces: what a reader makes, kept on the server under an unguessable id (pure, no
streamlit).

A workspace holds named JSON values ("retrieval" for the library and its settings, "costs"
for the assumptions table, "quiz" for the answers, ...). Its id is carried in the page's
address (``?ws=...``), so a refresh, a new tab with the same address or a server restart
finds the same work, and two readers never see each other's.

Storage is SQLite from the standard library: WAL mode (readers never wait for a writer),
``synchronous=FULL``, one short connection per operation and one ``BEGIN IMMEDIATE``
transaction per change, so a crash between two writes leaves every value either before or
after its change, never half-written. The file lives in ``BRAINLAB_DATA_DIR`` (default:
``data/`` beside the app, git-ignored).

Nothing is deleted: "start fresh" makes a new workspace and the old one stays reachable by
its address. A *share* is a frozen copy of some values; opening its link gives the receiver
a new workspace holding a copy, never access to the sender's.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The environment variable naming the folder of the database.
ENV_DIR = "BRAINLAB_DATA_DIR"
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data"
FILE_NAME = "workspaces.sqlite3"
#: 22 URL-safe characters = 128 random bits (``secrets.token_urlsafe(16)``).
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")
#: Largest value stored, in bytes of JSON (a full library is ~1.6 MB).
MAX_VALUE_BYTES = 4_000_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS workspaces (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    copied_from TEXT
);
CREATE TABLE IF NOT EXISTS items (
    ws TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (ws, name)
);
CREATE TABLE IF NOT EXISTS shares (
    id TEXT PRIMARY KEY,
    ws TEXT NOT NULL,
    created REAL NOT NULL,
    snapshot TEXT NOT NULL
);
"""


class StoreError(ValueError):
    """A workspace or share id is malformed, or a value cannot be stored."""


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of the database: ``BRAINLAB_DATA_DIR`` or ``data/`` beside the app."""
    value = (os.environ if environ is None else environ).get(ENV_DIR, "").strip()
    return Path(value).expanduser() if value else DEFAULT_DIR


def new_id() -> str:
    """A fresh unguessable id (128 random bits)."""
    return secrets.token_urlsafe(16)


def valid_id(value: Any) -> bool:
    """Whether ``value`` looks like an id this module makes."""
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def _dump(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot store this value: {exc}") from None
    if len(text.encode("utf-8", "surrogatepass")) > MAX_VALUE_BYTES:
        raise StoreError("the value is too large to store")
    return text


class Store:
    """Workspaces in one SQLite file (safe to share between threads and processes).

    Parameters
    ----------
    path
        The database file; ``None``: :data:`FILE_NAME` in :func:`data_dir`.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One short connection per operation: nothing is shared between threads.
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            yield db
        finally:
            db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # ------------------------------------------------------------------ workspaces

    def create(self, *, copied_from: str | None = None) -> str:
        """Make a new, empty workspace; return its id."""
        ws = new_id()
        with self._write() as db:
            db.execute(
                "INSERT INTO workspaces (id, created, copied_from) VALUES (?, ?, ?)",
                (ws, time.time(), copied_from),
            )
        return ws

    def exists(self, ws: str) -> bool:
        """Whether a workspace with this id was ever written."""
        if not valid_id(ws):
            return False
        with self._connect() as db:
            row = db.execute("SELECT 1 FROM workspaces WHERE id = ?", (ws,)).fetchone()
        return row is not None

    def _check(self, ws: str) -> None:
        if not valid_id(ws):
            raise StoreError("not a workspace id")

    def get(self, ws: str, name: str, default: Any = None) -> Any:
        """The value ``name`` of workspace ``ws``, or ``default``."""
        self._check(ws)
        with self._connect() as db:
            row = db.execute(
                "SELECT value FROM items WHERE ws = ? AND name = ?", (ws, name)
            ).fetchone()
        return default if row is None else json.loads(row[0])

    def items(self, ws: str) -> dict[str, Any]:
        """Every value of workspace ``ws``."""
        self._check(ws)
        with self._connect() as db:
            rows = db.execute("SELECT name, value FROM items WHERE ws = ?", (ws,)).fetchall()
        return {name: json.loads(value) for name, value in rows}

    def put(self, ws: str, name: str, value: Any) -> None:
        """Store one value (one transaction); the workspace is made if it is new."""
        self.put_many(ws, {name: value})

    def put_many(self, ws: str, values: Mapping[str, Any]) -> None:
        """Store several values in one transaction: all of them change, or none."""
        self._check(ws)
        texts = {name: _dump(value) for name, value in values.items()}
        now = time.time()
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO workspaces (id, created) VALUES (?, ?)", (ws, now))
            for name, text in texts.items():
                db.execute(
                    "INSERT INTO items (ws, name, value, updated) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (ws, name) DO UPDATE SET value = excluded.value, "
                    "updated = excluded.updated",
                    (ws, name, text, now),
                )

    def workspaces(self) -> list[str]:
        """Every workspace id (for the operator; the app never lists them to readers)."""
        with self._connect() as db:
            return [r[0] for r in db.execute("SELECT id FROM workspaces ORDER BY created")]

    # ------------------------------------------------------------------ shares

    def share(self, ws: str, names: Iterable[str]) -> str:
        """Freeze a copy of some values of ``ws``; return the share's id (not ``ws``)."""
        self._check(ws)
        snapshot = {k: v for k, v in self.items(ws).items() if k in set(names)}
        share_id = new_id()
        with self._write() as db:
            db.execute(
                "INSERT INTO shares (id, ws, created, snapshot) VALUES (?, ?, ?, ?)",
                (share_id, ws, time.time(), _dump(snapshot)),
            )
        return share_id

    def open_share(self, share_id: str) -> str | None:
        """A new workspace holding a copy of the share; ``None`` if there is no such share.

        The receiver's edits go to their own workspace; the sender's is never written.
        """
        if not valid_id(share_id):
            return None
        with self._connect() as db:
            row = db.execute("SELECT ws, snapshot FROM shares WHERE id = ?", (share_id,)).fetchone()
        if row is None:
            return None
        ws = new_id()
        now = time.time()
        values = json.loads(row[1])
        with self._write() as db:
            db.execute(
                "INSERT INTO workspaces (id, created, copied_from) VALUES (?, ?, ?)",
                (ws, now, f"share:{share_id}"),
            )
            for name, value in values.items():
                db.execute(
                    "INSERT INTO items (ws, name, value, updated) VALUES (?, ?, ?, ?)",
                    (ws, name, _dump(value), now),
                )
        return ws

    def integrity(self) -> str:
        """SQLite's own check of the file ("ok" when sound)."""
        with self._connect() as db:
            return db.execute("PRAGMA integrity_check").fetchone()[0]
