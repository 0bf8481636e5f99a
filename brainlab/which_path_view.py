"""What the "Which path?" page says and draws, in the reader's words. Pure: no streamlit.

The page (pages/which_path.py with brainlab/ui/decision.py) gathers the six answers, calls
:func:`brainlab.decision.recommend`, and draws what the functions here return: the
scenario note, the recommendation's headline and lead, the score chart, the "why" table and
the 12-month cost lines. Each takes a :class:`~brainlab.words.Words`, so it runs the same in
a test as on the page, in either vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from brainlab import charts
from brainlab.content import load_toml
from brainlab.decision import PATHS, Factor, Preset, Recommendation, Weights, matching_preset
from brainlab.words import Words

#: The page's words (content/which_path.toml, table ``[words]``).
WORDS_FILE = "which_path.toml"

#: The Cost lab names the prompting-only strategy differently.
COST_STRATEGY: dict[str, str] = {
    "prompting": "prompt_only",
    "rag": "rag",
    "fine_tune": "fine_tune",
    "hybrid": "hybrid",
}


def page_words() -> dict[str, str]:
    """The page's strings from content/which_path.toml (read at call time, cached by mtime)."""
    return load_toml(WORDS_FILE)["words"]


def say(w: Words, key: str, **values: Any) -> str:
    """The page string ``key`` in the reader's words, with ``{name}`` values put in.

    Terms are rendered first, so ``{{term}}`` is never mistaken for a format field.
    """
    rendered = w(page_words()[key])
    return rendered.format(**values) if values else rendered


def path_label(weights: Weights, path: str, w: Words) -> str:
    """A path's full name ("The super library", "RAG")."""
    return w(weights.path_labels[path])


def path_short(weights: Weights, path: str, w: Words) -> str:
    """A path's short name, for chart bars and table columns."""
    return w(weights.path_short[path])


# --------------------------------------------------------------------------- the controls


def question_label(factor: Factor, w: Words) -> str:
    """The question's short label on the stage (the full question when it has none)."""
    short = load_toml(WORDS_FILE).get("questions", {})
    return w(short.get(factor.key) or factor.label)


def question_help(factor: Factor, w: Words) -> str:
    """The question in full, then what its answers mean."""
    return f"**{w(factor.label)}** {w(factor.help)}"


def preset_label(preset: Preset) -> str:
    """A scenario's name in the scenario box."""
    return preset.label


def selected_preset(answers: dict[str, Any], presets: tuple[Preset, ...]) -> str | None:
    """The id of the scenario the answers are exactly, or ``None`` for the reader's own mix."""
    preset, differences = matching_preset(answers, presets)
    return preset.id if differences == 0 else None


@dataclass(frozen=True)
class ScenarioNote:
    """Which scenario the answers are (or are nearest to), in one line."""

    preset: Preset
    differences: int
    text: str


def scenario_note(answers: dict[str, Any], presets: tuple[Preset, ...], w: Words) -> ScenarioNote:
    """Say which scenario the answers are, or which one they are nearest to."""
    preset, differences = matching_preset(answers, presets)
    if differences == 0:
        text = say(w, "matches", label=preset.label)
    else:
        text = say(w, "nearest", label=preset.label, n=differences)
    return ScenarioNote(preset, differences, text)


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class Headline:
    """The recommendation box: the path, what it means, and how clear the lead is."""

    path: str
    label: str
    summary: str
    lead: str
    close_call: bool


def headline(rec: Recommendation, weights: Weights, w: Words) -> Headline:
    """The recommendation box's words for ``rec``."""
    runner = path_short(weights, rec.runner_up, w)
    key = "close_call" if rec.close_call else "clear_lead"
    return Headline(
        path=rec.path,
        label=path_label(weights, rec.path, w),
        summary=w(weights.path_summaries[rec.path]),
        lead=say(w, key, runner_up=runner, margin=rec.margin),
        close_call=rec.close_call,
    )


