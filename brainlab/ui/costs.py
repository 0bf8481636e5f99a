"""The cost lab's interactive panel: scenario, sliders, assumptions table, verdict, charts.

The whole panel is one ``st.fragment``: editing a cell or moving a slider reruns only this
panel, not the page around it.

State lives in ``st.session_state`` under ``cost_*`` keys. One dict holds the current
assumption values (the single truth); the sliders and the table are two views of it:

- a moved slider writes its value into the dict and starts a fresh table (new widget key),
  so the table's pending edits can never overwrite the slider;
- a table edit arrives as ``edited_rows`` of the current table and is written into the dict
  before the sliders are drawn, so the sliders show it in the same run.

``st.data_editor`` enforces its limits only in the browser, so every value is checked on the
server with :func:`brainlab.costs.validate` and the charts are drawn only from valid input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from brainlab import cost_charts, costs
from brainlab.content import Lesson, load_toml, render
from brainlab.ui.context import vocab
from brainlab.ui.widgets import section

WORDS_FILE = "cost_words.toml"

VALUES = "cost_values"  # dict key -> value (the single truth)
SOURCES = "cost_sources"  # dict key -> source text (presets and imports change it)
VERSION = "cost_editor_version"  # bumped when the table must be rebuilt from VALUES
PRESET = "cost_preset"
PRESET_SEEN = "cost_preset_seen"
SLIDER_SEEN = "cost_slider_seen"
UPLOAD_SEEN = "cost_upload_seen"
IMPORT_NOTE = "cost_import_note"
COMPARE_A, COMPARE_B = "cost_compare", "cost_against"
DEFAULTS = "defaults"

#: Quick sliders: widget key -> (assumption key, label word, help word, steps).
_QUICK_STEPS: dict[str, tuple[str, str, str, tuple[float, ...]]] = {
    "cost_queries": (
        "queries_per_month",
        "queries_label",
        "queries_help",
        (0, 100, 300, 1_000, 3_000, 10_000, 20_000, 30_000, 50_000, 100_000, 200_000, 300_000,
         500_000, 1_000_000, 3_000_000, 10_000_000, 30_000_000, 100_000_000),
    ),
    "cost_top_k": (
        "top_k",
        "top_k_label",
        "top_k_help",
        (0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 50, 100),
    ),
    "cost_chunk": (
        "chunk_tokens",
        "chunk_label",
        "chunk_help",
        (50, 100, 200, 300, 400, 500, 800, 1_000, 1_500, 2_000, 4_000, 8_000),
    ),
    "cost_retrains": (
        "retrains_per_year",
        "retrains_label",
        "retrains_help",
        (0, 1, 2, 4, 6, 12, 24, 52, 104, 365),
    ),
    "cost_training": (
        "training_tokens",
        "training_label",
        "training_help",
        (10_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000, 30_000_000,
         100_000_000, 1_000_000_000, 10_000_000_000),
    ),
}  # fmt: skip


def words() -> dict[str, Any]:
    """The cost lab's words from content/ (read at render time)."""
    return load_toml(WORDS_FILE)


def _r(text: str, **values: Any) -> str:
    """Render ``{{terms}}``, fill ``{placeholders}``, and start the sentence upper case."""
    out = render(text, vocab())
    out = out.format(**values) if values else out
    for i, ch in enumerate(out):
        if ch.isalpha():
            return out[:i] + ch.upper() + out[i + 1 :]
    return out


def strategy_names() -> dict[str, str]:
    """Each strategy's name in the reader's vocabulary, as used inside a sentence."""
    return {k: render(v, vocab()) for k, v in words()["strategies"].items()}


def legend_names() -> dict[str, str]:
    """Each strategy's name starting upper case, for chart legends and axes."""
    return {k: v[:1].upper() + v[1:] for k, v in strategy_names().items()}


