"""One training job at a time on the server, the others waiting their turn in order.

A retrain of the small language model's adapter takes several seconds of both cores'
worth of work; thirty students pressing "Retrain" at once must not run thirty trainings
side by side (each would take thirty times as long, and every question would wait behind
them). :class:`JobQueue` runs one job at a time on one daemon thread, in the order they
arrived; a page shows a waiting student their place (:attr:`Job.position`) and the
running job's progress (:attr:`Job.fraction`).

Each owner (a session or workspace) has at most one job waiting or running: asking again
returns that job. Pure Python: no streamlit, no torch.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_LOG = logging.getLogger(__name__)

#: States of a :class:`Job`.
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
#: The most jobs waiting at once (a job beyond it is refused with :class:`QueueFull`).
MAX_WAITING = 60


class QueueFull(RuntimeError):
    """Too many jobs are waiting; try again later."""


class Cancelled(Exception):
    """Raised inside a job's ``progress`` call once the job was cancelled."""


@dataclass(eq=False)
class Job:
    """A job and where it is. ``work(progress)`` does the job; it calls ``progress(f)``
    with the fraction done (0 to 1) now and then, which raises :class:`Cancelled` once
    :meth:`cancel` was called."""

    owner: str
    work: Callable[[Callable[[float], None]], Any]
    number: int
    queue: JobQueue = field(repr=False)
    state: str = QUEUED
    fraction: float = 0.0
    result: Any = None
    error: BaseException | None = None
    started: float = 0.0
    finished: float = 0.0
    _cancel: bool = False
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def position(self) -> int:
        """0 while it runs (or has finished); n: n jobs go before it."""
        return self.queue.position(self)

    @property
    def over(self) -> bool:
        return self.state in (DONE, FAILED, CANCELLED)

    def cancel(self) -> None:
        """Stop the job: a waiting job never runs; a running one stops at its next
        progress report."""
        self.queue.cancel(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is over (at most ``timeout`` s); whether it is."""
        return self._done.wait(timeout)

    def _progress(self, fraction: float) -> None:
        if self._cancel:
            raise Cancelled
        self.fraction = min(1.0, max(0.0, float(fraction)))


class JobQueue:
    """Runs submitted jobs one at a time, oldest first, on one daemon thread."""

    def __init__(self, name: str = "brainlab-training-queue") -> None:
        self.name = name
        self._cond = threading.Condition()
        self._waiting: deque[Job] = deque()
        self._running: Job | None = None
        self._by_owner: dict[str, Job] = {}
        self._numbers = itertools.count(1)
        self._thread: threading.Thread | None = None

    def submit(self, owner: str, work: Callable[[Callable[[float], None]], Any]) -> Job:
        """Queue ``work`` for ``owner``; ``owner``'s job if one is already waiting or
        running. Raises :class:`QueueFull` when :data:`MAX_WAITING` jobs wait."""
        with self._cond:
            mine = self._by_owner.get(owner)
            if mine is not None and not mine.over:
                return mine
            if len(self._waiting) >= MAX_WAITING:
                raise QueueFull(f"{len(self._waiting)} training jobs are waiting")
            job = Job(owner, work, next(self._numbers), self)
            self._waiting.append(job)
            self._by_owner[owner] = job
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                self._thread.start()
            self._cond.notify_all()
            return job

    def job_of(self, owner: str) -> Job | None:
        """``owner``'s latest job (waiting, running or over), if any."""
        with self._cond:
            return self._by_owner.get(owner)

    def position(self, job: Job) -> int:
        with self._cond:
            try:
                return self._waiting.index(job) + 1 + (self._running is not None)
            except ValueError:
                return 0

    @property
    def waiting(self) -> int:
        """Jobs waiting to start (the running one not counted)."""
        with self._cond:
            return len(self._waiting)

    def cancel(self, job: Job) -> None:
        with self._cond:
            job._cancel = True
            if job in self._waiting:
                self._waiting.remove(job)
                job.state, job.finished = CANCELLED, time.monotonic()
                job._done.set()

    def _serve(self) -> None:
        while True:
            with self._cond:
                while not self._waiting:
                    self._cond.wait()
                job = self._running = self._waiting.popleft()
                job.state, job.started = RUNNING, time.monotonic()
            try:
                job.result = job.work(job._progress)
                job.fraction, state = 1.0, DONE
            except Cancelled:
                state = CANCELLED
            except Exception as exc:  # kept for the page to show; the queue goes on
                _LOG.warning("training job %s of %s failed", job.number, job.owner, exc_info=True)
                job.error, state = exc, FAILED
            with self._cond:
                job.state, job.finished = state, time.monotonic()
                self._running = None
                job._done.set()
                self._cond.notify_all()


_QUEUE = JobQueue()


def training_queue() -> JobQueue:
    """The process's one queue of training jobs."""
    return _QUEUE
