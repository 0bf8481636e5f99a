"""What the forgetting lab says and draws, in the reader's words. Pure: no streamlit.

The page (pages/forgetting_lab.py with brainlab/ui/forgetting.py) trains the network with
:mod:`brainlab.forgetting`, and draws what the functions here return: the verdict beside the
learner's guess, the forgetting curve, the decision-region map, the comparison table and the
published and human charts. Each takes a :class:`~brainlab.words.Words`, so it runs the same
in a test as on the page, in either vocabulary.

One number is the verdict everywhere: full fine-tuning's **general accuracy at the end**, on
held-out general questions, mean of the three runs (:func:`summarise`). The map shows one of
those runs, and says so with the three numbers (:func:`map_agreement`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from brainlab import forgetting as fg
from brainlab import forgetting_charts as fc
from brainlab.content import load_toml
from brainlab.words import Words

#: The lab's words (content/forgetting_lab.toml).
WORDS_FILE = "forgetting_lab.toml"
#: Random starts per comparison: the lines are their mean, the bands their range.
N_SEEDS = 3
#: Where along fine-tuning the decision-region map can be shown (fraction of the steps).
MOMENTS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: Learning rates offered (a log-spaced ladder inside the core's safe range).
LEARNING_RATES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
#: EWC strengths offered.
PENALTIES = (0, 10, 30, 100, 300, 500, 1000, 3000, 10_000)
#: A guess within this many points of the result counts as close.
CLOSE_POINTS = 10


# --------------------------------------------------------------------------- the settings


@dataclass(frozen=True)
class Settings:
    """The training sliders' values: everything a comparison depends on."""

    steps: int = int(fg.DEFAULTS["steps"])
    learning_rate: float = float(fg.DEFAULTS["learning_rate"])
    replay_fraction: float = float(fg.DEFAULTS["replay_fraction"])
    penalty: float = float(fg.DEFAULTS["penalty"])
    rank: int = int(fg.DEFAULTS["rank"])
    seed: int = 0

    def clamped(self) -> Settings:
        """The same settings inside the core's safe ranges (a shared link may say anything)."""
        return Settings(
            steps=round(fg.clamp("steps", self.steps)),
            learning_rate=fg.clamp("learning_rate", self.learning_rate),
            replay_fraction=fg.clamp("replay_fraction", self.replay_fraction),
            penalty=fg.clamp("penalty", self.penalty),
            rank=round(fg.clamp("rank", self.rank)),
            # The comparison runs seed, seed + 1, ...: all of them must be valid seeds.
            seed=min(fg.clamp_seed(self.seed), fg.MAX_SEED - N_SEEDS + 1),
        )

    def own_setting(self, strategy: str) -> float | None:
        """The one setting only ``strategy`` uses (None for naive and rag)."""
        return {
            "replay": self.replay_fraction,
            "ewc": self.penalty,
            "adapter": float(self.rank),
        }.get(strategy)

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(self.seed + k for k in range(N_SEEDS))

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`brainlab.forgetting.compare`."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "seed"}

    def moments(self) -> tuple[int, ...]:
        """The steps (from the start of pretraining) of each of :data:`MOMENTS`."""
        pre = int(fg.DEFAULTS["pretrain_steps"])
        return tuple(pre + round(m * self.steps) for m in MOMENTS)


# --------------------------------------------------------------------------- words


def page_words() -> dict[str, Any]:
    """The lab's strings (content/forgetting_lab.toml, read at call time, cached by mtime)."""
    return load_toml(WORDS_FILE)


def text(w: Words, value: str | Mapping[str, str]) -> str:
    """A content value in the reader's words: a string with {{terms}}, or one per vocabulary."""
    if isinstance(value, Mapping):
        value = value[w.vocab]
    return w(value)


def say(w: Words, key: str, **values: Any) -> str:
    """The string at ``key`` ("table.name") in the reader's words, with ``{name}``s put in.

    Terms are rendered first, so ``{{term}}`` is never mistaken for a format field.
    """
    node: Any = page_words()
    for part in key.split("."):
        node = node[part]
    rendered = text(w, node)
    return rendered.format(**values) if values else rendered