def _number(value: Any) -> float | None:
    """A value as a finite float, or None (for the sliders and the table's display)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _money(x: float) -> str:
    return f"${x:,.0f}" if abs(x) >= 100 else f"${x:,.2f}"


def _count(x: float) -> str:
    return f"{x:,.0f}"


def _about(x: float) -> str:
    """A computed volume to two significant figures: 8,472,659 reads as 8,500,000."""
    if x <= 0:
        return "0"
    digits = max(0, math.floor(math.log10(x)) - 1)
    return f"{round(x, -digits):,.0f}"


# --------------------------------------------------------------------------- state


def _load_scenario(name: str) -> None:
    """Put the defaults, then preset ``name``'s values, into the state; rebuild the table."""
    table = costs.default_assumptions()
    if name != DEFAULTS and name in costs.load_presets():
        table = costs.apply_preset(table, name)
    _set_table(table)


def _set_table(table: pd.DataFrame) -> None:
    st.session_state[VALUES] = dict(zip(table["key"], table["value"], strict=True))
    st.session_state[SOURCES] = dict(zip(table["key"], table["source"], strict=True))
    st.session_state[VERSION] = st.session_state.get(VERSION, -1) + 1


def _reset() -> None:
    """The reset button: defaults everywhere, the scenario picker back to "defaults"."""
    st.session_state[PRESET] = DEFAULTS
    st.session_state[PRESET_SEEN] = None  # forces the reload below even if it was defaults


def editor_key() -> str:
    """The key of the assumptions table in this run (it changes when the table is rebuilt)."""
    return f"cost_table_{st.session_state.get(VERSION, 0)}"


def current_table() -> pd.DataFrame:
    """The assumptions table as it stands (values may be invalid: check with validate)."""
    table = costs.default_assumptions()
    values: dict[str, Any] = st.session_state.get(VALUES, {})
    sources: dict[str, str] = st.session_state.get(SOURCES, {})
    table["value"] = [values.get(k, v) for k, v in zip(table["key"], table["value"], strict=True)]
    table["source"] = [
        sources.get(k, s) for k, s in zip(table["key"], table["source"], strict=True)
    ]
    return table


def _reconcile() -> None:
    """Bring the state up to date with whatever the reader just did (see the module doc)."""
    preset = st.session_state.get(PRESET, DEFAULTS)
    if VALUES not in st.session_state or preset != st.session_state.get(PRESET_SEEN):
        _load_scenario(preset)
        st.session_state[PRESET_SEEN] = preset
        st.session_state[SLIDER_SEEN] = {}

    # Table edits: edited_rows of the current table, by row position.
    keys = list(costs.specs())
    edits = st.session_state.get(editor_key())
    if isinstance(edits, Mapping):
        for row, change in (edits.get("edited_rows") or {}).items():
            try:
                key = keys[int(row)]
            except (ValueError, IndexError):
                continue
            if isinstance(change, Mapping) and "value" in change:
                st.session_state[VALUES][key] = change["value"]

    # Slider moves since the last run win over the table and rebuild it.
    seen: dict[str, Any] = st.session_state.setdefault(SLIDER_SEEN, {})
    for widget, (key, *_rest) in _QUICK_STEPS.items():
        moved = st.session_state.get(widget)
        if widget in seen and moved is not None and moved != seen[widget]:
            st.session_state[VALUES][key] = float(moved)
            st.session_state[VERSION] += 1


def _sync_sliders() -> None:
    """Show the current values on the sliders (before they are drawn in this run)."""
    seen: dict[str, Any] = st.session_state.setdefault(SLIDER_SEEN, {})
    for widget, (key, *_rest) in _QUICK_STEPS.items():
        value = _number(st.session_state[VALUES].get(key))
        if value is not None:
            st.session_state[widget] = value
            seen[widget] = value


# --------------------------------------------------------------------------- controls


def _scenario_controls() -> None:
    w = words()["controls"]
    presets = costs.load_presets()
    options = [DEFAULTS, *presets]
    titles = {DEFAULTS: w["defaults_option"]} | {k: p.title for k, p in presets.items()}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with left:
        choice = st.selectbox(
            w["preset_label"],
            options,
            format_func=lambda k: titles.get(k, k),
            key=PRESET,
            help=w["preset_help"],
            bind="query-params",
        )
    with right:
        st.button(
            w["reset_label"],
            on_click=_reset,
            key="cost_reset",
            help=w["reset_help"],
            icon=":material/restart_alt:",
            width="stretch",
        )
    # A scenario chosen through the link is only known once the picker exists: load it now,
    # before the sliders are drawn.
    if choice != st.session_state.get(PRESET_SEEN):
        _load_scenario(choice)
        st.session_state[PRESET_SEEN] = choice
        st.session_state[SLIDER_SEEN] = {}
    if choice in presets:
        st.caption(presets[choice].description)


