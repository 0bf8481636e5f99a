"""A throwaway PostgreSQL server for the tests: ``initdb`` into a temporary folder, then
``postgres`` on 127.0.0.1 at a free port (and a unix socket in the same folder), with a
random password. No system service is used or changed; the server and its folder are gone
when the tests end.

As root (CI runs as root) the server runs as the ``postgres`` user, which Debian's
``postgresql`` package makes: PostgreSQL refuses to run as root.

Without PostgreSQL the tests that need it are skipped, with how to get it; under CI (``CI``
set) they fail instead: CI must run them, never skip them.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOW_TO_GET = (
    "PostgreSQL's initdb and postgres were not found: the PostgreSQL store tests and the "
    "replica test start a throwaway server with them. Install them (Debian, Ubuntu: "
    "sudo apt-get install postgresql; Fedora: sudo dnf install postgresql-server; macOS: "
    "brew install postgresql) or set PG_BINDIR to the folder that holds initdb"
)


def under_ci() -> bool:
    """Whether this is a CI run: ``CI`` set to anything but empty, "0" or "false"."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def bindir() -> Path | None:
    """The folder of ``initdb`` and ``postgres``: $PG_BINDIR, the PATH, or Debian's
    /usr/lib/postgresql/<version>/bin (the newest)."""
    if os.environ.get("PG_BINDIR"):
        candidates = [Path(os.environ["PG_BINDIR"])]
    else:
        on_path = shutil.which("initdb")
        candidates = [Path(on_path).parent] if on_path else []
        debian = glob.glob("/usr/lib/postgresql/*/bin")
        candidates += sorted(
            (Path(d) for d in debian),
            key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0,
            reverse=True,
        )
    for folder in candidates:
        if all(os.access(folder / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """A running server: make databases in it and get their URLs."""

    port: int
    password: str
    folder: Path
    tools: Path
    options: str
    as_user: dict
    user: str = "brainlab"

    def _ctl(self, *args: str, check: bool = True) -> None:
        data, log = str(self.folder / "data"), str(self.folder / "server.log")
        subprocess.run(
            [str(self.tools / "pg_ctl"), "-D", data, "-l", log, "-w", "-t", "60", *args],
            check=check,
            capture_output=True,
            **self.as_user,
        )

    def start(self) -> None:
        self._ctl("-o", self.options, "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``mode="immediate"`` is a crash (no checkpoint, recovery from
        the write-ahead log at the next start)."""
        self._ctl("-m", mode, "stop", check=False)

    def url(self, dbname: str) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        name = "t_" + secrets.token_hex(6)
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def _run_as() -> dict:
    """Popen arguments that drop root for PostgreSQL (it refuses to run as root)."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": entry.pw_uid, "group": entry.pw_gid}
    raise RuntimeError("running as root, and there is no 'postgres' user to run PostgreSQL as")


@contextmanager
def cluster() -> Iterator[Cluster]:
    """Start a throwaway server; stop it and delete its folder afterwards."""
    tools = bindir()
    if tools is None:
        raise FileNotFoundError(HOW_TO_GET)
    folder = Path(tempfile.mkdtemp(prefix="brainlab-pg-"))
    as_user = _run_as()
    try:
        if as_user:
            os.chown(folder, as_user["user"], as_user["group"])
        password = secrets.token_urlsafe(16)
        pwfile = folder / "pw"
        pwfile.write_text(password + "\n")
        if as_user:
            os.chown(pwfile, as_user["user"], as_user["group"])
        data = folder / "data"
        subprocess.run(
            [
                str(tools / "initdb"),
                "-D",
                str(data),
                "-U",
                "brainlab",
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",  # a throwaway cluster: its files need not survive a power cut
            ],
            check=True,
            capture_output=True,
            **as_user,
        )
        pwfile.unlink()
        port = free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} "
            "-c max_connections=60 -c shared_buffers=16MB"
        )
        running = Cluster(
            port=port,
            password=password,
            folder=folder,
            tools=tools,
            options=options,
            as_user=as_user,
        )
        running.start()
        try:
            yield running
        finally:
            running.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
