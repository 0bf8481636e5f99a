"""The background model load: one load however many callers, honest progress, errors kept,
and nothing heavy imported by app.py's first run."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from brainlab import preload
from brainlab.preload import Loader, Step
from tests.conftest import ROOT


class FakeEncoderFactory:
    """Stands in for the MiniLM load: counts its calls, can be held back by a gate."""

    def __init__(self, *, fail: bool = False) -> None:
        self.calls = 0
        self.gate = threading.Event()
        self.fail = fail

    def __call__(self, _previous: object) -> object:
        self.calls += 1
        assert self.gate.wait(5), "the test never opened the gate"
        if self.fail:
            raise RuntimeError("no model here")
        return f"encoder #{self.calls}"


def loader_with(factory: FakeEncoderFactory) -> Loader:
    return Loader([Step("import", lambda _: None, 1.0), Step("model", factory, 1.0)])


def test_many_callers_at_once_load_once_and_share_the_result():
    factory = FakeEncoderFactory()
    loader = loader_with(factory)
    results: list[object] = []
    starts: list[bool] = []

    def visitor() -> None:
        starts.append(loader.start())
        results.append(loader.result(timeout=10))

    threads = [threading.Thread(target=visitor) for _ in range(12)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    assert not loader.done
    factory.gate.set()
    for t in threads:
        t.join(10)
    assert factory.calls == 1
    assert loader.runs == 1
    assert starts.count(True) == 1
    assert results == ["encoder #1"] * 12
    # Later callers reuse it too.
    assert loader.start() is False
    assert loader.result() == "encoder #1"
    assert factory.calls == 1


def test_result_starts_the_load_when_nobody_has():
    factory = FakeEncoderFactory()
    factory.gate.set()
    loader = loader_with(factory)
    assert loader.progress().state == "idle"
    assert loader.result(timeout=5) == "encoder #1"
    assert loader.progress().state == "ready"
    assert loader.progress().fraction == 1.0


def test_progress_names_the_running_step_and_never_goes_back():
    factory = FakeEncoderFactory()
    loader = loader_with(factory)
    loader.start()
    deadline = time.monotonic() + 5
    while loader.progress().step != "model" and time.monotonic() < deadline:
        time.sleep(0.01)
    first = loader.progress()
    assert (first.state, first.step, first.number, first.steps) == ("running", "model", 2, 2)
    assert 0.5 <= first.fraction < 1.0  # the first of two equal steps is done
    time.sleep(0.05)
    later = loader.progress()
    assert first.fraction <= later.fraction < 1.0
    assert later.elapsed > first.elapsed
    factory.gate.set()
    loader.wait(5)
    assert loader.progress().fraction == 1.0


def test_a_failed_load_is_reported_to_every_caller_and_not_retried():
    factory = FakeEncoderFactory(fail=True)
    factory.gate.set()
    loader = loader_with(factory)
    with pytest.raises(RuntimeError, match="no model here"):
        loader.result(timeout=5)
    assert loader.progress().state == "failed"
    assert isinstance(loader.progress().error, RuntimeError)
    with pytest.raises(RuntimeError):
        loader.result(timeout=5)
    assert factory.calls == 1


def test_result_times_out_without_giving_up_the_load():
    factory = FakeEncoderFactory()
    loader = loader_with(factory)
    with pytest.raises(TimeoutError):
        loader.result(timeout=0.05)
    factory.gate.set()
    assert loader.result(timeout=5) == "encoder #1"


def test_start_honours_the_switches(monkeypatch):
    fake = loader_with(FakeEncoderFactory())
    monkeypatch.setattr(preload, "_EMBEDDING", fake)
    # tests/conftest.py turned the background load off for this process.
    assert preload.start() is False
    assert not fake.started
    monkeypatch.setattr(preload, "_BACKGROUND", True)
    monkeypatch.setenv(preload.ENV_SWITCH, "0")
    assert preload.start() is False
    monkeypatch.delenv(preload.ENV_SWITCH)
    assert preload.start() is True
    assert preload.start() is False
    fake.steps[1].run.gate.set()
    fake.wait(5)


def test_the_embedding_steps_are_the_import_the_weights_and_the_library():
    assert [s.key for s in preload.EMBEDDING_STEPS] == ["import", "model", "library"]
    words = __import__("brainlab.content", fromlist=["load_toml"]).load_toml("retrieval_lab.toml")
    assert set(words["loading"]["steps"]) == {s.key for s in preload.EMBEDDING_STEPS}


FIRST_RUN = """
import sys, threading
from brainlab import preload
from streamlit.testing.v1 import AppTest

HEAVY = ("torch", "sentence_transformers", "transformers")
seen = []
original = preload.start

def start():
    # What the page's run had imported when app.py hands over to the background load.
    seen.append(sorted(m for m in HEAVY if m in sys.modules))
    return original()

preload.start = start
at = AppTest.from_file({app!r}, default_timeout=30)
at.run()
assert not at.exception, at.exception
assert at.title[0].value, "the opening lesson has a title"
# The run only scheduled the load: it starts once the page has painted.
assert seen == [], seen
assert preload._timer is not None and preload._timer.is_alive()
preload._timer.join(10)
threads = [t.name for t in threading.enumerate()]
print(seen, "brainlab-embedding-preload" in threads)
"""


def test_the_opening_lesson_runs_without_torch_then_starts_the_preload():
    # A fresh interpreter: app.py's first run imports no torch on the painting thread, and
    # schedules the load for when the page has painted; then it runs in its own thread.
    code = FIRST_RUN.format(app=str(ROOT / "app.py"))
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    assert out.splitlines()[-1] == "[[]] True"


def test_after_run_waits_for_the_paint_then_starts_once(monkeypatch):
    fake = loader_with(FakeEncoderFactory())
    monkeypatch.setattr(preload, "_EMBEDDING", fake)
    monkeypatch.setattr(preload, "_BACKGROUND", True)
    monkeypatch.setattr(preload, "_timer", None)
    # A session's first run: the load is scheduled, not started.
    assert preload.after_run(first=True, delay=0.3) is True
    assert not fake.started
    assert preload.after_run(first=True, delay=0.3) is False  # one timer per process
    deadline = time.monotonic() + 5
    while not fake.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.started
    # Later runs find it started: nothing starts twice.
    assert preload.after_run(first=False) is False
    fake.steps[1].run.gate.set()
    fake.wait(5)
    assert fake.runs == 1


def test_a_second_run_starts_the_load_at_once(monkeypatch):
    fake = loader_with(FakeEncoderFactory())
    monkeypatch.setattr(preload, "_EMBEDDING", fake)
    monkeypatch.setattr(preload, "_BACKGROUND", True)
    monkeypatch.setattr(preload, "_timer", None)
    assert preload.after_run(first=True, delay=60) is True  # the paint timer is pending
    assert preload.after_run(first=False) is True  # a click: the page has long painted
    assert fake.started
    fake.steps[1].run.gate.set()
    fake.wait(5)
    preload._timer.cancel()
    assert fake.runs == 1
