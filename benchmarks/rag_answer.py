"""How often the library's generated answer holds the right fact, on this machine, with the
real SmolLM2-135M-Instruct and all-MiniLM-L6-v2 (benchmark, not a timed test).

    python benchmarks/rag_answer.py [--words FILE.toml]

For each question below (the lab's example questions and most of content/retrieval_eval.toml,
each with a pattern of the fact a right answer states), the lab's own pipeline runs: the top 3
pages by meaning, the prompt of brainlab.retrieval.build_prompt, the model stopped after its
first sentence as the lab stops it (brainlab/ui/lm_answer.py), and the check of
brainlab/rag_answer.py. Prints, over the answerable questions: how many answers state the
fact, cite a fetched page, are flagged by the check (and how many flagged ones were wrong:
the check's catch rate), seconds to the first piece and to the whole answer (p50, max); and
which unanswerable questions the extractive path keeps from the model. ``--words`` replaces
content/answers.toml's words (prompt_instructions, answer) to compare wordings.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from brainlab import lm  # noqa: E402
from brainlab import rag_answer as ra  # noqa: E402
from brainlab import retrieval as rt  # noqa: E402
from brainlab.embeddings import shared_encoder  # noqa: E402

#: Each question, and a pattern of the fact a right answer states ("ABSTAIN": the library
#: cannot answer it; the extractive path must keep it from the model).
FACTS = [
    ("How much does the K210 kettle cost?", r"\b44\b"),
    ("What do I do if my loyalty card is lost?", r"customer service|block"),
    ("How many days do I have to return a product?", r"\b30\b|thirty"),
    ("Who won the 1998 football world cup?", "ABSTAIN"),
    ("How much does the K220 kettle cost?", r"\b59\b"),
    ("I misplaced my membership pass, what should I do?", r"customer service|block"),
    ("How much does the glass kettle cost?", r"\b59\b"),
    ("What is the price of the K210?", r"\b44\b"),
    ("How many browning levels does the T110 have?", r"seven|\b7\b"),
    ("How powerful is the motor of the Vortex?", r"1,?200"),
    ("How long does the travel mug keep my coffee hot?", r"\b8\b|eight"),
    ("How long does the cordless vacuum run on a full battery?", r"\b55\b"),
    ("What does an extra battery for the V900 cost?", r"\b59\b"),
    ("How loud is the tower fan in sleep mode?", r"\b28\b"),
    ("What is the heaviest thing the kitchen scale can weigh?", r"\b5\b|five"),
    ("How often should I replace the purifier's filter?", r"\b6\b|six"),
    ("How big a room can the air purifier clean?", r"\b40\b"),
    ("How long is a gift voucher valid?", r"three years|3 years"),
    ("Until what time is the Canal Street shop open now?", r"20[:.]00|8 ?pm"),
    ("Who is the new boss of Brightfield?", r"Varga"),
    ("When did the shop in the Riverside market hall open?", r"15 October|October 15"),
    ("Which prize did the blender win?", r"Design Prize"),
    ("How much of the warehouse's electricity comes from the sun?", r"\b60\b"),
    ("When is the lantern parade?", r"last Saturday"),
    ("How many days do I have to send back an unused item?", r"\b30\b|thirty"),
    ("How long until my refund arrives?", r"\b5\b|five"),
    ("If I order at noon, when does the parcel leave the warehouse?", r"same day"),
    ("What is the customer service phone number?", r"0800 555 0142"),
    ("How many times a day may an adult take Calmex?", r"three|\b3\b"),
    ("When can I get a flu shot at Harbor Vale?", r"Tuesday|Thursday"),
    ("How many days do I have to cancel an online purchase in Arvenia?", r"\b21\b"),
    ("How big a deposit can an Arvenian landlord ask for?", r"two months|2 months"),
    ("What is limescale made of?", r"calcium carbonate"),
    ("What size of particles does a HEPA filter catch?", r"0\.3"),
    ("How many kelvin is warm white light?", r"2,?700"),
    ("At what temperature should green tea be brewed?", r"\b70\b"),
    ("What is the price of the Z77 blender?", "ABSTAIN"),
    ("Who is the president of France?", "ABSTAIN"),
    ("How much does the K300 kettle cost?", "ABSTAIN"),
]


def first_sentence(pieces):
    """The lab's cut: the pieces up to the end of the first sentence."""
    from brainlab.ui.lm_answer import _first_sentence

    written: list[str] = []
    for _ in _first_sentence(pieces, written):
        yield "".join(written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=Path, help="a TOML file of answers.toml words to use")
    args = parser.parse_args()
    if args.words:
        extra = tomllib.loads(args.words.read_text())
        words = {**rt.answer_words(), **extra}
        rt.answer_words = lambda: words
    t0 = time.perf_counter()
    model = lm.load_lm()
    print(f"model load: {time.perf_counter() - t0:.1f} s")
    r = rt.Retriever(rt.load_library(), encoder=shared_encoder())
    n = right = cited = flagged = flagged_wrong = wrong = 0
    firsts, totals = [], []
    for question, fact in FACTS:
        hits = r.search(question, k=3)
        grounded = rt.grounded_answer(question, hits, 0.30, docs=r.docs)
        if fact == "ABSTAIN":
            sent = ra.should_generate(question, grounded)
            print(f"  unanswerable {question!r}: {'SENT to the model' if sent else 'not sent'}")
            continue
        prompt = rt.build_prompt(question, hits)
        model.clear_cache()
        start = time.perf_counter()
        first = None
        text = ""
        for text in first_sentence(model.stream(prompt, ra.MAX_NEW_TOKENS)):  # noqa: B007
            if first is None:
                first = time.perf_counter() - start
        totals.append(time.perf_counter() - start)
        firsts.append(first if first is not None else totals[-1])
        result = ra.check(text, hits, grounded, question)
        good = bool(re.search(fact, text, re.IGNORECASE))
        n += 1
        right += good
        wrong += not good
        cited += bool(result.cited)
        flagged += not result.ok
        flagged_wrong += (not result.ok) and not good
        mark = "ok " if good else "BAD"
        flag = "" if result.ok else "  [flagged]"
        print(f"  {mark} {question!r} -> {ra.tidy(text)!r}{flag}")
    firsts.sort()
    totals.sort()
    print(
        f"fact right {right}/{n}; cites a fetched page {cited}/{n}; flagged {flagged}/{n}"
        f" (of the {wrong} wrong: {flagged_wrong} flagged); first piece p50"
        f" {firsts[n // 2]:.2f} s, whole answer p50 {totals[n // 2]:.2f} s, max {totals[-1]:.2f} s"
    )


if __name__ == "__main__":
    main()
