"""Workspaces: what a reader makes, kept on the server under an unguessable id (pure, no
streamlit).

A workspace holds named JSON values ("retrieval" for the library and its settings, "costs"
for the assumptions table, "quiz" for the answers, ...). Its id is carried in the page's
address (``?ws=...``), so a refresh, a new tab with the same address or a server restart
finds the same work, and two readers never see each other's.

Storage is SQLite from the standard library by default: WAL mode (readers never wait for a
writer), ``synchronous=FULL``, one short connection per operation and one ``BEGIN IMMEDIATE``
transaction per change, so a crash between two writes leaves every value either before or
after its change, never half-written. The file lives in ``BRAINLAB_DATA_DIR`` (default:
``data/`` beside the app, git-ignored).

Past one machine: with ``BRAINLAB_DATABASE_URL`` set (``postgresql://user:password@host/db``)
the same tables live in PostgreSQL, through ``psycopg`` 3, so several ``streamlit run``
replicas behind a load balancer share every workspace. The same SQL runs on both (``?``
placeholders become ``%s``); each change is one transaction there too, and a client that
dies mid-transaction leaves nothing of it, since the server rolls it back. Connections are
kept in a small pool per process and checked before reuse, so a restarted database server
costs no error.

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
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The environment variable naming the folder of the database.
ENV_DIR = "BRAINLAB_DATA_DIR"
#: The environment variable holding a PostgreSQL URL; set, it wins over the SQLite file.
ENV_URL = "BRAINLAB_DATABASE_URL"
URL_SCHEMES = ("postgresql://", "postgres://")
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data"
FILE_NAME = "workspaces.sqlite3"
#: 22 URL-safe characters = 128 random bits (``secrets.token_urlsafe(16)``).
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")
#: Largest value stored, in bytes of JSON (a full library is ~1.6 MB).
MAX_VALUE_BYTES = 4_000_000
#: Longest value name (names are the app's own: "retrieval", "costs", ...).
MAX_NAME_CHARS = 100

#: The same tables on SQLite and PostgreSQL. DOUBLE PRECISION: an 8-byte float on both
#: (SQLite gives it REAL affinity; PostgreSQL's REAL would be 4 bytes).
SCHEMA = """
CREATE TABLE IF NOT EXISTS workspaces (
    id TEXT PRIMARY KEY,
    created DOUBLE PRECISION NOT NULL,
    copied_from TEXT
);
CREATE TABLE IF NOT EXISTS items (
    ws TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    updated DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (ws, name)
);
CREATE TABLE IF NOT EXISTS shares (
    id TEXT PRIMARY KEY,
    ws TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    snapshot TEXT NOT NULL
);
"""


class StoreError(ValueError):
    """A workspace or share id is malformed, or a value cannot be stored."""


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of the database: ``BRAINLAB_DATA_DIR`` or ``data/`` beside the app."""
    value = (os.environ if environ is None else environ).get(ENV_DIR, "").strip()
    return Path(value).expanduser() if value else DEFAULT_DIR


def database_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The PostgreSQL URL of ``BRAINLAB_DATABASE_URL``, or ``None`` (SQLite)."""
    value = (os.environ if environ is None else environ).get(ENV_URL, "").strip()
    return value or None


def is_url(where: Any) -> bool:
    """Whether ``where`` names a PostgreSQL database rather than an SQLite file."""
    return isinstance(where, str) and where.startswith(URL_SCHEMES)


def configured(environ: Mapping[str, str] | None = None) -> str | Path:
    """Where :class:`Store` keeps workspaces when given nothing: the PostgreSQL URL if one
    is set, else the SQLite file in :func:`data_dir`."""
    return database_url(environ) or data_dir(environ) / FILE_NAME


def describe(where: str | Path) -> str:
    """``where`` for a log or a message: a URL without its password."""
    if not is_url(where):
        return str(where)
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(str(where))
    except Exception:  # a malformed URL: say nothing of its contents
        return "postgresql://(malformed URL)"
    host = parts.get("host", "")
    port = f":{parts['port']}" if parts.get("port") else ""
    user = f"{parts['user']}@" if parts.get("user") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname', '')}"


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
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: not text either database can hold
        raise StoreError("cannot store this value: it is not valid text") from None
    if size > MAX_VALUE_BYTES:
        raise StoreError("the value is too large to store")
    return text


def _check_name(name: Any) -> str:
    # Printable: no NUL (the one character PostgreSQL's text cannot hold) and no lone
    # surrogate, on either database.
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_CHARS or not name.isprintable():
        raise StoreError("not a value name")
    return name


class _SQLite:
    """One SQLite file: a short connection per operation, ``BEGIN IMMEDIATE`` per change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        # One short connection per operation: nothing is shared between threads.
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            yield db
        finally:
            db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def integrity(self) -> str:
        with self.connect() as db:
            return db.execute("PRAGMA integrity_check").fetchone()[0]


