"""What the interaction benchmarks (benchmarks/interaction_<lab>.py) share."""

from __future__ import annotations

import statistics
import time


def p95(values: list[float]) -> float:
    """The 95th percentile of ``values`` (nearest rank)."""
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def first_run_ms(slug: str, *, warm_timeout: float = 30, timeout: float = 30) -> float:
    """Server time of one session's first run of page ``slug``, median of 5, in ms.

    One run of the page first warms imports and content caches (and the model), as a
    running server has; then each time a new session opens the lesson and switches there.
    """
    from brainlab.content import page_spec
    from tests.apptest import run_page

    run_page(slug, timeout=warm_timeout)
    script = page_spec(slug).script
    times = []
    for _ in range(5):
        at = run_page("two_ways")
        start = time.perf_counter()
        at.switch_page(script).run(timeout=timeout)
        times.append((time.perf_counter() - start) * 1e3)
        assert not at.exception
    return statistics.median(times)
