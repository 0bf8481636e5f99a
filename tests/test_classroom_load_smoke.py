"""The classroom load benchmark as a smoke test (issue 10, item 3: "It runs in CI at N = 5").

benchmarks/classroom_load.py is run at N = 5 against a just-started server (cold: the model
loads while the students wait), each student speaking Streamlit's websocket protocol and
asking three questions whose answers must say what the library says ("44 euros", "30
days"). Asserted: every session got its first page and all its answers, and nothing went
wrong (no exception, no wrong answer, no timeout). Nothing about time: speed is the
benchmark's to print, on a quiet machine.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.browser.harness import streamlit_process

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = 5
QUESTIONS = 3
#: Seconds one script run may take: a cold first page on a busy CI machine loads torch.
RUN_TIMEOUT = 300


def _benchmark():
    spec = importlib.util.spec_from_file_location(
        "classroom_load", ROOT / "benchmarks" / "classroom_load.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_five_students_on_a_cold_server_all_get_their_page_and_right_answers(tmp_path, monkeypatch):
    bench = _benchmark()
    # The server gets an empty workspace folder of its own (the environment is inherited).
    monkeypatch.setenv("BRAINLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("BRAINLAB_DATABASE_URL", raising=False)
    with streamlit_process() as (url, proc):
        bench.check_loopback(url)
        # In a thread of its own: the browser tests' Playwright keeps an event loop running
        # in this one for the whole session.
        with ThreadPoolExecutor(1) as pool:
            sessions, during = pool.submit(
                asyncio.run, bench.classroom(url, STUDENTS, QUESTIONS, RUN_TIMEOUT, proc.pid)
            ).result()
        assert proc.poll() is None, "the server died under the load"
    assert len(sessions) == STUDENTS
    problems = [(n, e) for n, s in enumerate(sessions) for e in s.errors]
    assert problems == [], problems
    for n, s in enumerate(sessions):
        assert s.first_page is not None, f"student {n} never got the first page"
        assert len(s.questions) == QUESTIONS, f"student {n} got {len(s.questions)} answers"
        assert s.done, f"student {n} did not finish"
    # Every question of the benchmark's list was asked by someone, and answered right.
    asked = {
        bench.QUESTIONS[(n + i) % len(bench.QUESTIONS)][0]
        for n in range(STUDENTS)
        for i in range(QUESTIONS)
    }
    assert asked == {q for q, _ in bench.QUESTIONS}
    assert during is not None and during > 0  # the server's RSS was read while all were open


def test_the_benchmark_refuses_an_address_off_this_machine():
    bench = _benchmark()
    with pytest.raises(SystemExit, match="only targets loopback"):
        bench.check_loopback("http://192.0.2.1:8501")
    bench.check_loopback("http://127.0.0.1:8501")  # loopback is fine
