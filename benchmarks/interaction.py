"""Every lab's main actions in Chromium at 1280x720: action -> visible, settled result.

    python benchmarks/interaction.py           # all labs, one after the other
    python benchmarks/interaction.py cost      # one lab

Runs each lab's own benchmark (benchmarks/interaction_<lab>.py) in turn, never two at once
(two cores: parallel runs would measure each other). Each prints, per action, the median
and p95 time from the action to its visible, settled result, and the server time of one
session's first run of its page. Targets (issue 9): p50 <= 0.5 s, p95 <= 1 s, first run
<= 150 ms.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABS = ("retrieval", "forgetting", "cost", "which")


def main(argv: list[str]) -> int:
    chosen = argv or list(LABS)
    unknown = [lab for lab in chosen if lab not in LABS]
    if unknown:
        print(f"unknown lab {unknown}; choose from {', '.join(LABS)}", file=sys.stderr)
        return 2
    failed = 0
    for lab in chosen:
        script = HERE / f"interaction_{lab}.py"
        print(f"\n=== {lab} ({script.name})", flush=True)
        start = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"=== {lab}: exit {rc}, {time.perf_counter() - start:.0f} s", flush=True)
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
