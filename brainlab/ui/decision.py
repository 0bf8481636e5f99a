"""Widgets of the "Which path?" page: the questionnaire, presets, the scores and the reasons.

The page gathers six answers here, hands them to :func:`brainlab.decision.recommend`, and
draws the result with the functions below. Every word comes from content/ and goes through
the reader's vocabulary.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from brainlab import charts, costs, decision
from brainlab.content import ContentError, load_site, load_toml, render
from brainlab.decision import PATHS, Preset, Recommendation, Weights
from brainlab.ui.context import vocab

#: The page's widget keys: ``which_path_<question>``.
KEY_PREFIX = "which_path_"

#: The Cost lab names the prompting-only strategy differently.
_COST_STRATEGY = {
    "prompting": "prompt_only",
    "rag": "rag",
    "fine_tune": "fine_tune",
    "hybrid": "hybrid",
}

#: The horizon of the cost estimate shown beside the recommendation, in months.
COST_MONTHS = 12


def words() -> dict[str, str]:
    """The page's words from content/which_path.toml."""
    return load_toml("which_path.toml")["words"]


def _say(text: str, **values: Any) -> str:
    """A content string in the reader's vocabulary, with ``{name}`` values put in.

    Terms are rendered first, so ``{{term}}`` is never mistaken for a format field.
    """
    rendered = render(text, vocab())
    return rendered.format(**values) if values else rendered


def path_label(weights: Weights, path: str) -> str:
    """A path's name in the reader's vocabulary."""
    return render(weights.path_labels[path], vocab())


def _key(question: str) -> str:
    return KEY_PREFIX + question


# --------------------------------------------------------------------------- the controls


def _fill(preset: Preset) -> None:
    """``on_click`` of a preset button: put the scenario's answers into the questions."""
    for question, value in preset.answers.items():
        st.session_state[_key(question)] = value


def preset_buttons(presets: tuple[Preset, ...]) -> None:
    """One button per lesson scenario; a click fills in all six answers."""
    w = words()
    per_row = 3
    # Row by row, so that on a phone (where columns stack) the order stays the lesson's.
    for start in range(0, len(presets), per_row):
        cols = st.columns(per_row)
        for col, preset in zip(cols, presets[start : start + per_row], strict=False):
            with col:
                st.button(
                    preset.label,
                    key=f"which_path_preset_{preset.id}",
                    icon=preset.icon or None,
                    on_click=_fill,
                    args=(preset,),
                    help=_say(w["preset_help"], description=preset.description),
                    width="stretch",
                )


def questionnaire(weights: Weights, start: Preset) -> dict[str, Any]:
    """The six questions as segmented controls, bound to the URL; returns the answers.

    Each starts from ``start``'s answer, so nothing is blank. A question the reader
    cleared, or a value the URL could not supply, comes back as ``None``.
    """
    answers: dict[str, Any] = {}
    for factor in weights.factors:
        labels = {o.value: o.label for o in factor.options}
        key = _key(factor.key)
        answers[factor.key] = st.segmented_control(
            render(factor.label, vocab()),
            options=list(factor.values),
            format_func=lambda v, labels=labels: labels[v],
            # Only seed a default before the widget has state: a preset click or the URL
            # sets the value through session state, and the two must not compete.
            default=start.answers[factor.key] if key not in st.session_state else None,
            required=True,
            key=key,
            bind="query-params",
            wrap=True,  # options wrap on a phone instead of being cut off
            help=render(factor.help, vocab()),
        )
    return answers


def recommend(answers: dict[str, Any], weights: Weights) -> Recommendation | None:
    """The recommendation, or ``None`` after a clear message naming the unreadable answer."""
    try:
        return decision.recommend(answers, weights)
    except decision.AnswerError as exc:
        question = next((f.label for f in weights.factors if f.key == exc.key), exc.key)
        st.warning(_say(words()["bad_answer"], error=f"“{question}”"), icon=":material/help:")
        return None


def scenario_note(answers: dict[str, Any], presets: tuple[Preset, ...]) -> Preset:
    """Say which scenario the answers are (or are nearest to); return that preset."""
    preset, differences = decision.matching_preset(answers, presets)
    w = words()
    if differences == 0:
        st.caption(_say(w["matches"], label=preset.label))
    else:
        st.caption(_say(w["nearest"], label=preset.label, n=differences))
    return preset


# --------------------------------------------------------------------------- the result


def recommendation_box(rec: Recommendation, weights: Weights, preset: Preset) -> None:
    """The recommended path and what it means, with the 12-month cost estimate beside it."""
    w = words()
    with st.container(border=True):
        left, right = st.columns([3, 2], gap="medium")
        with left:
            st.caption(w["recommended"])
            st.subheader(path_label(weights, rec.path), anchor=False)
            st.markdown(_say(weights.path_summaries[rec.path]))
            runner = path_label(weights, rec.runner_up)
            if rec.close_call:
                st.warning(
                    _say(w["close_call"], runner_up=runner, margin=rec.margin),
                    icon=":material/balance:",
                )
            else:
                st.caption(_say(w["clear_lead"], runner_up=runner, margin=rec.margin))
        with right:
            cost_estimate(rec, weights, preset)


