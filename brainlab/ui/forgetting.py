"""The forgetting lab's widgets and cached training: the page gathers inputs, calls these.

The network trains in :mod:`brainlab.forgetting` (no streamlit there); this module caches its
results with ``st.cache_data`` keyed by the settings, draws the controls, the predict-then-
reveal box and the figures of :mod:`brainlab.forgetting_charts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from brainlab import forgetting as fg
from brainlab import forgetting_charts as fc
from brainlab.content import load_toml, render
from brainlab.ui.context import vocab

#: Seeds per comparison: the lines are their mean, the bands their range.
N_SEEDS = 3
#: Where along fine-tuning the decision-region map can be shown (fraction of the steps).
MOMENTS = (0.0, 0.25, 0.5, 0.75, 1.0)
#: Learning rates offered (a log-spaced ladder inside the core's safe range).
LEARNING_RATES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
#: EWC strengths offered.
PENALTIES = (0, 10, 30, 100, 300, 500, 1000, 3000, 10_000)

_PREFIX = "forgetting_"
_REVEALED = _PREFIX + "revealed"


def words() -> dict[str, Any]:
    """The lab's control and chart words (content/forgetting_lab.toml)."""
    return load_toml("forgetting_lab.toml")


def say(text: str) -> str:
    """``text`` with its {{terms}} in the reader's vocabulary."""
    return render(text, vocab())


def strategy_label(strategy: str) -> str:
    return say(words()["strategies"][strategy]["label"])


def default_settings() -> dict[str, Any]:
    """The settings that draw the lesson's standard picture (the core's defaults)."""
    d = fg.DEFAULTS
    return {
        "steps": int(d["steps"]),
        "learning_rate": float(d["learning_rate"]),
        "replay_fraction": float(d["replay_fraction"]),
        "penalty": float(d["penalty"]),
        "rank": int(d["rank"]),
        "seed": 0,
    }


@dataclass(frozen=True)
class Comparison:
    """What the page draws, computed once per settings: small and picklable."""

    curves: pd.DataFrame  # strategy, seed, step, phase, general_accuracy, specialist_accuracy
    summary: pd.DataFrame  # fg.summary of the runs
    pretrain_steps: int
    moments: tuple[int, ...]  # snapshot steps, one per MOMENTS
    axis: np.ndarray
    grids: dict[tuple[str, int], np.ndarray]  # (strategy, step) -> answers, first seed
    points: dict[str, tuple[np.ndarray, np.ndarray]]  # test points shown on the map
    libraries: dict[int, tuple[np.ndarray, np.ndarray]]  # rag library at each moment
    marks: dict[tuple[str, int], tuple[float, float]]  # accuracies at each moment, first seed


@st.cache_data(show_spinner=False, max_entries=64)
def comparison(
    *,
    steps: int,
    learning_rate: float,
    replay_fraction: float,
    penalty: float,
    rank: int,
    seed: int,
) -> Comparison:
    """Train every strategy over :data:`N_SEEDS` seeds; cached by the settings."""
    pre = int(fg.DEFAULTS["pretrain_steps"])
    steps = int(fg.clamp("steps", steps))
    moments = tuple(pre + round(m * steps) for m in MOMENTS)
    seeds = tuple(int(seed) + k for k in range(N_SEEDS))
    runs = fg.compare(
        fg.STRATEGIES,
        seeds=seeds,
        steps=steps,
        learning_rate=learning_rate,
        replay_fraction=replay_fraction,
        penalty=penalty,
        rank=rank,
        snapshot_steps=moments,
    )
    curves = pd.concat(
        [run.curve.assign(strategy=s, seed=k) for (s, k), run in runs.items()],
        ignore_index=True,
    )
    grids, marks = {}, {}
    axis = np.zeros(0)
    for strategy in fg.STRATEGIES:
        run = runs[(strategy, seeds[0])]
        for step in moments:
            params = run.snapshots[step]
            axis, grids[(strategy, step)] = fg.decision_grid(params, resolution=70)
            general = fg.accuracy(params, run.general.x_test, run.general.y_test)
            special = fg.accuracy(params, run.specialist.x_test, run.specialist.y_test)
            if strategy == "rag" and step > pre:
                lib_x, lib_y = run.libraries[step]
                answers = fg.knn_predict(lib_x, lib_y, run.specialist.x_test)
                special = float(np.mean(answers == run.specialist.y_test))
            marks[(strategy, step)] = (general, special)
    first = runs[("rag", seeds[0])]
    # A sample of the test questions keeps the map readable.
    points = {
        "general": (first.general.x_test[:160], first.general.y_test[:160]),
        "specialist": (first.specialist.x_test[:120], first.specialist.y_test[:120]),
    }
    return Comparison(
        curves=curves,
        summary=fg.summary(runs),
        pretrain_steps=pre,
        moments=moments,
        axis=axis,
        grids=grids,
        points=points,
        libraries=first.libraries,
        marks=marks,
    )


