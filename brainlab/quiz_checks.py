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


def _fine_tune_shares() -> dict[str, dict[str, float]]:
    """Fine-tuning's cost shares in the default scenario and in every preset."""
    base = costs.default_assumptions()
    out = {"default": costs.cost_shares(base, "fine_tune")}
    for name in costs.load_presets():
        out[name] = costs.cost_shares(costs.apply_preset(base, name), "fine_tune")
    return out


def fine_tune_cost_depends_on_scenario() -> list[str]:
    """Key of ``cost_lab/fine_tune_cost``.

    Data preparation (``ft_setup``) is the largest part in at least half of the scenarios;
    retraining, hosting and generation ("answering") each dominate another; the first
    training run is never the largest (under 5 % everywhere).
    """
    shares = _fine_tune_shares()
    top = {name: max(s, key=s.__getitem__) for name, s in shares.items()}
    found = []
    prep = [n for n, c in top.items() if c == "ft_setup"]
    if len(prep) * 2 < len(top):
        found.append(f"data preparation dominates only {prep} of {sorted(top)}")
    if not {"retraining", "hosting", "generation"} <= set(top.values()):
        found.append(f"retraining, hosting and generation should each dominate one: {top}")
    first_run = {n: s.get("training", 0.0) for n, s in shares.items()}
    if any(v >= 0.05 for v in first_run.values()):
        found.append(f"the first training run is 5 % or more somewhere: {first_run}")
    return found


CHECKS: dict[str, Callable[[], list[str]]] = {
    "fine_tune_cost_depends_on_scenario": fine_tune_cost_depends_on_scenario,
}
