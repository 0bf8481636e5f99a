"""Speed of the retrieval lab's core, on this machine, with the real all-MiniLM-L6-v2.

    python benchmarks/retrieval.py [--queries 40] [--paint]

Prints: model import + load; cold embedding of the whole toy library (chunks and sentences,
model already loaded); a new query → hits, server-side, median and p90 over distinct
questions, per method; the encode calls and texts of adding, editing and deleting one
document; the same for the Chinese library with multilingual e5 (cold and warm build,
query p50); and with --paint, first paint of the lab's text vs the model ready in Chromium.
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
from brainlab.embeddings import load_encoder  # noqa: E402

QUESTIONS = [
    "How much does the K210 kettle cost?",
    "How many days do I have to return a product?",
    "Who won the 1998 football world cup?",
    "BF-X415",
    "I misplaced my membership pass, what should I do?",
    "What is the maximum dose of Calmex?",
    "When is the flagship shop open?",
    "How much does delivery cost?",
    "Who is the chief executive of Brightfield Home?",
    "How long does the vacuum cleaner battery last?",
    "Can I pay in instalments?",
    "What does a HEPA filter catch?",
    "Why does water boil below 100 degrees on a mountain?",
    "Is the frying pan safe on induction?",
    "How loud is the tower fan in sleep mode?",
    "What is the deposit limit for a flat in Arvenia?",
    "When are flu vaccinations offered?",
    "How do I remove limescale?",
    "Do gift cards expire?",
    "What colour temperature is warm white light?",
]


class Counting:
    """Counts the encoder's calls and texts, to show what one edit embeds."""

    def __init__(self, base) -> None:
        self.base, self.calls, self.texts = base, 0, 0

    def encode(self, texts):
        self.calls += 1
        self.texts += len(texts)
        return self.base.encode(texts)

    def encode_query(self, texts):
        return getattr(self.base, "encode_query", self.base.encode)(texts)

    def count_tokens(self, texts):
        return self.base.count_tokens(texts)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def time_queries(index, questions, prefix: str = "", target: str = "") -> None:
    """Print, per method, the time from a new question to its hits, answer and prompt."""
    for method in rt.METHODS:
        times = []
        for q in questions:
            index._queries.clear()  # a new query: no remembered embedding
            t = time.perf_counter()
            hits = index.search(q, k=3, method=method)
            rt.grounded_answer(q, hits, 0.3)
            rt.build_prompt(q, hits)
            times.append(time.perf_counter() - t)
        times.sort()
        print(
            f"{prefix}new query → hits+answer ({method:7s}): median "
            f"{ms(statistics.median(times))}, p90 {ms(times[int(0.9 * len(times)) - 1])}"
            f"  over {len(times)} questions{target}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=40, help="distinct questions timed")
    parser.add_argument("--paint", action="store_true", help="also time first paint (Chromium)")
    args = parser.parse_args()

    start = time.perf_counter()
    encoder = load_encoder()
    print(f"model import + load:               {time.perf_counter() - start:6.2f} s")
    encoder.encode(["warm up"])  # the first call sets up torch's kernels

    docs = rt.load_library()
    counting = Counting(encoder)
    start = time.perf_counter()
    index = rt.Retriever(docs, encoder=counting)
    cold = time.perf_counter() - start
    print(
        f"cold embedding of the library:     {cold:6.2f} s  ({len(docs)} documents, "
        f"{len(index.chunks)} chunks + sentences = {counting.texts} texts, {counting.calls} call)"
    )

    # Distinct questions so that every one pays for its own query embedding.
    questions = [
        f"{q} ({i})" if i >= len(QUESTIONS) else q
        for i, q in enumerate(QUESTIONS * (args.queries // len(QUESTIONS) + 1))
    ][: args.queries]
    time_queries(index, questions)

    new = rt.Doc(
        "bench",
        "Brightfield Z900 robot lawn mower",
        "The Z900 robot lawn mower cuts up to 800 square metres. Price: 899 euros.",
        "catalogue",
        "2026-01-01",
    )
    for label, action in (
        ("add one document", lambda: index.add(new)),
        (
            "edit one document",
            lambda: index.update(
                rt.Doc(new.id, new.title, new.text.replace("899", "849"), new.topic, new.updated)
            ),
        ),
        ("delete one document", lambda: index.remove(new.id)),
    ):
        calls, texts = counting.calls, counting.texts
        t = time.perf_counter()
        action()
        print(
            f"{label + ':':34s} {ms(time.perf_counter() - t):>10s}, encode calls "
            f"{counting.calls - calls}, texts embedded {counting.texts - texts} "
            f"(the library has {len(index.chunks)} chunks)"
        )

    chinese(args.queries)

    if args.paint:
        paint()


ZH_QUESTIONS = [
    "K210 水壶多少钱？",
    "买了东西几天内可以退货？",
    "1998 年世界杯冠军是谁？",
    "BF-X415",
    "会员卡丢了怎么办？",
    "卡美司最多能吃多少？",
    "旗舰店几点开门？",
    "运费多少钱？",
    "明田家居的首席执行官是谁？",
    "吸尘器电池能用多久？",
    "可以分期付款吗？",
    "HEPA 滤网能挡住什么？",
    "为什么山上水不到 100 度就开了？",
    "煎锅能用电磁炉吗？",
    "塔扇睡眠模式有多吵？",
]


def chinese(queries: int) -> None:
    """The Chinese library with multilingual e5: load, a cold build (no disk cache), a warm
    build (from the disk cache, as after a server restart), and new queries per method."""
    import tempfile

    from brainlab.embeddings import E5Encoder

    start = time.perf_counter()
    rt.tokenize("预热", "zh")
    print(f"zh: jieba dictionary load:         {time.perf_counter() - start:6.2f} s")
    docs = rt.load_library(rt.library_path("zh"))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        encoder = E5Encoder(cache_path=Path(tmp) / "cache.sqlite")
        print(f"zh: e5 model load:                 {time.perf_counter() - start:6.2f} s")
        for label in ("cold", "warm"):
            counting = Counting(encoder)
            start = time.perf_counter()
            index = rt.Retriever(docs, encoder=counting, language="zh")
            took = time.perf_counter() - start
            print(
                f"zh: {label} build of the library:    {took:6.2f} s  ({len(docs)} documents, "
                f"{len(index.chunks)} chunks + sentences = {counting.texts} texts; warm = "
                "read back from the disk cache)"
            )
        questions = [
            f"{q}（{i}）" if i >= len(ZH_QUESTIONS) else q
            for i, q in enumerate(ZH_QUESTIONS * (queries // len(ZH_QUESTIONS) + 1))
        ][:queries]
        time_queries(index, questions, prefix="zh: ", target="  (target: median <= 50 ms)")
        rates = rt.hit_rates(index, rt.load_eval_set(rt.eval_path("zh"), docs))
        en = rt.hit_rates(index, rt.load_eval_set(rt.EVAL_PATH, docs), methods=("dense", "hybrid"))
        for method, rate in rates.items():
            print(f"zh: eval top-1 {method:7s} {rate.top1_rate:5.1%} ({rate.questions} questions)")
        for method, rate in en.items():
            print(
                f"zh: English questions over the Chinese library, top-1 {method:7s} "
                f"{rate.top1_rate:5.1%}, top-3 {rate.top_k_rate:5.1%}"
            )


def paint() -> None:
    """Seconds from opening the lab in Chromium (fresh server) to its title, and to the map
    (drawn only once the model is ready)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.harness import launch, streamlit_server

    with sync_playwright() as playwright, streamlit_server() as url:
        browser = launch(playwright)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(url + "/", wait_until="domcontentloaded")
        page.locator("h1").first.wait_for(timeout=60_000)
        start = time.perf_counter()
        page.goto(url + "/retrieval_lab", wait_until="commit")
        page.get_by_role("heading", name="Retrieval lab").wait_for(timeout=60_000)
        text = time.perf_counter() - start
        page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=120_000)
        ready = time.perf_counter() - start
        print(f"lab title and intro painted:       {text:6.2f} s after opening the page")
        print(f"model ready (map drawn):           {ready:6.2f} s after opening the page")
        browser.close()


if __name__ == "__main__":
    main()