# --------------------------------------------------------------------------- controls


def _reset() -> None:
    for key, value in _widget_defaults().items():
        st.session_state[key] = value


def _widget_defaults() -> dict[str, Any]:
    d = default_settings()
    return {
        _PREFIX + "steps": d["steps"],
        _PREFIX + "learning_rate": d["learning_rate"],
        _PREFIX + "replay_fraction": d["replay_fraction"],
        _PREFIX + "penalty": int(d["penalty"]),
        _PREFIX + "rank": d["rank"],
        _PREFIX + "seed": d["seed"],
    }


def controls() -> dict[str, Any]:
    """The training sliders; returns the settings for :func:`comparison`."""
    w = words()["controls"]
    defaults = _widget_defaults()
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    left, right = st.columns(2, gap="medium")
    with left:
        steps = st.slider(
            say(w["steps_label"]),
            20,
            1000,
            step=10,
            key=_PREFIX + "steps",
            help=say(w["steps_help"]),
            bind="query-params",
        )
        lr = st.select_slider(
            say(w["lr_label"]),
            options=LEARNING_RATES,
            key=_PREFIX + "learning_rate",
            help=say(w["lr_help"]),
            bind="query-params",
        )
        seed = st.slider(
            say(w["seed_label"]),
            0,
            99,
            key=_PREFIX + "seed",
            help=say(w["seed_help"]),
            bind="query-params",
        )
    with right:
        replay = st.slider(
            say(w["replay_label"]),
            0.0,
            0.9,
            step=0.05,
            key=_PREFIX + "replay_fraction",
            help=say(w["replay_help"]),
            bind="query-params",
        )
        penalty = st.select_slider(
            say(w["penalty_label"]),
            options=PENALTIES,
            key=_PREFIX + "penalty",
            help=say(w["penalty_help"]),
            bind="query-params",
        )
        rank = st.slider(
            say(w["rank_label"]),
            1,
            8,
            key=_PREFIX + "rank",
            help=say(w["rank_help"]),
            bind="query-params",
        )
    st.button(
        say(w["reset"]),
        key=_PREFIX + "reset",
        on_click=_reset,
        help=say(w["reset_help"]),
        icon=":material/restart_alt:",
    )
    return {
        "steps": int(steps),
        "learning_rate": float(lr),
        "replay_fraction": float(replay),
        "penalty": float(penalty),
        "rank": int(rank),
        "seed": int(seed),
    }


def run(settings: dict[str, Any]) -> Comparison:
    """The comparison for ``settings``, with a spinner while the network trains."""
    with st.spinner(words()["controls"]["spinner"]):
        return comparison(**settings)


# --------------------------------------------------------------------------- predict, reveal


def guess() -> tuple[int, bool]:
    """The learner's guess and whether the result is revealed."""
    w = words()["predict"]
    value = st.slider(
        say(w["label"]),
        0,
        100,
        value=50,
        step=5,
        key=_PREFIX + "guess",
        help=say(w["help"]),
        format="%d %%",
    )
    revealed = bool(st.session_state.get(_REVEALED, False))
    if not revealed and st.button(
        say(w["button"]),
        key=_PREFIX + "reveal",
        type="primary",
        help=say(w["button_help"]),
        icon=":material/model_training:",
    ):
        st.session_state[_REVEALED] = True
        revealed = True
    return int(value), revealed


