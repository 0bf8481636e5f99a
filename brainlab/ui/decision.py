"""Widgets and layout of the "Which path?" page: the stage, the scenarios, the questions.

The words and the figure come from :mod:`brainlab.which_path_view` (pure, unit-tested);
this module only draws them. The stage (step card, scenarios and questions on the left,
the recommendation and the live score bars on the right, the working below) is one
fragment: a scenario click or an answer reruns it alone, not the whole page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from brainlab import costs, decision
from brainlab import which_path_view as view
from brainlab.content import ContentError, Lesson, load_site
from brainlab.decision import PATHS, Preset, Recommendation, Weights
from brainlab.ui.context import words
from brainlab.ui.stage import stepper
from brainlab.ui.widgets import chart, page_header
from brainlab.words import Words

#: The page's widget keys: ``which_path_<question>``.
KEY_PREFIX = "which_path_"
#: The scenario buttons' key.
PRESET_KEY = "which_path_preset"
#: The tabs below the stage (their state, and URL parameter, holds the open tab's label).
TABS_KEY = "which_path_tabs"

#: The horizon of the cost estimate shown below the recommendation, in months.
COST_MONTHS = 12


def _key(question: str) -> str:
    return KEY_PREFIX + question


# --------------------------------------------------------------------------- the controls


def _fill(presets: tuple[Preset, ...]) -> None:
    """``on_change`` of the scenario buttons: put the chosen scenario's answers in place."""
    chosen = st.session_state.get(PRESET_KEY)
    preset = next((p for p in presets if p.id == chosen), None)
    if preset is None:  # the selected scenario clicked again: keep the answers
        return
    for question, value in preset.answers.items():
        st.session_state[_key(question)] = value


def _current_answers(weights: Weights, start: Preset) -> dict[str, Any]:
    """The answers the questions will show this run (before they are drawn)."""
    return {f.key: st.session_state.get(_key(f.key), start.answers[f.key]) for f in weights.factors}


def preset_buttons(presets: tuple[Preset, ...], weights: Weights, start: Preset, w: Words) -> None:
    """The lesson's scenarios in one drop-down box; choosing one fills in all six answers.

    It shows the scenario the answers are, and "your own answers" once one differs. A box,
    not six buttons: a box never cuts a scenario's name off, and it fits beside the result.
    """
    st.session_state[PRESET_KEY] = view.selected_preset(_current_answers(weights, start), presets)
    labels = {p.id: view.preset_label(p) for p in presets}
    st.selectbox(
        view.say(w, "presets_label"),
        options=list(labels),
        format_func=labels.__getitem__,
        index=None,
        placeholder=view.say(w, "presets_own"),
        key=PRESET_KEY,
        on_change=_fill,
        args=(presets,),
        help=view.say(w, "presets_help"),
    )


def questionnaire(weights: Weights, start: Preset, w: Words) -> dict[str, Any]:
    """The six questions, two to a row, bound to the URL; returns the answers.

    Drop-down boxes, not rows of buttons: six rows of buttons do not fit beside the step
    card and the result on a 1280x720 screen. Each starts from ``start``'s answer, so
    nothing is blank; a value the URL cannot supply falls back to it.
    """
    answers: dict[str, Any] = {}
    factors = weights.factors
    # Row by row: on a phone (where columns stack) the questions keep their order.
    for first in range(0, len(factors), 2):
        for col, factor in zip(st.columns(2), factors[first : first + 2], strict=True):
            labels = {o.value: w(o.label) for o in factor.options}
            key = _key(factor.key)
            values = list(factor.values)
            answers[factor.key] = col.selectbox(
                view.question_label(factor, w),
                options=values,
                format_func=labels.__getitem__,
                # Only seed a start before the widget has state: a scenario click or the
                # URL sets the value through session state, and the two must not compete.
                index=values.index(start.answers[factor.key]) if key not in st.session_state else 0,
                key=key,
                bind="query-params",
                help=view.question_help(factor, w),
            )
    return answers


def recommend(answers: dict[str, Any], weights: Weights, w: Words) -> Recommendation | None:
    """The recommendation, or ``None`` after a clear message naming the unreadable answer."""
    try:
        return decision.recommend(answers, weights)
    except decision.AnswerError as exc:
        question = next((f.label for f in weights.factors if f.key == exc.key), exc.key)
        st.warning(view.say(w, "bad_answer", error=f"“{w(question)}”"), icon=":material/help:")
        return None


# --------------------------------------------------------------------------- the result


def recommendation_box(rec: Recommendation, weights: Weights, note: view.ScenarioNote) -> None:
    """The recommended path, what it means, how clear its lead is, and the scenario."""
    w = words()
    head = view.headline(rec, weights, w)
    with st.container(border=True, key="which_path_recommendation", gap="xsmall"):
        st.subheader(head.label, anchor=False)
        # One caption of at most two lines, so that the bars below never move off screen.
        icon = ":material/balance: " if head.close_call else ""
        st.caption(f"{icon}{head.lead} {note.text}")


