"""Train the forgetting lab's runs in worker processes, one random start per worker.

The network is small (numpy arrays of 32x32), so a run's time goes to Python executing
numpy calls, and two threads of one process cannot train at once (they share one
interpreter lock). A Streamlit server is one process: without workers, a comparison's 15
runs (5 strategies x 3 random starts) train one after another on one core, and every
session's training waits in the same line. Here each random start trains in a worker
process, so a two-core machine trains two at once, and the server's own thread stays free
to draw the page.

The runs are the very same computation as :func:`brainlab.forgetting.compare` in the
server: deterministic for a seed, so a curve does not depend on where it was trained (a
test checks this). If the workers cannot start or break, training falls back to the
calling thread.

No streamlit here (the core rule); :mod:`brainlab.ui.forgetting` owns the one pool of the
server process.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import pandas as pd

from brainlab import forgetting as fg

_LOG = logging.getLogger(__name__)

#: Set ``BRAINLAB_TRAINING_WORKERS=0`` to train in the server's own process.
ENV_WORKERS = "BRAINLAB_TRAINING_WORKERS"


def train_curves(
    strategies: Sequence[str], seed: int, settings: dict[str, Any]
) -> dict[str, pd.DataFrame]:
    """The curve of each of ``strategies`` on ``seed`` (one pretraining, shared).

    ``settings`` are keyword arguments of :func:`brainlab.forgetting.compare`.
    """
    runs = fg.compare(tuple(strategies), seeds=(seed,), **settings)
    seed = fg.clamp_seed(seed)
    return {s: runs[(s, seed)].curve for s in strategies}


def default_workers() -> int:
    """Workers to start: the environment's choice, else one per core, at most 2."""
    raw = os.environ.get(ENV_WORKERS, "").strip()
    if raw:
        try:
            return max(0, int(raw))
        except ValueError:
            pass
    return min(2, os.cpu_count() or 1)


#: How much lower the workers' priority is than the server's (Unix ``nice``).
NICENESS = 5


def _lower_priority() -> None:
    """In a new worker: lower its priority, where the system allows (never fails)."""
    with contextlib.suppress(AttributeError, OSError):
        os.nice(NICENESS)


class TrainingPool:
    """Worker processes that train runs; the calling thread trains when there are none.

    Workers are started by a fork server that has already imported numpy, pandas and the
    network, so they start fast and never inherit the server's threads.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else max(0, workers)
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._broken = self.workers == 0

    def _pool(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._broken:
                return None
            if self._executor is None:
                try:
                    ctx = multiprocessing.get_context("forkserver")
                    ctx.set_forkserver_preload(["brainlab.training_pool"])
                    # Workers run at a lower priority (nice 5): while they train a
                    # slider's neighbours ahead, the server and the browser drawing the
                    # curve get the cores first.
                    self._executor = ProcessPoolExecutor(
                        self.workers, mp_context=ctx, initializer=_lower_priority
                    )
                except (OSError, ValueError, RuntimeError):
                    _LOG.warning("no training workers; training in-process", exc_info=True)
                    self._broken = True
                    return None
            return self._executor

    def warm_up(self) -> None:
        """Start the workers now (in the background), so the first training finds them."""
        pool = self._pool()
        if pool is not None:
            for _ in range(self.workers):
                pool.submit(int, 0)

    def train(
        self, jobs: Sequence[tuple[Sequence[str], int, dict[str, Any]]]
    ) -> list[dict[str, pd.DataFrame]]:
        """Train every ``(strategies, seed, settings)`` job, in parallel where possible;
        the results in the order of ``jobs``."""
        pool = self._pool()
        if pool is None or not jobs:
            return [train_curves(*job) for job in jobs]
        try:
            futures: list[Future] = [pool.submit(train_curves, *job) for job in jobs]
            return [f.result() for f in futures]
        except Exception as exc:  # a broken worker (killed, out of memory): train here
            if isinstance(exc, RuntimeError) and "after" in str(exc) and "shutdown" in str(exc):
                # "cannot schedule new futures after (interpreter) shutdown": close() ran,
                # or the interpreter is exiting while a warmer thread trains ahead.
                # Nothing is broken, so no traceback.
                _LOG.info("training workers are shut down; training in-process")
            else:
                _LOG.warning("training workers failed; training in-process", exc_info=True)
            with self._lock:
                self._broken = True
            return [train_curves(*job) for job in jobs]

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor, self._broken = None, True
