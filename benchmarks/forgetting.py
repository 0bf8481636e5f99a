"""How fast the forgetting lab's network trains: prints the numbers the issue asks for.

    python benchmarks/forgetting.py

Targets (issue 4): one simulate() of one strategy at the defaults ≤ 300 ms; all strategies ×
3 seeds (the page's comparison) ≤ 2 s cold; and instant when repeated (the page keeps
every run, keyed by the settings it depends on: measured here through the same function).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from brainlab import forgetting as fg


def timed(fn, repeat: int = 5) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    fg.simulate("naive")  # import and first-call warm-up of numpy
    print("one simulate() at the defaults (ms, median of 5; target ≤ 300):")
    for strategy in fg.STRATEGIES:
        ms = timed(lambda s=strategy: fg.simulate(s))
        print(f"  {strategy:8s} median {statistics.median(ms):6.1f}  max {max(ms):6.1f}")

    print("all strategies × 3 seeds, pretraining shared per seed (ms; target ≤ 2000):")
    ms = timed(lambda: fg.compare(fg.STRATEGIES, seeds=(0, 1, 2)), repeat=3)
    print(f"  compare()  median {statistics.median(ms):6.1f}  max {max(ms):6.1f}")
    ms = timed(lambda: [fg.simulate(s, seed=k) for s in fg.STRATEGIES for k in (0, 1, 2)], repeat=3)
    print(f"  15 separate simulate() calls  median {statistics.median(ms):6.1f}")

    # The page's cached entry point: cold, then repeated with the same inputs, then a
    # slider that changes one strategy (replay) and a shorter run (fewer steps).
    from streamlit.testing.v1 import AppTest  # noqa: F401  (streamlit's runtime-less cache)

    from brainlab.forgetting_view import Settings
    from brainlab.ui import forgetting as ui_fg

    for label, settings in (
        ("cold (15 runs)", Settings()),
        ("repeated", Settings()),
        ("replay slider (3 runs)", Settings(replay_fraction=0.5)),
        ("fewer steps (cut from kept runs)", Settings(steps=100)),
        ("learning rate (15 runs)", Settings(learning_rate=0.2)),
    ):
        start = time.perf_counter()
        ui_fg.curves(settings)
        print(f"  page curves, {label}: {(time.perf_counter() - start) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