def score_figure(rec: Recommendation, weights: Weights, w: Words) -> go.Figure:
    """The live score bars: one per path in the palette, the recommended one marked in words."""
    short = {p: path_short(weights, p, w) for p in PATHS}
    return charts.path_scores(
        scores={p: rec.scores[p] for p in PATHS},
        labels=short,
        recommended=rec.path,
        title=say(w, "chart_title", path=short[rec.path], score=rec.scores[rec.path]),
        x_title=say(w, "chart_x"),
        marker_text=say(w, "chart_marker"),
    )


def score_alt(rec: Recommendation, weights: Weights, w: Words) -> str:
    """The score chart's text alternative: every score, and the recommended path."""
    scores = ", ".join(f"{path_label(weights, p, w)} {rec.scores[p]:+g}" for p in PATHS)
    return say(w, "chart_alt", scores=scores, path=path_label(weights, rec.path, w))


def points_table(frame: pd.DataFrame, weights: Weights, w: Words, *, total: bool) -> pd.DataFrame:
    """A points table for the reader: question, answer and one column of points per path.

    ``frame`` is :attr:`Recommendation.contributions` (with ``total``: a last row adds each
    column up to the path's score; an answer that did not count is marked) or
    :meth:`Weights.table` (every option's points; an option that counts only under another
    answer names it). Question names and column titles are in the reader's words.
    """
    table = frame[["question", "answer", *PATHS]].reset_index(drop=True)
    table["question"] = [w(q) for q in table["question"]]
    answers = [w(a) for a in table["answer"]]
    # An answer whose points did not count (counts_when) says so; in the weights table,
    # an option that counts only under another answer names that answer.
    if "counted" in frame:
        answers = [
            a if counted else say(w, "table_not_counted", answer=a)
            for a, counted in zip(answers, frame["counted"], strict=True)
        ]
    if "only_if" in frame:
        answers = [
            say(w, "table_only_if", answer=a, condition=w(c)) if c else a
            for a, c in zip(answers, frame["only_if"], strict=True)
        ]
    table["answer"] = answers
    if total:
        sums = {p: float(frame[p].sum()) for p in PATHS}
        table.loc[len(table)] = {"question": say(w, "table_total"), "answer": "", **sums}
    return table.rename(columns=table_columns(weights, w))


def table_columns(weights: Weights, w: Words) -> dict[str, str]:
    """The points tables' column titles: question, answer, and each path's short name."""
    return {
        "question": say(w, "table_question"),
        "answer": say(w, "table_answer"),
        **{p: path_short(weights, p, w) for p in PATHS},
    }


def why_table(rec: Recommendation, weights: Weights, w: Words) -> pd.DataFrame:
    """Each answer's points for each path, and the scores they add up to (the last row)."""
    return points_table(rec.contributions, weights, w, total=True)


# --------------------------------------------------------------------------- the cost


@dataclass(frozen=True)
class CostLines:
    """The Cost lab's 12-month estimate beside the recommendation, as text."""

    heading: str
    value: str
    path: str
    others: str
    basis: str


def cost_lines(
    rec: Recommendation,
    weights: Weights,
    preset: Preset,
    totals: dict[str, float],
    preset_titles: dict[str, str],
    w: Words,
) -> CostLines:
    """The 12-month cost of the recommended path and of the others, and what they assume.

    ``totals`` are the Cost lab's totals per strategy for ``preset.cost_preset`` (its
    default assumptions when that is empty); ``preset_titles`` its presets' titles.
    """
    others = " · ".join(
        f"{path_label(weights, p, w)} ${totals[COST_STRATEGY[p]]:,.0f}"
        for p in PATHS
        if p != rec.path
    )
    if preset.cost_preset:
        title = preset_titles.get(preset.cost_preset, preset.cost_preset)
        basis = say(w, "cost_preset", preset=title)
    else:
        basis = say(w, "cost_default")
    return CostLines(
        heading=say(w, "cost_heading"),
        value=f"${totals[COST_STRATEGY[rec.path]]:,.0f}",
        path=say(w, "cost_path", path=path_label(weights, rec.path, w)),
        others=f"{say(w, 'cost_others')} {others}",
        basis=basis,
    )