def _quick_sliders() -> None:
    w = words()["controls"]
    st.markdown(f"**{_r(w['sliders_heading'])}**")
    cols = st.columns(2)
    for i, (widget, (_key, label, help_, steps)) in enumerate(_QUICK_STEPS.items()):
        current = st.session_state.get(widget)
        options = sorted({float(s) for s in steps} | ({current} if current is not None else set()))
        with cols[i % 2]:
            st.select_slider(
                _r(w[label]),
                options=options,
                format_func=_count,
                key=widget,
                help=_r(w[help_]),
            )


def _column_config() -> dict[str, Any]:
    w = words()["controls"]
    cc = st.column_config
    return {
        "group": cc.TextColumn(w["col_group"], help=w["col_group_help"], disabled=True),
        "label": cc.TextColumn(
            w["col_label"], help=w["col_label_help"], disabled=True, pinned=True
        ),
        "value": cc.NumberColumn(
            w["col_value"],
            help=w["col_value_help"],
            min_value=0,
            format="localized",
            required=True,
        ),
        "unit": cc.TextColumn(w["col_unit"], help=w["col_unit_help"], disabled=True),
        "min": cc.NumberColumn(w["col_min"], help=w["col_min_help"], disabled=True),
        "max": cc.NumberColumn(
            w["col_max"], help=w["col_max_help"], disabled=True, format="compact"
        ),
        "source": cc.TextColumn(
            w["col_source"], help=w["col_source_help"], disabled=True, width="large"
        ),
    }


def _table_and_files() -> None:
    w = words()["controls"]
    with st.expander(w["table_heading"], icon=":material/table:", expanded=False):
        st.caption(w["table_caption"])
        table = current_table()
        shown = table.copy()
        shown["value"] = [_number(v) for v in shown["value"]]
        shown["value"] = shown["value"].astype("float64")
        st.data_editor(
            shown,
            key=editor_key(),
            hide_index=True,
            num_rows="fixed",
            column_order=["group", "label", "value", "unit", "min", "max", "source"],
            column_config=_column_config(),
            disabled=["key", "group", "label", "unit", "min", "max", "source"],
            width="stretch",
        )
        left, right = st.columns(2)
        with left:
            st.download_button(
                w["export_label"],
                data=costs.to_csv(table),
                file_name="cost_assumptions.csv",
                mime="text/csv",
                key="cost_export",
                help=w["export_help"],
                on_click="ignore",
                icon=":material/download:",
            )
        with right:
            upload = st.file_uploader(
                w["import_label"],
                type=["csv"],
                key="cost_import",
                help=w["import_help"],
                max_upload_size=1,
            )
        _import(upload)
        note = st.session_state.get(IMPORT_NOTE)
        if note:
            kind, lines = note
            if kind == "ok":
                st.success(lines[0], icon=":material/check_circle:")
            else:
                st.error("\n".join(f"- {line}" for line in lines), icon=":material/error:")


def _import(upload: Any) -> None:
    """Load an uploaded CSV once (by file id); keep the current values if it is refused."""
    if upload is None:
        st.session_state[UPLOAD_SEEN] = None
        return
    if st.session_state.get(UPLOAD_SEEN) == upload.file_id:
        return
    st.session_state[UPLOAD_SEEN] = upload.file_id
    w = words()["controls"]
    name = str(upload.name)[:80]
    table, problems = costs.from_csv(upload.getvalue())
    if table is None:
        st.session_state[IMPORT_NOTE] = ("error", [w["import_failed"].format(file=name), *problems])
        return
    _set_table(table)
    st.session_state[SLIDER_SEEN] = {}
    st.session_state[IMPORT_NOTE] = ("ok", [w["import_ok"].format(rows=len(table), file=name)])
    st.rerun(scope="fragment")