def reveal(result: Comparison, guess_percent: int) -> None:
    """Show the real result of plain fine-tuning beside the guess."""
    w = words()["predict"]
    row = result.summary.set_index("strategy").loc["naive"]
    kept = float(row["general_kept"])
    cols = st.columns(3)
    cols[0].metric(say(w["guess_metric"]), f"{guess_percent} %", border=True)
    cols[1].metric(
        say(w["result_metric"]),
        f"{kept:.0%}",
        delta=f"{round(kept * 100) - guess_percent:+d} points vs your guess",
        delta_color="off",
        help=say(w["result_help"]),
        border=True,
    )
    cols[2].metric(
        say(w["specialist_metric"]),
        f"{float(row['specialist_after']):.0%}",
        delta=f"from {float(row['specialist_before']):.0%}",
        delta_color="off",
        border=True,
    )
    diff = round(kept * 100) - guess_percent
    if abs(diff) <= 10:
        st.success(say(w["close"]), icon=":material/check_circle:")
    else:
        direction = w["above"] if diff > 0 else w["below"]
        st.info(say(w["far"]).format(diff=abs(diff), direction=direction))
    if st.button(say(w["again"]), key=_PREFIX + "again", help=say(w["again_help"])):
        st.session_state[_REVEALED] = False
        st.rerun()


def hidden_note() -> None:
    st.info(say(words()["predict"]["hidden"]), icon=":material/visibility_off:")


# --------------------------------------------------------------------------- pictures


def chosen_strategies() -> list[str]:
    w = words()["controls"]
    picked = st.pills(
        say(w["strategies_label"]),
        options=list(fg.STRATEGIES),
        selection_mode="multi",
        default=list(fg.STRATEGIES),
        format_func=strategy_label,
        key=_PREFIX + "strategies",
        help=say(w["strategies_help"]),
    )
    return [s for s in fg.STRATEGIES if s in (picked or [])]


def curve_chart(result: Comparison, strategies: list[str]) -> None:
    w = words()["curve"]
    table = result.summary.set_index("strategy")
    if {"naive", "rag"} <= set(strategies):
        # Terms first, numbers second: format() would eat the {{term}} braces.
        title = say(w["title"]).format(
            naive=table.loc["naive", "general_kept"], rag=table.loc["rag", "general_kept"]
        )
    else:
        title = say(w["title_plain"])
    labels = {s: strategy_label(s) for s in strategies}
    fig = fc.forgetting_curve_figure(
        curves=result.curves,
        labels=labels,
        pretrain_steps=result.pretrain_steps,
        title=title,
        general_axis=say(w["general_axis"]),
        specialist_axis=say(w["specialist_axis"]),
        x_axis=say(w["x_axis"]),
        pretrain_label=say(w["pretrain"]),
        finetune_label=say(w["finetune"]),
    )
    summary = "; ".join(
        f"{labels[s]} ends at {table.loc[s, 'general_after']:.0%} general and "
        f"{table.loc[s, 'specialist_after']:.0%} specialist"
        for s in strategies
    )
    st.plotly_chart(
        fig, key=_PREFIX + "curve", alt=say(w["alt"]).format(summary=summary or "none chosen")
    )
    shown = result.summary[result.summary["strategy"].isin(strategies)]
    st.dataframe(
        pd.DataFrame(
            {
                say(w["col_strategy"]): [labels[s] for s in shown["strategy"]],
                say(w["col_general_before"]): shown["general_before"].to_numpy() * 100,
                say(w["col_general_after"]): shown["general_after"].to_numpy() * 100,
                say(w["col_specialist_after"]): shown["specialist_after"].to_numpy() * 100,
            }
        ),
        hide_index=True,
        column_config={
            say(w[c]): st.column_config.NumberColumn(format="%.0f %%")
            for c in ("col_general_before", "col_general_after", "col_specialist_after")
        },
        key=_PREFIX + "table",
    )
    st.caption(say(w["table_caption"]))


