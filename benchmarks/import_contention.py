"""Does one session's import slow another session's query? (issue 10, defect 1)

    python benchmarks/import_contention.py [--docs 12] [--one-lock]

One thread indexes an imported library (``--docs`` documents of 5,000 characters, ~60 kB
for 12, as in the issue's probe) through the shared encoder, as the Retrieval lab does;
another thread meanwhile embeds a new question every 50 ms, as another session asking
would. Prints the question's latency idle and during the import (median, p95, max), the
import's duration and how often the model's lock was taken.

``--one-lock`` embeds the import in one locked call, as before the fix, for comparison.
Run it under ``flock /tmp/browser.lock`` on the shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from brainlab import retrieval as rt  # noqa: E402
from brainlab.embeddings import load_encoder, shared_encoder  # noqa: E402

SENTENCE = "The {n}th kettle model boils water in {m} seconds and costs {p} euros in shop {n}. "


def library(n_docs: int) -> list[rt.Doc]:
    docs = []
    for d in range(n_docs):
        text, i = "", 0
        while len(text) < 4_900:
            text += SENTENCE.format(n=d * 100 + i, m=30 + i, p=10 + i)
            i += 1
        docs.append(rt.Doc(f"doc-{d}", f"Imported document {d}", text[:5_000].strip()))
    return docs


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=12, help="documents imported (1-60)")
    parser.add_argument("--one-lock", action="store_true", help="embed in one locked call")
    args = parser.parse_args()
    n_docs = max(1, min(60, args.docs))
    base = load_encoder()
    enc = shared_encoder()
    enc.encode(["warm up the model"])
    docs = library(n_docs)
    work = rt.embedding_work(docs, rt.DEFAULT_CHUNK_SIZE, rt.DEFAULT_CHUNK_OVERLAP)

    counter = [0]

    def ask() -> float:
        counter[0] += 1
        t = time.perf_counter()
        enc.encode([f"How much does kettle number {counter[0]} cost today?"])
        return time.perf_counter() - t

    idle = [ask() for _ in range(20)]
    during: list[float] = []
    done = threading.Event()
    took = [0.0]
    before = base._lock.acquisitions

    def do_import() -> None:
        t = time.perf_counter()
        if args.one_lock:  # the old way: the whole library in one call under the lock
            r = rt.Retriever([], encoder=enc)
            texts = [f"{d.title}. {c.text}" for d in docs for c in rt.chunk_doc(d, 60, 15)]
            texts += [
                f"{d.title}. {d.text[a:b]}" for d in docs for a, b in rt.split_sentences(d.text)
            ]
            with base._lock:
                base._model.encode(texts, batch_size=16, show_progress_bar=False)
            del r
        else:
            rt.Retriever(docs, encoder=enc)
        took[0] = time.perf_counter() - t
        done.set()

    worker = threading.Thread(target=do_import)
    worker.start()
    while not done.is_set():
        during.append(ask())
        time.sleep(0.05)
    worker.join()
    locks = base._lock.acquisitions - before
    print(
        f"import: {n_docs} documents, {sum(len(d.text) for d in docs):,} characters, "
        f"{work} texts to embed ({'one locked call' if args.one_lock else 'batches of 16'})"
    )
    print(f"import took {took[0]:.1f} s; model lock taken {locks} times")
    for name, xs in (("idle", idle), ("during import", during)):
        print(
            f"question latency {name:>13}: n={len(xs):3d}"
            f"  median {statistics.median(xs) * 1000:6.0f} ms"
            f"  p95 {pct(xs, 0.95) * 1000:6.0f} ms"
            f"  max {max(xs) * 1000:6.0f} ms"
        )


if __name__ == "__main__":
    main()