def _compare_controls() -> tuple[str, str]:
    w = words()["controls"]
    names = legend_names()
    left, right = st.columns(2)
    with left:
        a = st.selectbox(
            w["compare_label"],
            costs.STRATEGIES,
            index=1,
            format_func=names.get,
            key=COMPARE_A,
            help=w["compare_help"],
            bind="query-params",
        )
    with right:
        b = st.selectbox(
            w["against_label"],
            costs.STRATEGIES,
            index=2,
            format_func=names.get,
            key=COMPARE_B,
            help=w["against_help"],
            bind="query-params",
        )
    return a, b


# --------------------------------------------------------------------------- verdict


def verdict(p: Mapping[str, float], a: str, b: str, names: Mapping[str, str]) -> str:
    """The plain-words verdict for strategies ``a`` and ``b`` (Markdown)."""
    v = words()["verdict"]
    if a == b:
        return _r(v["same_strategy"])
    totals = costs.total_costs(p)
    months = int(p["months"])
    volume = _count(p["queries_per_month"])
    if math.isclose(totals[a], totals[b], rel_tol=1e-9, abs_tol=0.005):
        first = _r(v["equal"], volume=volume, a=names[a], b=names[b], months=months,
                   total=_money(totals[a]))  # fmt: skip
        cheaper, dearer = a, b
    else:
        cheaper, dearer = (a, b) if totals[a] < totals[b] else (b, a)
        first = _r(
            v["cheaper"],
            volume=volume,
            cheaper=names[cheaper],
            dearer=names[dearer],
            diff=_money(totals[dearer] - totals[cheaper]),
            months=months,
            cheaper_total=_money(totals[cheaper]),
            dearer_total=_money(totals[dearer]),
        )
    crossing = costs.crossover_volume(p, a, b)
    if crossing is None:
        return f"{first} {_r(v['always'], cheaper=names[cheaper])}"
    parts = costs.breakdown(p)
    per_query_winner = a if parts[a].per_query < parts[b].per_query else b
    other = b if per_query_winner == a else a
    if p["queries_per_month"] < crossing:
        second = _r(
            v["pays_back_above"], winner=names[per_query_winner], crossover=_about(crossing)
        )
    else:
        second = _r(v["cheaper_below"], other=names[other], crossover=_about(crossing))
    return f"{first} {second}"


# --------------------------------------------------------------------------- charts


