"""Workspaces (issue 10, items 1 and 2): refresh, restart, two readers in parallel, a crash
between two writes, shares that copy and never grant access. Plain pytest, each test on
both backends: a real SQLite file, and a real PostgreSQL server (tests/pg_server.py starts a
throwaway one; without PostgreSQL these are skipped, and under CI they fail)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from brainlab import store
from brainlab.store import Store, StoreError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> Path | str:
    """Where a store lives: an SQLite file, or the URL of a new PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "ws.sqlite3"
    return request.getfixturevalue("pg_cluster").create_database()


def test_a_value_is_there_on_the_next_read_and_after_a_restart(db):
    s = Store(db)
    ws = store.new_id()
    assert s.get(ws, "retrieval") is None and not s.exists(ws)
    s.put(ws, "retrieval", {"docs": [{"id": "a", "title": "Ä \u202eRTL", "text": "x\x00y"}]})
    assert s.exists(ws)
    # A refresh reads it again; a restart is a new Store object on the same file.
    restarted = Store(db)
    assert restarted.get(ws, "retrieval")["docs"][0]["text"] == "x\x00y"
    assert restarted.items(ws).keys() == {"retrieval"}


def test_the_folder_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(store.ENV_DIR, str(tmp_path / "elsewhere"))
    s = Store()
    assert s.path == tmp_path / "elsewhere" / store.FILE_NAME and s.path.exists()
    monkeypatch.delenv(store.ENV_DIR)
    assert store.data_dir() == ROOT / "data"


def test_the_default_folder_is_git_ignored():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "data/workspaces.sqlite3"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0