def strategy_label(strategy: str, w: Words) -> str:
    """A strategy's name ("Full specialist training", "LoRA adapter")."""
    return say(w, f"strategies.{strategy}.label")


def strategy_labels(strategies: Sequence[str], w: Words) -> dict[str, str]:
    return {s: strategy_label(s, w) for s in strategies}


# --------------------------------------------------------------------------- the numbers


def summarise(curves: pd.DataFrame) -> pd.DataFrame:
    """Accuracies before and after fine-tuning, mean over seeds, one row per strategy.

    ``curves`` is the long table of :func:`brainlab.forgetting.compare`'s curves with columns
    ``strategy`` and ``seed`` added. The columns are those of
    :func:`brainlab.forgetting.summary` (which needs the runs themselves), computed the same
    way: before = the last pretraining row, after = the last row.
    """
    return fg.summary_of_curves(
        (strategy, curve)
        for (strategy, _), curve in curves.groupby(["strategy", "seed"], sort=False)
    )


def run_ends(curves: pd.DataFrame, strategy: str) -> list[float]:
    """General accuracy at the end of each run of ``strategy``, in seed order."""
    data = curves[curves["strategy"] == strategy]
    return [float(c.iloc[-1]["general_accuracy"]) for _, c in data.groupby("seed")]


# --------------------------------------------------------------------------- the verdict


@dataclass(frozen=True)
class Verdict:
    """Full fine-tuning's result beside the learner's guess."""

    guess: int  # percent
    kept: float  # general accuracy after full fine-tuning, mean of the runs, in [0, 1]
    before: float
    specialist: float
    diff: int  # result minus guess, in points
    close: bool
    headline: str
    comment: str


def verdict(summary: pd.DataFrame, guess: int, w: Words) -> Verdict:
    """What the reveal says: how much general skill full fine-tuning kept, against the guess."""
    row = summary.set_index("strategy").loc["naive"]
    kept, before = float(row["general_after"]), float(row["general_before"])
    special = float(row["specialist_after"])
    diff = round(kept * 100) - int(guess)
    close = abs(diff) <= CLOSE_POINTS
    key = "close" if close else ("above" if diff > 0 else "below")
    comment = say(w, f"verdict.{key}", guess=int(guess), diff=abs(diff))
    return Verdict(
        guess=int(guess),
        kept=kept,
        before=before,
        specialist=special,
        diff=diff,
        close=close,
        headline=say(w, "verdict.headline", kept=kept, before=before, comment=comment),
        comment=comment,
    )


# --------------------------------------------------------------------------- the curve


def curve_title(summary: pd.DataFrame, strategies: Sequence[str], w: Words) -> str:
    """The curve's one-line title: the finding when both ends of the story are shown."""
    table = summary.set_index("strategy")
    if {"naive", "rag"} <= set(strategies):
        return say(
            w,
            "curve.title",
            naive=table.loc["naive", "general_after"],
            rag=table.loc["rag", "general_after"],
        )
    return say(w, "curve.title_plain")


def curve_figure(
    curves: pd.DataFrame,
    summary: pd.DataFrame,
    strategies: Sequence[str],
    pretrain_steps: int,
    w: Words,
    *,
    height: int = 350,
) -> go.Figure:
    """The forgetting curve of ``strategies``: general on top, specialist below."""
    return fc.forgetting_curve_figure(
        curves=curves,
        labels=strategy_labels(strategies, w),
        pretrain_steps=pretrain_steps,
        title=curve_title(summary, strategies, w),
        general_axis=say(w, "curve.general_axis"),
        specialist_axis=say(w, "curve.specialist_axis"),
        x_axis=say(w, "curve.x_axis"),
        pretrain_label=say(w, "curve.pretrain"),
        finetune_label=say(w, "curve.finetune"),
        end_labels={s: say(w, f"strategies.{s}.end") for s in strategies},
        height=height,
        text_scale=w.chart_scale,
    )