def regions(result: Comparison) -> None:
    w = words()["regions"]
    left, right = st.columns([1, 1.4], gap="medium")
    with left:
        strategy = st.selectbox(
            say(w["strategy_label"]),
            options=list(fg.STRATEGIES),
            format_func=strategy_label,
            key=_PREFIX + "map_strategy",
            help=say(w["strategy_help"]),
        )
    with right:
        names = list(w["moments"])
        moment = st.select_slider(
            say(w["moment_label"]),
            options=names,
            value=names[-1],
            key=_PREFIX + "map_moment",
            help=say(w["moment_help"]),
        )
    step = result.moments[names.index(moment)]
    general, special = result.marks[(strategy, step)]
    library = result.libraries.get(step) if strategy == "rag" else None
    label = strategy_label(strategy)
    fig = fc.regions_figure(
        axis=result.axis,
        answers=result.grids[(strategy, step)],
        general_points=result.points["general"],
        specialist_points=result.points["specialist"],
        library_points=library,
        answer_names=w["answers"],
        general_name=say(w["general_points"]),
        specialist_name=say(w["specialist_points"]),
        library_name=say(w["library_points"]),
        title=say(w["title"]).format(
            strategy=label, moment=moment, general=general, specialist=special
        ),
        x_title=say(w["x_axis"]),
        y_title=say(w["y_axis"]),
    )
    st.plotly_chart(
        fig, key=_PREFIX + "map", alt=say(w["alt"]).format(strategy=label, moment=moment)
    )


def rag_metrics(result: Comparison) -> None:
    w = words()["rag"]
    table = result.summary.set_index("strategy")
    rag, naive = table.loc["rag"], table.loc["naive"]
    cols = st.columns(2)
    cols[0].metric(
        say(w["general_metric"]),
        f"{rag['general_after']:.0%}",
        delta=say(w["naive_delta"]).format(
            delta=100 * (rag["general_after"] - naive["general_after"])
        ),
        border=True,
    )
    cols[1].metric(
        say(w["specialist_metric"]),
        f"{rag['specialist_after']:.0%}",
        delta=say(w["naive_delta"]).format(
            delta=100 * (rag["specialist_after"] - naive["specialist_after"])
        ),
        delta_color="off",
        border=True,
    )


def references() -> None:
    """Published reference points, each with its source (content/forgetting_references.toml)."""
    data = load_toml("forgetting_references.toml")
    for ref in data["reference"]:
        with st.container(border=True):
            st.markdown(f"**{say(ref['title'])}**")
            st.markdown(say(ref["finding"]))
            st.markdown(f":material/school: {say(ref['lesson'])}")
            st.caption(f"Source: {ref['source']} ({ref['date']})")
    w = words()["world"]
    with st.expander(say(w["expander_biderman"]), icon=":material/show_chart:"):
        b = data["biderman"]
        fig = fc.published_forgetting_figure(
            epochs=b["epochs"],
            series=b["series"],
            title=say(w["biderman_title"]),
            x_title=say(w["biderman_x"]),
            y_title=say(w["biderman_y"]),
        )
        st.plotly_chart(fig, key=_PREFIX + "biderman", alt=say(w["biderman_alt"]))
        st.caption(f"Source: {b['source']}")


def human_panel() -> None:
    """Ebbinghaus's savings data beside the exponential R = e^(−t/S), fitted here."""
    w = words()["human"]
    e = load_toml("forgetting_references.toml")["ebbinghaus"]
    savings = np.asarray(e["savings_percent"], dtype=float)
    strength = fg.fit_exponential_strength(np.asarray(e["hours"]), savings / 100)
    fig = fc.ebbinghaus_figure(
        hours=e["hours"],
        savings=savings,
        labels=e["labels"],
        strength_hours=strength,
        title=say(w["title"]),
        x_title=say(w["x_axis"]),
        y_title=say(w["y_axis"]),
        data_name=say(w["data_name"]),
        model_name=say(w["model_name"]).format(s=strength),
    )
    st.plotly_chart(fig, key=_PREFIX + "ebbinghaus", alt=say(w["alt"]))
    st.caption(say(w["caption"]))
