"""How fast the "Which path?" scoring and the checkpoint scoring are. Prints numbers only.

python benchmarks/which_path.py
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from brainlab import decision, quiz


def main() -> None:
    weights = decision.load_weights()
    combos = [
        dict(zip(decision.QUESTIONS, values, strict=True))
        for values in itertools.product(*(f.values for f in weights.factors))
    ]
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for answers in combos:
            decision.recommend(answers, weights)
        runs.append(time.perf_counter() - start)
    per_call = statistics.median(runs) / len(combos) * 1e3
    print(f"recommend(): {len(combos)} answer combinations, median {per_call:.3f} ms per call")

    start = time.perf_counter()
    for _ in range(100):
        decision.load_weights()
    print(f"load_weights() (cached TOML): {(time.perf_counter() - start) * 10:.3f} ms per call")

    questions = quiz.load_questions()
    answers = {q.key: q.answer for q in questions}
    start = time.perf_counter()
    for _ in range(1000):
        quiz.score(answers, questions)
    per_score = time.perf_counter() - start  # 1000 calls: seconds == ms per call
    print(f"quiz.score() over {len(questions)} questions: {per_score:.3f} ms per call")

    from tests.apptest import run_page

    times = []
    for _ in range(3):
        start = time.perf_counter()
        at = run_page("which_path")
        assert not at.exception
        times.append(time.perf_counter() - start)
    print(f"AppTest: app.py + switch to Which path?: median {statistics.median(times):.2f} s")
    at.button(key="which_path_preset_medical").click()
    start = time.perf_counter()
    at.run()
    print(f"AppTest: one rerun after a preset click: {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
