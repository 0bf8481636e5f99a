"""Defect 1 of issue 10: one import must not freeze retrieval for everyone.

The model sits behind one lock; an import is embedded in batches of 16 and the lock is
taken per batch, first come first served, so another session's query waits for one batch,
not for the whole import. These tests use a fake model (counting, no timing); the latency
with the real model is measured by benchmarks/import_contention.py.
"""

from __future__ import annotations

import threading
import time
from unittest import mock

import numpy as np
import pytest

from brainlab import embeddings
from brainlab import retrieval as rt
from brainlab.embeddings import BATCH, FairLock, MiniLMEncoder


class FakeModel:
    """Stands in for the SentenceTransformer: records each call's texts."""

    def __init__(self, on_call=None) -> None:
        self.calls: list[list[str]] = []
        self.on_call = on_call

    def encode(self, texts, **_kwargs):
        self.calls.append(list(texts))
        if self.on_call:
            self.on_call(len(self.calls), list(texts))
        out = np.ones((len(texts), embeddings.DIM), dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def fake_encoder(model: FakeModel) -> MiniLMEncoder:
    enc = object.__new__(MiniLMEncoder)  # skip loading torch: the lock logic is what counts
    enc._model = model
    enc._lock = FairLock()
    enc.calls = 0
    enc.texts_encoded = 0
    return enc


def test_encode_takes_the_lock_once_per_batch():
    model = FakeModel()
    enc = fake_encoder(model)
    out = enc.encode([f"text {i}" for i in range(100)])
    assert out.shape == (100, embeddings.DIM)
    assert enc._lock.acquisitions == -(-100 // BATCH) == 7
    assert [len(c) for c in model.calls] == [16] * 6 + [4]


def test_a_query_waits_one_batch_not_the_whole_import():
    """Thread A embeds 20 batches; during its first batch thread B asks for one query.
    With a fair lock, B is served right after A's first batch."""
    order: list[str] = []
    started = threading.Event()

    def on_call(n, texts):
        if texts == ["the query"]:
            order.append("query")
            return
        order.append(f"batch {n}")
        if n == 1:
            started.set()
            # Hold the first batch until B is queued on the lock (holder + B = 2 tickets).
            deadline = time.monotonic() + 10
            while enc._lock.waiting < 2 and time.monotonic() < deadline:
                time.sleep(0.001)

    model = FakeModel(on_call)
    enc = fake_encoder(model)
    texts = [f"doc text {i}" for i in range(20 * BATCH)]
    a = threading.Thread(target=enc.encode, args=(texts,))
    a.start()
    assert started.wait(10)
    b = threading.Thread(target=enc.encode, args=(["the query"],))
    b.start()
    a.join(20)
    b.join(20)
    assert order.count("query") == 1
    # Served after A's first batch, before its second: not after all 20.
    assert order.index("query") == 1, order
    assert len(order) == 21


def test_fair_lock_serves_in_order():
    lock = FairLock()
    got: list[int] = []
    lock.acquire()
    threads = []
    for i in range(5):
        t = threading.Thread(target=lambda i=i: (lock.acquire(), got.append(i), lock.release()))
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 5
        while lock.waiting < i + 2 and time.monotonic() < deadline:
            time.sleep(0.001)
    lock.release()
    for t in threads:
        t.join(5)
    assert got == [0, 1, 2, 3, 4]
    assert lock.acquisitions == 6


class CountingEncoder:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts):
        self.calls.append(len(texts))
        rng = np.random.default_rng(len(self.calls))
        out = rng.normal(size=(len(texts), 8)).astype(np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_retriever_builds_in_batches_and_reports_progress():
    docs = rt.load_library()
    enc = CountingEncoder()
    seen: list[tuple[int, int]] = []
    r = rt.Retriever(docs, encoder=enc, progress=lambda d, t: seen.append((d, t)))
    total = rt.embedding_work(docs, rt.DEFAULT_CHUNK_SIZE, rt.DEFAULT_CHUNK_OVERLAP)
    assert max(enc.calls) <= rt.EMBED_BATCH
    assert sum(enc.calls) == total
    assert seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(r.chunks) == r.matrix.shape[0]


def test_cancel_stops_the_build_and_leaves_nothing_half_done():
    docs = rt.load_library()
    enc = CountingEncoder()
    with pytest.raises(rt.BuildCancelled):
        rt.Retriever(docs, encoder=enc, progress=lambda d, t: d < 3 * rt.EMBED_BATCH)
    assert len(enc.calls) == 3  # stopped after the third batch, not at the end
    r = rt.Retriever(docs[:3], encoder=CountingEncoder())
    before = (list(r.docs), len(r.chunks), r.matrix.shape)
    with pytest.raises(rt.BuildCancelled):
        r._insert([docs[5]], lambda d, t: False)
    assert (list(r.docs), len(r.chunks), r.matrix.shape) == before


def test_one_import_is_capped():
    big = [rt.Doc(f"d{i}", f"Doc {i}", "A sentence here. " * 280) for i in range(40)]
    with pytest.raises(rt.LibraryError, match="at most 2,000"):
        rt.check_import_work(big, rt.DEFAULT_CHUNK_SIZE, rt.DEFAULT_CHUNK_OVERLAP)
    rt.check_import_work(rt.load_library(), rt.DEFAULT_CHUNK_SIZE, rt.DEFAULT_CHUNK_OVERLAP)


@pytest.mark.model
def test_the_lab_indexes_an_import_then_swaps_it_in():
    from brainlab.ui import retrieval as rui
    from tests.apptest import run_page

    at = run_page("retrieval_lab", timeout=90)
    assert not at.exception, at.exception
    lab = at.session_state[rui.STATE]
    old = list(lab.library)
    new = [rt.Doc("only-one", "The only document", "The blue kettle costs 12 euros.")]
    lab.pending, lab.pending_name = new, "mine.json"
    at.run()
    assert not at.exception, at.exception
    lab = at.session_state[rui.STATE]
    assert lab.pending is None
    assert [d.id for d in lab.library] == ["only-one"]
    assert [c.doc_id for c in lab.retriever.chunks] == ["only-one"]
    # The message waits for the library tab, where the import was made.
    assert any("Imported 1 documents from mine.json" in n[2] for n in lab.notices)
    # Cancel (the button's callback) keeps the library as it was.
    lab.pending, lab.pending_name = old, "again.json"
    with mock.patch.object(rui, "lab", return_value=lab):
        rui._cancel_import()
    at.run()
    assert not at.exception, at.exception
    lab = at.session_state[rui.STATE]
    assert lab.pending is None
    assert [d.id for d in lab.library] == ["only-one"]
    assert any("Import of again.json cancelled" in n[2] for n in lab.notices)
