"""The forgetting lab's training workers: the same curves as training in-process."""

from __future__ import annotations

import pandas as pd

from brainlab import forgetting as fg
from brainlab.training_pool import TrainingPool, default_workers, train_curves

SETTINGS = {"steps": 60, "learning_rate": 0.2, "replay_fraction": 0.3, "penalty": 100.0}


def expected(strategies, seed):
    runs = fg.compare(tuple(strategies), seeds=(seed,), **SETTINGS)
    return {s: runs[(s, seed)].curve for s in strategies}


def test_workers_train_exactly_what_the_server_would():
    pool = TrainingPool(workers=2)
    try:
        jobs = [(["naive", "rag"], 3, SETTINGS), (["ewc"], 4, SETTINGS), (["adapter"], 3, SETTINGS)]
        results = pool.train(jobs)
        assert pool._executor is not None, "the workers did not start"
    finally:
        pool.close()
    for (strategies, seed, _), got in zip(jobs, results, strict=True):
        assert list(got) == strategies
        for strategy, curve in expected(strategies, seed).items():
            pd.testing.assert_frame_equal(got[strategy], curve)


def test_no_workers_trains_in_this_process():
    pool = TrainingPool(workers=0)
    got = pool.train([(["replay"], 1, SETTINGS)])
    assert pool._executor is None
    pd.testing.assert_frame_equal(got[0]["replay"], expected(["replay"], 1)["replay"])


def test_a_broken_pool_falls_back_to_this_process():
    pool = TrainingPool(workers=1)
    pool.train([(["naive"], 0, SETTINGS)])
    for process in list(pool._executor._processes.values()):
        process.kill()
        process.join(5)
    got = pool.train([(["naive"], 2, SETTINGS)])
    pd.testing.assert_frame_equal(got[0]["naive"], expected(["naive"], 2)["naive"])
    pool.close()


def test_train_curves_clamps_the_seed_as_compare_does():
    assert list(train_curves(["rag"], -5, SETTINGS)) == ["rag"]


def test_the_number_of_workers_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("BRAINLAB_TRAINING_WORKERS", "0")
    assert default_workers() == 0
    monkeypatch.setenv("BRAINLAB_TRAINING_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.setenv("BRAINLAB_TRAINING_WORKERS", "many")
    assert 1 <= default_workers() <= 2


def test_workers_train_at_a_lower_priority_than_the_server():
    """Training ahead must not take the cores from the server and the browser."""
    import os

    from brainlab import training_pool as tp

    pool = tp.TrainingPool(workers=1)
    try:
        executor = pool._pool()
        assert executor is not None
        worker_nice = executor.submit(os.nice, 0).result(timeout=60)
        assert worker_nice >= os.nice(0) + tp.NICENESS
    finally:
        pool.close()


def test_a_shut_down_pool_trains_here_without_a_traceback(caplog):
    """At interpreter exit the executor refuses new work ("cannot schedule new futures after
    interpreter shutdown") while a warmer thread still trains ahead: the pool trains in this
    process and logs one INFO line, not the warning and traceback of a broken worker."""
    import logging

    pool = TrainingPool(workers=1)
    pool._pool().shutdown(wait=True)  # what the interpreter's exit does to the executor
    with caplog.at_level(logging.INFO, logger="brainlab.training_pool"):
        got = pool.train([(["naive"], 2, SETTINGS)])
    pd.testing.assert_frame_equal(got[0]["naive"], expected(["naive"], 2)["naive"])
    assert [r.levelname for r in caplog.records] == ["INFO"]
    assert "shut down" in caplog.records[0].getMessage() and not caplog.records[0].exc_info
    pool.close()