@st.cache_data(show_spinner=False, max_entries=64)
def _twelve_month_costs(cost_preset: str, _content_stamp: float) -> dict[str, float]:
    """The Cost lab's 12-month totals for one of its presets ("" for its defaults)."""
    assumptions = costs.default_assumptions()
    if cost_preset:
        assumptions = costs.apply_preset(assumptions, cost_preset)
    return costs.total_costs(assumptions, months=COST_MONTHS)


def _content_stamp() -> float:
    # The cost content files' modification times: an edit there refreshes the cache.
    from brainlab.content import CONTENT_DIR

    files = (costs.ASSUMPTIONS_FILE, costs.PRESETS_FILE)
    return sum((CONTENT_DIR / name).stat().st_mtime for name in files)


def cost_estimate(rec: Recommendation, weights: Weights, preset: Preset) -> None:
    """The Cost lab's estimate over 12 months for the preset matching the scenario."""
    w = words()
    try:
        totals = _twelve_month_costs(preset.cost_preset, _content_stamp())
        titles = {name: p.title for name, p in costs.load_presets().items()}
    except (ContentError, KeyError, ValueError, OSError) as exc:
        st.info(_say(w["cost_unavailable"], error=exc), icon=":material/payments:")
        return
    st.metric(w["cost_heading"], f"${totals[_COST_STRATEGY[rec.path]]:,.0f}")
    st.caption(_say(w["cost_path"], path=path_label(weights, rec.path)))
    others = " · ".join(
        f"{path_label(weights, p)} ${totals[_COST_STRATEGY[p]]:,.0f}"
        for p in PATHS
        if p != rec.path
    )
    st.caption(f"{w['cost_others']} {others}")
    if preset.cost_preset:
        st.caption(
            _say(w["cost_preset"], preset=titles.get(preset.cost_preset, preset.cost_preset))
        )
    else:
        st.caption(_say(w["cost_default"]))
    spec = next(s for s in load_site() if s.slug == "cost_lab")
    st.page_link(spec.script, label=w["cost_link"], icon=spec.icon)


def score_chart(rec: Recommendation, weights: Weights) -> None:
    """A bar per path, in the palette, the recommended one marked in words."""
    w = words()
    labels = {p: path_label(weights, p) for p in PATHS}
    short = {p: render(weights.path_short[p], vocab()) for p in PATHS}
    name = labels[rec.path]
    fig = charts.path_scores(
        scores={p: rec.scores[p] for p in PATHS},
        labels=short,
        recommended=rec.path,
        title=_say(w["chart_title"], path=short[rec.path], score=rec.scores[rec.path]),
        x_title=w["chart_x"],
        marker_text=w["chart_marker"],
    )
    scores = ", ".join(f"{labels[p]} {rec.scores[p]:+g}" for p in PATHS)
    st.plotly_chart(
        fig,
        key="which_path_scores",
        alt=_say(w["chart_alt"], scores=scores, path=name),
        config={"displayModeBar": False},
    )


def _points_table(frame: pd.DataFrame, weights: Weights, total: dict[str, float] | None) -> None:
    w = words()
    labels = {p: render(weights.path_short[p], vocab()) for p in PATHS}
    table = frame[["question", "answer", *PATHS]].copy()
    if total is not None:
        table.loc["__total__"] = {"question": w["table_total"], "answer": "", **total}
    table = table.rename(
        columns={"question": w["table_question"], "answer": w["table_answer"], **labels}
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            w["table_question"]: st.column_config.TextColumn(width=110),
            w["table_answer"]: st.column_config.TextColumn(width=110),
            **{
                labels[p]: st.column_config.NumberColumn(
                    format="%+.1f", help=_say(w["table_points_help"], path=path_label(weights, p))
                )
                for p in PATHS
            },
        },
    )


def why_table(rec: Recommendation, weights: Weights) -> None:
    """Each answer's points for each path, and the scores they add up to."""
    _points_table(rec.contributions, weights, rec.scores)


def reasons(rec: Recommendation) -> None:
    """One plain sentence per answer that moved a score, each with a link to its lab."""
    if not rec.details:
        st.info(_say(words()["reasons_none"]), icon=":material/edit_note:")
        return
    scripts = {s.slug: s for s in load_site()}
    for detail in rec.details:
        with st.container(border=True):
            st.markdown(_say(detail.text))
            if detail.link and detail.link.page in scripts:
                spec = scripts[detail.link.page]
                st.page_link(spec.script, label=_say(detail.link.label), icon=spec.icon)


def weights_table(weights: Weights) -> None:
    """Every weight the recommendation uses, in an expander."""
    w = words()
    with st.expander(w["weights_title"], icon=":material/tune:"):
        st.caption(w["weights_caption"])
        _points_table(weights.table(), weights, None)
