"""Checks that tie quiz keys to the app's own models.

A quiz answer that states a fact about a model (which cost dominates, what a strategy
saves) names one of these functions in ``content/quiz.toml`` (``check = "..."``). Each
returns the ways the fact fails in the current model: an empty list means the key holds.
A test runs every named check, so editing a number in ``content/`` cannot silently make
a quiz key wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from brainlab import costs


def _fine_tune_splits() -> dict[str, dict[str, float]]:
    """Fine-tuning's cost split in the default scenario and in every preset."""
    base = costs.default_assumptions()
    out = {"default": costs.fine_tune_cost_split(base)}
    for name in costs.load_presets():
        out[name] = costs.fine_tune_cost_split(costs.apply_preset(base, name))
    return out


def fine_tune_cost_depends_on_scenario() -> list[str]:
    """Key of ``cost_lab/fine_tune_cost``.

    People's time (preparing, refreshing and evaluating data) is the largest part of
    fine-tuning's bill in every scenario but the self-hosted one, where hosting is; GPU
    compute is never the largest.
    """
    splits = _fine_tune_splits()
    top = {name: max(s, key=s.__getitem__) for name, s in splits.items()}
    found = []
    if top.get("open_weight") != "hosting":
        found.append(f"hosting should dominate the open-weight preset: {top}")
    others = {n: c for n, c in top.items() if n != "open_weight" and c != "people"}
    if others:
        found.append(f"people's time should dominate the other scenarios: {others}")
    return found


CHECKS: dict[str, Callable[[], list[str]]] = {
    "fine_tune_cost_depends_on_scenario": fine_tune_cost_depends_on_scenario,
}