def curve_alt(summary: pd.DataFrame, strategies: Sequence[str], w: Words) -> str:
    """The curve's text alternative: where every line ends."""
    table = summary.set_index("strategy")
    lines = "; ".join(
        say(
            w,
            "curve.alt_line",
            label=strategy_label(s, w),
            general=table.loc[s, "general_after"],
            special=table.loc[s, "specialist_after"],
        )
        for s in strategies
    )
    return say(w, "curve.alt", summary=(lines + ".") if lines else say(w, "curve.alt_none"))


def comparison_table(summary: pd.DataFrame, w: Words) -> pd.DataFrame:
    """Every strategy's accuracies before and after, in percent, with how it learns."""
    return pd.DataFrame(
        {
            say(w, "curve.col_strategy"): [strategy_label(s, w) for s in summary["strategy"]],
            say(w, "curve.col_how"): [say(w, f"strategies.{s}.short") for s in summary["strategy"]],
            say(w, "curve.col_general_before"): summary["general_before"].to_numpy() * 100,
            say(w, "curve.col_general_after"): summary["general_after"].to_numpy() * 100,
            say(w, "curve.col_specialist_after"): summary["specialist_after"].to_numpy() * 100,
        }
    )


@dataclass(frozen=True)
class RagLine:
    label: str
    value: str
    delta: str


def rag_lines(summary: pd.DataFrame, w: Words) -> tuple[RagLine, RagLine]:
    """The library's general and specialist skill, each against full fine-tuning's."""
    table = summary.set_index("strategy")
    rag, naive = table.loc["rag"], table.loc["naive"]
    out = []
    for column, key in (
        ("general_after", "general_metric"),
        ("specialist_after", "specialist_metric"),
    ):
        out.append(
            RagLine(
                label=say(w, f"rag.{key}"),
                value=f"{rag[column]:.0%}",
                delta=say(w, "rag.naive_delta", delta=100 * (rag[column] - naive[column])),
            )
        )
    return out[0], out[1]


# --------------------------------------------------------------------------- the map


@dataclass(frozen=True)
class MapMoment:
    """One network (run 1) at one moment: its answers over the plane and on the questions."""

    answers: np.ndarray  # (n, n) answer over the grid, row = y
    general_wrong: np.ndarray  # bool per shown general question
    specialist_wrong: np.ndarray  # bool per shown specialist question
    general: float  # accuracy on all held-out general questions
    specialist: float
    library: tuple[np.ndarray, np.ndarray] | None  # rag only


@dataclass(frozen=True)
class MapData:
    """The decision-region map of one strategy at every moment (run 1 of the comparison)."""

    strategy: str
    axis: np.ndarray
    general_points: tuple[np.ndarray, np.ndarray]
    specialist_points: tuple[np.ndarray, np.ndarray]
    moments: tuple[MapMoment, ...]


#: Test questions drawn on the map (a sample keeps it readable).
MAP_GENERAL_POINTS = 160
MAP_SPECIALIST_POINTS = 120


def map_data(strategy: str, settings: Settings, *, resolution: int = 70) -> MapData:
    """Train run 1 of ``strategy`` with ``settings`` and read its map at every moment.

    The same network as the comparison's first run (same seed, same settings): its end
    numbers equal that run's last point on the curve.
    """
    s = settings.clamped()
    moments = s.moments()
    pre = int(fg.DEFAULTS["pretrain_steps"])
    run = fg.compare((strategy,), seeds=(s.seed,), snapshot_steps=moments, **s.as_kwargs())[
        (strategy, s.seed)
    ]
    gx, gy = run.general.x_test[:MAP_GENERAL_POINTS], run.general.y_test[:MAP_GENERAL_POINTS]
    sx, sy = (
        run.specialist.x_test[:MAP_SPECIALIST_POINTS],
        run.specialist.y_test[:MAP_SPECIALIST_POINTS],
    )
    axis = np.zeros(0)
    out = []
    for step in moments:
        params = run.snapshots[step]
        axis, answers = fg.decision_grid(params, resolution=resolution)
        general = fg.accuracy(params, run.general.x_test, run.general.y_test)
        special_all = fg.predict(params, run.specialist.x_test)
        library = None
        if strategy == "rag" and step > pre:
            library = run.libraries[step]
            special_all = fg.knn_predict(library[0], library[1], run.specialist.x_test)
        out.append(
            MapMoment(
                answers=answers,
                general_wrong=fg.predict(params, gx) != gy,
                specialist_wrong=special_all[: len(sy)] != sy,
                general=general,
                specialist=float(np.mean(special_all == run.specialist.y_test)),
                library=library,
            )
        )
    return MapData(strategy, axis, (gx, gy), (sx, sy), tuple(out))


