"""The training queue: one job at a time, in order, each owner once, cancel and failure."""

from __future__ import annotations

import threading

import pytest

from brainlab import lm_queue as q


def gate_job(log: list, name: str, gate: threading.Event | None = None):
    def work(progress):
        log.append(("start", name))
        progress(0.5)
        if gate is not None:
            assert gate.wait(10)
        progress(1.0)
        log.append(("end", name))
        return name.upper()

    return work


def test_jobs_run_one_at_a_time_in_order_and_show_their_place():
    queue = q.JobQueue("test-queue")
    log: list = []
    gate = threading.Event()
    first = queue.submit("a", gate_job(log, "a", gate))
    second = queue.submit("b", gate_job(log, "b"))
    third = queue.submit("c", gate_job(log, "c"))
    for _ in range(200):
        if first.state == q.RUNNING:
            break
        threading.Event().wait(0.01)
    assert first.state == q.RUNNING and first.position == 0
    assert (second.position, third.position) == (2, 3)  # one runs, then b, then c
    assert second.state == third.state == q.QUEUED
    gate.set()
    assert third.wait(10)
    assert log == [
        ("start", "a"),
        ("end", "a"),
        ("start", "b"),
        ("end", "b"),
        ("start", "c"),
        ("end", "c"),
    ]
    assert [j.result for j in (first, second, third)] == ["A", "B", "C"]
    assert all(
        j.state == q.DONE and j.fraction == 1.0 and j.position == 0 for j in (first, second, third)
    )
    # Never two at once: every job started after the previous one ended.
    assert second.started >= first.finished and third.started >= second.finished


def test_an_owner_has_one_job_and_a_cancelled_job_never_runs():
    queue = q.JobQueue("test-queue")
    log: list = []
    gate = threading.Event()
    running = queue.submit("a", gate_job(log, "a", gate))
    waiting = queue.submit("b", gate_job(log, "b"))
    assert queue.submit("b", gate_job(log, "b-again")) is waiting
    assert queue.job_of("b") is waiting
    waiting.cancel()
    assert waiting.state == q.CANCELLED and waiting.wait(0)
    gate.set()
    assert running.wait(10)
    assert ("start", "b") not in log
    again = queue.submit("b", gate_job(log, "b2"))  # over: a new job
    assert again is not waiting and again.wait(10) and again.result == "B2"


def test_a_running_job_stops_at_its_next_progress_report_once_cancelled():
    queue = q.JobQueue("test-queue")
    started, gate = threading.Event(), threading.Event()

    def work(progress):
        started.set()
        assert gate.wait(10)
        progress(0.5)  # raises Cancelled
        return "never"

    job = queue.submit("a", work)
    assert started.wait(10)
    job.cancel()
    gate.set()
    assert job.wait(10)
    assert job.state == q.CANCELLED and job.result is None


def test_a_failing_job_is_kept_with_its_error_and_the_queue_goes_on():
    queue = q.JobQueue("test-queue")

    def broken(progress):
        raise ValueError("no such fact")

    bad = queue.submit("a", broken)
    good = queue.submit("b", lambda progress: 42)
    assert good.wait(10) and bad.wait(0)
    assert bad.state == q.FAILED and isinstance(bad.error, ValueError)
    assert good.state == q.DONE and good.result == 42


def test_a_full_queue_refuses_plainly(monkeypatch):
    monkeypatch.setattr(q, "MAX_WAITING", 2)
    queue = q.JobQueue("test-queue")
    gate = threading.Event()
    queue.submit("a", gate_job([], "a", gate))
    for _ in range(200):
        if queue.waiting == 0:
            break
        threading.Event().wait(0.01)
    queue.submit("b", lambda p: 1)
    queue.submit("c", lambda p: 1)
    with pytest.raises(q.QueueFull, match="2 training jobs are waiting"):
        queue.submit("d", lambda p: 1)
    gate.set()