def score_chart(rec: Recommendation, weights: Weights) -> None:
    """The live score bars, one per path."""
    w = words()
    with st.container(key="which_path_chart"):
        chart(
            view.score_figure(rec, weights, w),
            key="which_path_scores",
            alt=view.score_alt(rec, weights, w),
            config={"displayModeBar": False},
        )


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
    """The Cost lab's estimate over 12 months for the scenario nearest the answers."""
    w = words()
    try:
        totals = _twelve_month_costs(preset.cost_preset, _content_stamp())
        titles = {name: p.title for name, p in costs.load_presets().items()}
    except (ContentError, KeyError, ValueError, OSError) as exc:
        st.info(view.say(w, "cost_unavailable", error=exc), icon=":material/payments:")
        return
    lines = view.cost_lines(rec, weights, preset, totals, titles, w)
    st.metric(lines.heading, lines.value)
    st.caption(lines.path)
    st.caption(lines.others)
    st.caption(lines.basis)
    spec = next(s for s in load_site() if s.slug == "cost_lab")
    st.page_link(spec.script, label=view.say(w, "cost_link"), icon=spec.icon)


def _points_table(table, weights: Weights, w: Words) -> None:
    columns = view.table_columns(weights, w)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            columns["question"]: st.column_config.TextColumn(width=130),
            columns["answer"]: st.column_config.TextColumn(width=220),
            **{
                columns[p]: st.column_config.NumberColumn(
                    format="%+.1f",
                    help=view.say(w, "table_points_help", path=view.path_label(weights, p, w)),
                )
                for p in PATHS
            },
        },
    )


def why_table(rec: Recommendation, weights: Weights) -> None:
    """Each answer's points for each path, and the scores they add up to."""
    w = words()
    _points_table(view.why_table(rec, weights, w), weights, w)


def reasons(rec: Recommendation) -> None:
    """One plain sentence per answer that moved a score (or whose points were not counted,
    marked so), each with a link to its lab."""
    w = words()
    if not rec.details:
        st.info(view.say(w, "reasons_none"), icon=":material/edit_note:")
        return
    scripts = {s.slug: s for s in load_site()}
    for detail in rec.details:
        with st.container(border=True):
            # A skipped answer's sentence itself says it was not counted, and why.
            st.markdown(w(detail.text))
            if detail.link and detail.link.page in scripts:
                spec = scripts[detail.link.page]
                st.page_link(spec.script, label=w(detail.link.label), icon=spec.icon)


def weights_table(weights: Weights) -> None:
    """Every weight the recommendation uses."""
    w = words()
    st.caption(view.say(w, "weights_caption"))
    _points_table(view.points_table(weights.table(), weights, w, total=False), weights, w)


# --------------------------------------------------------------------------- the stage


def _section_intro(page: Lesson, section_id: str, w: Words) -> None:
    body = page.section(section_id).body
    if body:
        st.caption(w(body))


def _tab(page: Lesson, section_id: str, w: Words, draw: Callable[[], None]) -> None:
    _section_intro(page, section_id, w)
    draw()


@st.fragment
def stage(page: Lesson, weights: Weights, presets: tuple[Preset, ...]) -> None:
    """The stage, rerun alone on every click: controls left, result right, working below.

    Left: the page title, the step card and the scenarios. Right: the six questions, and
    right under them the recommendation and the live score bars. All of it fits one
    1280x720 screen; the working (why, reasons, cost, weights) is in tabs below.
    """
    w = words()
    start = decision.default_preset(presets)
    left, right = st.columns([5, 6], gap="medium")
    with left, st.container(gap="xsmall"):
        # The title sits in the left column so the stage starts at the top of the screen.
        page_header(page)
        stepper(page)
        preset_buttons(presets, weights, start, w)
    with right, st.container(gap="xsmall"):
        answers = questionnaire(weights, start, w)
        rec = recommend(answers, weights, w)
        if rec is None:
            return
        note = view.scenario_note(answers, presets, w)
        recommendation_box(rec, weights, note)
        score_chart(rec, weights)

    sections = ("why", "reasons", "recommendation", "weights")
    # Bound to the URL: a shared link opens the same tab (all four are cheap: all drawn).
    why, why_words, cost, weights_tab = st.tabs(
        [view.say(w, f"tab_{n}") for n in sections], key=TABS_KEY, bind="query-params"
    )
    with why:
        _tab(page, "why", w, lambda: why_table(rec, weights))
    with why_words:
        _tab(page, "reasons", w, lambda: reasons(rec))
    with cost:
        st.markdown(w(weights.path_summaries[rec.path]))
        cost_estimate(rec, weights, note.preset)
    with weights_tab:
        weights_table(weights)