def moment_names(w: Words) -> list[str]:
    return [text(w, m) for m in page_words()["regions"]["moments"]]


def regions_figure(data: MapData, moment: int, w: Words) -> go.Figure:
    """The map of ``data`` at moment index ``moment``, with a legend and wrong answers crossed."""
    m = data.moments[moment]
    answer_names = [text(w, a) for a in page_words()["regions"]["answers"]]
    n_wrong = int(m.general_wrong.sum() + m.specialist_wrong.sum())
    return fc.regions_figure(
        axis=data.axis,
        answers=m.answers,
        general_points=data.general_points,
        specialist_points=data.specialist_points,
        general_wrong=m.general_wrong,
        specialist_wrong=m.specialist_wrong,
        library_points=m.library,
        answer_names=answer_names,
        answer_legend=[say(w, "regions.answer_legend", answer=a) for a in answer_names],
        general_name=say(w, "regions.general_points"),
        specialist_name=say(w, "regions.specialist_points"),
        wrong_name=say(w, "regions.wrong_points", n=n_wrong),
        library_name=say(w, "regions.library_points"),
        title=say(
            w,
            "regions.title",
            strategy=strategy_label(data.strategy, w),
            moment=moment_names(w)[moment],
            general=m.general,
            specialist=m.specialist,
        ),
        x_title=say(w, "regions.x_axis"),
        y_title=say(w, "regions.y_axis"),
    )


def regions_alt(data: MapData, moment: int, w: Words) -> str:
    return say(
        w,
        "regions.alt",
        strategy=strategy_label(data.strategy, w),
        moment=moment_names(w)[moment],
    )


def map_agreement(data: MapData, curves: pd.DataFrame, w: Words) -> str:
    """Why the map's end number and the verdict's can differ: one run against the mean."""
    ends = run_ends(curves, data.strategy)
    return say(
        w,
        "regions.agree",
        run=data.moments[-1].general,
        runs=", ".join(f"{e:.0%}" for e in ends),
        mean=float(np.mean(ends)),
    )


# --------------------------------------------------------------------------- the world


def ebbinghaus_figure(e: Mapping[str, Any], w: Words) -> go.Figure:
    """Ebbinghaus's savings data beside the best-fitting exponential."""
    savings = np.asarray(e["savings_percent"], dtype=float)
    strength = fg.fit_exponential_strength(np.asarray(e["hours"]), savings / 100)
    return fc.ebbinghaus_figure(
        hours=e["hours"],
        savings=savings,
        labels=e["labels"],
        strength_hours=strength,
        title=say(w, "human.title"),
        x_title=say(w, "human.x_axis"),
        y_title=say(w, "human.y_axis"),
        data_name=say(w, "human.data_name"),
        model_name=say(w, "human.model_name", s=strength),
    )


def biderman_figure(b: Mapping[str, Any], w: Words) -> go.Figure:
    """Published forgetting of full fine-tuning and LoRA in Llama-2-7B."""
    return fc.published_forgetting_figure(
        epochs=b["epochs"],
        series=b["series"],
        title=say(w, "world.biderman_title"),
        x_title=say(w, "world.biderman_x"),
        y_title=say(w, "world.biderman_y"),
    )