def test_ids_are_unguessable_and_checked(db):
    s = Store(db)
    ids = {store.new_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(store.valid_id(i) for i in ids)
    for bad in ["", "abc", "../../etc/passwd", "x" * 23, "a b" * 8, None, 5]:
        assert not store.valid_id(bad)
        assert not s.exists(bad)
    with pytest.raises(StoreError):
        s.put("short", "x", 1)
    with pytest.raises(StoreError):
        s.put(store.new_id(), "x", float("nan"))


def test_two_workspaces_in_parallel_never_see_or_overwrite_each_other(db):
    s = Store(db)
    a, b = store.new_id(), store.new_id()
    errors = []

    def writer(ws, tag):
        try:
            mine = Store(db)  # as another server thread or process would
            for i in range(60):
                mine.put(ws, "costs", {"owner": tag, "i": i})
                mine.put(ws, f"n{i % 3}", tag)
                assert mine.get(ws, "costs")["owner"] == tag
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(ws, t)) for ws, t in ((a, "A"), (b, "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert s.get(a, "costs") == {"owner": "A", "i": 59}
    assert s.get(b, "costs") == {"owner": "B", "i": 59}
    assert all(v == "A" for k, v in s.items(a).items() if k != "costs")
    assert all(v == "B" for k, v in s.items(b).items() if k != "costs")


def test_a_change_is_one_transaction(db):
    s = Store(db)
    ws = store.new_id()
    s.put_many(ws, {"library": [1], "settings": {"k": 1}})
    with pytest.raises(StoreError):
        s.put_many(ws, {"library": [2], "settings": {1, 2}})  # a set is not JSON: nothing
    assert s.items(ws) == {"library": [1], "settings": {"k": 1}}


CHILD = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, {root!r})
    from brainlab.store import Store
    s = Store({db!r})
    ws = {ws!r}
    i = 0
    while True:
        i += 1
        s.put_many(ws, {{"a": i, "b": i, "pad": "x" * 20000}})  # one transaction
        s.put(ws, "first", i)
        if {crash_between!r} and i == 25:
            os._exit(1)  # dies between two separate writes
        s.put(ws, "second", i)
    """
)


def run_child(db, ws, crash_between):
    code = CHILD.format(root=str(ROOT), db=str(db), ws=ws, crash_between=crash_between)
    return subprocess.Popen([sys.executable, "-c", code])


def test_a_crash_between_two_writes_leaves_the_database_consistent(db):
    s = Store(db)
    ws = store.new_id()
    run_child(db, ws, crash_between=True).wait(60)
    # The first write of step 25 is there, the second is not; nothing half-written.
    assert s.get(ws, "first") == 25 and s.get(ws, "second") == 24
    assert s.integrity() == "ok"


def test_a_writer_killed_mid_write_leaves_every_transaction_whole(db):
    s = Store(db)
    for _ in range(5):
        ws = store.new_id()
        child = run_child(db, ws, crash_between=False)
        deadline = time.monotonic() + 20
        while (s.get(ws, "a") or 0) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        values = Store(db).items(ws)
        assert values["a"] == values["b"] >= 5  # the pair written together is whole
        assert s.integrity() == "ok"


def test_a_share_gives_a_copy_never_the_senders_workspace(db):
    s = Store(db)
    sender = store.new_id()
    s.put_many(sender, {"retrieval": {"docs": ["mine"]}, "costs": {"v": 1}, "quiz": {"q": 2}})
    share_id = s.share(sender, ["retrieval", "costs"])
    assert share_id != sender and store.valid_id(share_id)
    s.put(sender, "costs", {"v": 99})  # later edits of the sender are not in the share
    receiver = s.open_share(share_id)
    assert receiver not in (None, sender)
    assert s.items(receiver) == {"retrieval": {"docs": ["mine"]}, "costs": {"v": 1}}
    s.put(receiver, "costs", {"v": -5})  # the receiver edits their copy only
    assert s.get(sender, "costs") == {"v": 99}
    # Opening the link twice gives two separate copies.
    assert s.open_share(share_id) not in (receiver, sender)
    assert s.open_share(store.new_id()) is None and s.open_share("../x") is None


def test_text_neither_database_can_hold_is_a_clear_error_and_writes_nothing(db):
    s = Store(db)
    ws = store.new_id()
    s.put(ws, "library", ["kept"])
    for value in ["a lone surrogate \ud800", {"k": ["x\udfff"]}]:
        with pytest.raises(StoreError, match="not valid text"):
            s.put_many(ws, {"library": value, "other": 1})
    for name in ["", "x\x00y", "\ud800", "n" * 101, 5]:
        with pytest.raises(StoreError, match="not a value name"):
            s.put(ws, name, 1)
    assert s.items(ws) == {"library": ["kept"]}


# ---------------------------------------------------------------------- PostgreSQL only


def test_a_database_url_wins_over_the_folder_and_its_password_is_never_shown(
    pg_cluster, tmp_path, monkeypatch
):
    url = pg_cluster.create_database()
    monkeypatch.setenv(store.ENV_DIR, str(tmp_path / "unused"))
    monkeypatch.setenv(store.ENV_URL, url)
    s = Store()
    assert s.backend == "postgresql" and s.path is None and store.configured() == url
    assert not (tmp_path / "unused").exists()  # no SQLite file beside it
    ws = store.new_id()
    s.put(ws, "costs", {"v": 1})
    assert Store(url).get(ws, "costs") == {"v": 1}  # another process's view: the same row
    shown = store.describe(url)
    assert pg_cluster.password not in shown
    assert shown == f"postgresql://brainlab@127.0.0.1:{pg_cluster.port}/{url.rsplit('/', 1)[1]}"
    # The app's one store per process follows the setting.
    from brainlab.ui import workspace

    assert workspace.get_store().backend == "postgresql"
    assert workspace.get_store().get(ws, "costs") == {"v": 1}
    monkeypatch.delenv(store.ENV_URL)
    assert Store().backend == "sqlite" and workspace.get_store().backend == "sqlite"


def test_replicas_starting_at_once_make_the_tables_once(pg_cluster):
    url = pg_cluster.create_database()
    errors, stores = [], []
    start = threading.Barrier(4)

    def replica():
        try:
            start.wait(10)
            stores.append(Store(url))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(stores) == 4
    ws = store.new_id()
    stores[0].put(ws, "quiz", {"q1": "b"})
    assert all(s.get(ws, "quiz") == {"q1": "b"} for s in stores)


def test_a_database_server_crash_mid_write_loses_no_committed_change(pg_cluster):
    """The server itself dies (``pg_ctl stop -m immediate``: no clean shutdown) while a
    writer is busy; after its restart every pair written together is whole, and the app's
    pooled connections work again without an error."""
    url = pg_cluster.create_database()
    s = Store(url)
    ws = store.new_id()
    s.put(ws, "before", 1)  # leaves a pooled connection that the crash will break
    child = run_child(url, ws, crash_between=False)
    try:
        deadline = time.monotonic() + 20
        while (s.get(ws, "a") or 0) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        pg_cluster.stop("immediate")
        assert child.wait(30) != 0  # the writer lost its server mid-loop
    finally:
        if child.poll() is None:
            child.kill()
        pg_cluster.start()
    values = s.items(ws)  # the pooled connection died with the server: a new one is made
    assert values["a"] == values["b"] >= 5 and values["before"] == 1
    assert values["first"] in (values["a"], values["a"] - 1)
    assert s.integrity() == "ok"
    s.put(ws, "after", 2)
    assert Store(url).get(ws, "after") == 2
