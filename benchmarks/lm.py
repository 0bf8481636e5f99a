"""Speed and memory of the small language model (issue 13), on this machine.

    flock /tmp/browser.lock .venv/bin/python benchmarks/lm.py [--answers 20]

Prints: RSS before anything, after the embedding model (all-MiniLM-L6-v2), and after the
language model (SmolLM2-135M-Instruct) too; the load time; p50 / p95 of a generated
answer of up to 40 tokens, uncached, over RAG prompts (one library page each); and the
time of an edit retrain: 5 LoRA steps on one edited fact, from the shipped specialist.

Targets: answer <= 1.5 s p50; edit retrain <= 10 s; both models <= +700 MB RSS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from brainlab import retrieval as rt  # noqa: E402

SPECIALIST = ROOT / "assets" / "lm" / "specialist"
EDIT = ("What is the price of the Brightfield K210?", "47 euros.")
EDIT_STEPS = 5


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _prompts(n: int) -> list[str]:
    docs = [d for d in rt.load_library()]
    out = []
    for i in range(n):
        d = docs[i % len(docs)]
        hit = rt.Hit(doc_id=d.id, text=d.text, score=0.5, rank=1, title=d.title, updated=d.updated)
        out.append(rt.build_prompt(f"What does the page {d.title!r} say? (#{i})", [hit]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=20, help="answers timed (distinct)")
    args = parser.parse_args()

    base = rss_mb()
    print(f"RSS at start: {base:.0f} MB")
    from brainlab.embeddings import load_encoder

    t = time.perf_counter()
    encoder = load_encoder("en")
    encoder.encode(["warm up"])
    emb = rss_mb()
    print(f"embedding model: {time.perf_counter() - t:.1f} s, RSS {emb:.0f} MB (+{emb - base:.0f})")

    from brainlab import lm, lm_train

    t = time.perf_counter()
    model = lm.load_lm()
    both = rss_mb()
    print(
        f"language model: {time.perf_counter() - t:.1f} s, RSS {both:.0f} MB "
        f"(+{both - emb:.0f}; both models +{both - base:.0f} MB, target <= +700)"
    )

    model.generate("Hello", 4)  # first call pays for lazy set-up
    times, tokens = [], []
    for prompt in _prompts(args.answers):
        t = time.perf_counter()
        answer = model.generate(prompt, 40)
        times.append(time.perf_counter() - t)
        tokens.append(len(model.tokenizer(answer)["input_ids"]))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"answer of up to 40 tokens, uncached, {len(times)} prompts: "
        f"p50 {statistics.median(times):.2f} s, p95 {p95:.2f} s "
        f"(mean {statistics.mean(tokens):.0f} tokens; target p50 <= 1.5 s)"
    )

    start = lm.Adapter.read(SPECIALIST)
    t = time.perf_counter()
    result = lm_train.train(model, [EDIT], steps=EDIT_STEPS, seed=0, start=start)
    train_s = time.perf_counter() - t
    model.add_adapter("bench_edit", result.adapter)
    answer = model.generate(EDIT[0], 16, adapter="bench_edit")
    total = time.perf_counter() - t
    model.remove_adapter("bench_edit")
    print(
        f"edit retrain, {EDIT_STEPS} steps on one fact: {train_s:.1f} s training, "
        f"{total:.1f} s with the new answer ({answer!r}; target <= 10 s); "
        f"RSS {rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