def figures(p: Mapping[str, float], a: str, b: str, names: Mapping[str, str]) -> dict[str, Any]:
    """Every chart of the lab with its alt text, from valid parameters.

    Returns
    -------
    dict
        name -> (figure, alt text), for "cumulative", "monthly", "per_thousand", "tornado",
        "band".
    """
    c = words()["charts"]
    comp_names = {k: _r(t) for k, t in words()["components"].items()}
    months = int(p["months"])
    legend = legend_names()
    out: dict[str, Any] = {}

    # Running total, break-even marked.
    cum = costs.cumulative_costs(p)
    end = cum.iloc[-1]
    cheaper, dearer = (a, b) if end[a] <= end[b] else (b, a)
    month = costs.break_even(p, cheaper, dearer) if a != b else None
    marker = None
    if month is not None and month > 0:
        marker = (month, float(cum.loc[int(month), cheaper]))
        title = _r(c["cumulative_title_catch"], cheaper=names[cheaper], dearer=names[dearer],
                   month=int(month))  # fmt: skip
    else:
        title = _r(c["cumulative_title"], months=months, cheaper=names[cheaper],
                   dearer=names[dearer], cheaper_total=_money(end[cheaper]),
                   dearer_total=_money(end[dearer]))  # fmt: skip
    fig = cost_charts.cumulative_figure(
        cumulative=cum,
        names=legend,
        title=title,
        x_title=c["month_axis"],
        y_title=c["money_axis"],
        marker=marker,
        marker_label=c["break_even"],
    )
    out["cumulative"] = (fig, _r(c["cumulative_alt"], months=months, finding=title))

    # One typical month by component.
    monthly = costs.monthly_costs(p)
    one_month = monthly[monthly["month"] == 1] if months >= 1 else monthly.iloc[0:0]
    per_strategy = one_month.groupby("strategy")["cost"].sum()
    lo_s, hi_s = per_strategy.idxmin(), per_strategy.idxmax()
    title = _r(c["stack_title"], cheapest=names[lo_s], low=_money(per_strategy[lo_s]),
               dearest=names[hi_s], high=_money(per_strategy[hi_s]))  # fmt: skip
    fig = cost_charts.monthly_stack_figure(
        monthly=one_month,
        names=legend,
        component_names=comp_names,
        title=title,
        x_title=c["strategy_axis"],
        y_title=c["monthly_axis"],
    )
    out["monthly"] = (fig, _r(c["stack_alt"], finding=title))

    # Cost per 1,000 questions across volumes.
    crossing = costs.crossover_volume(p, a, b) if a != b else None
    per_k = costs.cost_per_thousand(p, costs.volume_grid(p))
    if crossing is not None:
        title = _r(c["per_k_title"], a=names[a], b=names[b], crossover=_about(crossing))
    else:
        title = _r(c["per_k_title_none"], cheaper=names[cheaper])
    fig = cost_charts.per_thousand_figure(
        per_thousand=per_k,
        names=legend,
        title=title,
        x_title=c["volume_axis"],
        y_title=c["per_k_axis"],
        crossover=crossing,
        crossover_label=c["crossover"],
        current=p["queries_per_month"] or None,
        current_label=c["current"],
    )
    out["per_thousand"] = (fig, _r(c["per_k_alt"], finding=title))

    # Tornado.
    sens = costs.sensitivity(p, a, b)
    if len(sens):
        top = sens.iloc[0]
        title = _r(c["tornado_title"], label=top["label"], swing=_money(top["swing"]))
    else:
        title = _r(c["tornado_none"])
    fig = cost_charts.tornado_figure(
        sensitivity=sens,
        title=title,
        x_title=_r(c["diff_axis"], a=names[a], b=names[b]),
        low_label=c["low"],
        high_label=c["high"],
    )
    out["tornado"] = (fig, _r(c["tornado_alt"], a=names[a], b=names[b], finding=title))

    # Low / base / high band.
    bands = costs.band(p)
    last = bands[bands["month"] == months].set_index("strategy")
    overlap = not (
        last.loc[cheaper, "high"] < last.loc[dearer, "low"]
        or last.loc[dearer, "high"] < last.loc[cheaper, "low"]
    )
    title = (
        _r(c["band_title_overlap"])
        if overlap or a == b
        else _r(c["band_title_apart"], cheaper=names[cheaper])
    )
    fig = cost_charts.band_figure(
        band=bands,
        strategies=[a, b],
        names=legend,
        title=title,
        x_title=c["month_axis"],
        y_title=c["money_axis"],
        range_label=c["band_range"],
    )
    out["band"] = (fig, _r(c["band_alt"], a=names[a], b=names[b], finding=title))
    return out


def _chart(figs: dict[str, Any], name: str) -> None:
    fig, alt = figs[name]
    st.plotly_chart(fig, key=f"cost_chart_{name}", alt=alt, config={"displaylogo": False})


# --------------------------------------------------------------------------- the panel


@st.fragment
def lab(page: Lesson) -> None:
    """The whole interactive cost panel; reruns on its own when one of its controls moves."""
    _reconcile()
    section(page, "scenario")
    _scenario_controls()
    _sync_sliders()
    _quick_sliders()
    _table_and_files()

    table = current_table()
    problems = costs.validate(table)
    if problems:
        w = words()["controls"]
        st.error(
            w["invalid_heading"] + "\n" + "\n".join(f"- {line}" for line in problems),
            icon=":material/error:",
        )
        return
    p = costs.params(table)
    names = strategy_names()
    a, b = _compare_controls()
    st.info(verdict(p, a, b, names), icon=":material/balance:")
    figs = figures(p, a, b, names)
    for section_id, chart in (
        ("cumulative", "cumulative"),
        ("monthly", "monthly"),
        ("volume", "per_thousand"),
        ("sensitivity", "tornado"),
        ("band", "band"),
    ):
        section(page, section_id, level=3)
        _chart(figs, chart)
