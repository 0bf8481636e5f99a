"""How fast the cost lab answers an edit, server-side. Prints numbers; asserts nothing.

    python benchmarks/costs.py [--runs 20]

Three measurements, each the median and the worst of ``--runs`` repetitions:

1. the core alone: validation, monthly costs, cumulative curves, break-even, crossover,
   cost per 1,000 questions on the volume grid, the ±25% tornado and the low/high band;
2. the core plus the five plotly figures, serialised to JSON as ``st.plotly_chart`` does;
3. a whole AppTest rerun of the page after a table-cell edit (the real widget, state and
   drawing code). In the browser only the ``st.fragment`` panel reruns, so this full-page
   run is an upper bound of what an edit costs.

The target (issue 5): every chart updated within 150 ms of a cell edit, server-side.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import plotly.io as pio  # noqa: E402

from brainlab import cost_charts, costs  # noqa: E402

NAMES = {"prompt_only": "Base model", "rag": "RAG", "fine_tune": "Fine-tuning", "hybrid": "Both"}


def core(table) -> dict:
    p = costs.params(table)
    monthly = costs.monthly_costs(p)
    cum = costs.cumulative_costs(p)
    return {
        "p": p,
        "monthly": monthly,
        "cum": cum,
        "be": costs.break_even(p, "rag", "fine_tune"),
        "cross": costs.crossover_volume(p, "rag", "fine_tune"),
        "per_k": costs.cost_per_thousand(p, costs.volume_grid(p)),
        "sens": costs.sensitivity(p, "rag", "fine_tune"),
        "band": costs.band(p),
    }


def core_and_figures(table) -> int:
    r = core(table)
    figs = [
        cost_charts.cumulative_figure(
            cumulative=r["cum"], names=NAMES, title="t", x_title="x", y_title="y",
            marker=(3, 100.0), marker_label="break-even",
        ),
        cost_charts.monthly_stack_figure(
            monthly=r["monthly"][r["monthly"].month == 1], names=NAMES,
            component_names={}, title="t", x_title="x", y_title="y",
        ),
        cost_charts.per_thousand_figure(
            per_thousand=r["per_k"], names=NAMES, title="t", x_title="x", y_title="y",
            crossover=r["cross"], crossover_label="c", current=30000, current_label="n",
        ),
        cost_charts.tornado_figure(
            sensitivity=r["sens"], title="t", x_title="x", low_label="-", high_label="+"
        ),
        cost_charts.band_figure(
            band=r["band"], strategies=["rag", "fine_tune"], names=NAMES, title="t",
            x_title="x", y_title="y", range_label="r",
        ),
    ]  # fmt: skip
    return sum(len(pio.to_json(f, validate=False)) for f in figs)


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    table = costs.default_assumptions()

    def edited(i: int):
        t = table.copy()
        t.loc[0, "value"] = 10_000 + 1_000 * i  # a different cell value every run
        return t

    core(table)
    core_and_figures(table)  # warm imports and caches
    results = {
        "core model (all five charts' numbers)": timed(lambda i: core(edited(i)), args.runs),
        "core + five figures + JSON": timed(lambda i: core_and_figures(edited(i)), args.runs),
    }

    from tests.apptest import run_page

    at = run_page("cost_lab", timeout=60)

    def edit_and_rerun(i: int) -> None:
        key = f"cost_table_{at.session_state['cost_editor_version']}"
        at.session_state[key] = {
            "edited_rows": {0: {"value": float(20_000 + 1_000 * i)}},
            "added_rows": [],
            "deleted_rows": [],
        }
        at.run()
        assert not at.exception and len(at.get("plotly_chart")) == 5

    results["AppTest full-page rerun after a cell edit"] = timed(edit_and_rerun, args.runs)

    print(f"Cost lab, server-side, {args.runs} runs each (target: <= 150 ms per edit)")
    for name, (median, worst) in results.items():
        print(f"  {name:45s} median {median:7.1f} ms   worst {worst:7.1f} ms")


if __name__ == "__main__":
    main()