class _Cursorless:
    """A psycopg connection that takes the SQLite module's ``?`` placeholders."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: tuple = ()) -> Any:
        return self.conn.execute(sql.replace("?", "%s"), params)


class _Postgres:
    """A PostgreSQL database through psycopg 3: a small pool of autocommit connections
    (a read is one statement), and ``conn.transaction()`` (BEGIN ... COMMIT) per change."""

    #: Idle connections kept per process; more are opened when needed, then closed.
    KEEP = 4
    #: A schema change by two replicas starting at once waits on this advisory lock.
    SCHEMA_LOCK = 0x6272_6C61_62  # "brlab"

    def __init__(self, url: str) -> None:
        import psycopg  # only when a database URL is set

        self._psycopg = psycopg
        self.url = url
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        with self.write() as db:
            db.execute("SELECT pg_advisory_xact_lock(?)", (self.SCHEMA_LOCK,))
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    def _open(self) -> Any:
        return self._psycopg.connect(self.url, autocommit=True, connect_timeout=10)

    def _take(self) -> Any:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is not None:
            try:  # a pooled connection may have died with a restarted server: check it
                conn.execute("SELECT 1")
                return conn
            except self._psycopg.Error:
                conn.close()
        return self._open()

    def _give_back(self, conn: Any) -> None:
        idle = self._psycopg.pq.TransactionStatus.IDLE
        if conn.closed or conn.broken or conn.info.transaction_status != idle:
            conn.close()
            return
        with self._lock:
            if len(self._idle) < self.KEEP:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def connect(self) -> Iterator[_Cursorless]:
        conn = self._take()
        try:
            yield _Cursorless(conn)
        except BaseException:
            conn.close()  # whatever state it is in, it is not reused
            raise
        self._give_back(conn)

    @contextmanager
    def write(self) -> Iterator[_Cursorless]:
        with self.connect() as db, db.conn.transaction():
            yield db

    def integrity(self) -> str:
        """PostgreSQL keeps its own pages sound; this checks what the store relies on:
        every value belongs to a workspace and is whole JSON."""
        problems = []
        with self.connect() as db:
            orphans = db.execute(
                "SELECT count(*) FROM items WHERE ws NOT IN (SELECT id FROM workspaces)"
            ).fetchone()[0]
            if orphans:
                problems.append(f"{orphans} values without a workspace")
            for table, column in (("items", "value"), ("shares", "snapshot")):
                for (text,) in db.execute(f"SELECT {column} FROM {table}"):
                    try:
                        json.loads(text)
                    except ValueError:
                        problems.append(f"a value in {table} is not whole JSON")
                        break
        return "; ".join(problems) or "ok"


class Store:
    """Workspaces in one SQLite file or one PostgreSQL database (safe to share between
    threads and processes).

    Parameters
    ----------
    where
        An SQLite file, or a ``postgresql://`` URL; ``None``: :func:`configured` (the URL of
        ``BRAINLAB_DATABASE_URL`` if set, else :data:`FILE_NAME` in :func:`data_dir`).
    """

    def __init__(self, where: str | Path | None = None) -> None:
        self.where: str | Path = configured() if where is None else where
        #: The SQLite file, or ``None`` on PostgreSQL.
        self.path: Path | None = None
        if is_url(self.where):
            self._db: _SQLite | _Postgres = _Postgres(str(self.where))
        else:
            self.path = Path(self.where)
            self._db = _SQLite(self.path)

    @property
    def backend(self) -> str:
        """ "sqlite" or "postgresql"."""
        return "sqlite" if self.path is not None else "postgresql"

    def _connect(self) -> Any:
        return self._db.connect()

    def _write(self) -> Any:
        return self._db.write()

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
        _check_name(name)
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
        texts = {_check_name(name): _dump(value) for name, value in values.items()}
        now = time.time()
        with self._write() as db:
            db.execute(
                "INSERT INTO workspaces (id, created) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
                (ws, now),
            )
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
            rows = db.execute("SELECT id FROM workspaces ORDER BY created").fetchall()
        return [r[0] for r in rows]

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
        """The database's check of what it holds ("ok" when sound): SQLite's own
        ``integrity_check``; on PostgreSQL, every value whole and in a workspace."""
        return self._db.integrity()
