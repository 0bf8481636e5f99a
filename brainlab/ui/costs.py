"""Widgets and layout of the Cost lab: the stage, its controls, and the tabs below it.

The words and the figures come from :mod:`brainlab.cost_view` (pure, unit-tested); this
module only gathers the inputs and draws. The stage is one ``st.fragment``: the step card,
the scenario and the quick sliders on the left; the verdict, the running-total chart and
the open assumptions table on the right; the other charts in tabs below. A slider or a cell
edit reruns the fragment alone, and its result is drawn where the reader is looking.

The lab's state is one :class:`CostState` in session state. Its ``values`` (key -> value)
are the single truth; the sliders and the table are two views of it:

- a moved slider writes its value into ``values`` and starts a fresh table (a new widget
  key), so the table's pending edits can never overwrite the slider;
- a table edit arrives as ``edited_rows`` of the current table and is written into
  ``values`` before the sliders are drawn, so the sliders show it in the same run.

``st.data_editor`` enforces its limits only in the browser, so every run checks the table
on the server, once, with :func:`brainlab.costs.checked`; a bad row is reported and the
charts use its last good value meanwhile.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from brainlab import cost_view as view
from brainlab import costs
from brainlab.content import Lesson
from brainlab.editor_state import clean_edits
from brainlab.ui import lifecycle, workspace
from brainlab.ui.context import locked, words
from brainlab.ui.stage import stepper
from brainlab.ui.uploads import size_mb, too_big
from brainlab.ui.widgets import chart, md, page_header
from brainlab.words import Words, escape

STATE = "cost_state"
PRESET = "cost_preset"
COMPARE_A, COMPARE_B = "cost_compare", "cost_against"
TABS = "cost_tabs"
DEFAULTS = "defaults"
#: Largest assumptions CSV, in MB (the uploader's limit, checked again on the server).
CSV_MB = 1

#: Quick sliders: widget key -> (assumption key, label word, help word, steps).
QUICK_STEPS: dict[str, tuple[str, str, str, tuple[float, ...]]] = {
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
    "cost_retrains": (
        "retrains_per_year",
        "retrains_label",
        "retrains_help",
        (0, 1, 2, 4, 6, 12, 24, 52, 104, 365),
    ),
}  # fmt: skip

#: The tabs below the stage: section id of content/pages/cost_lab.md -> what it draws.
TAB_CONTENT: dict[str, str] = {
    "monthly": "monthly",
    "volume": "per_thousand",
    "sensitivity": "tornado",
    "band": "band",
    "model": "text",
    "files": "files",
}

#: Height of the open assumptions table on the stage, in px (the header and two rows and a
#: half, so it reads as scrollable: it sits under the step card).
TABLE_HEIGHT = 112
#: Height of the running-total chart on the stage, in px: what is left of a 720 px screen
#: beside the step card once the scenario, the verdict and the sliders have their room.
MAIN_CHART_HEIGHT = 296


# --------------------------------------------------------------------------- state


@dataclass
class CostState:
    """Everything the Cost lab remembers between reruns (apart from its widgets' values)."""

    values: dict[str, Any] = field(default_factory=dict)  # key -> value: the single truth
    sources: dict[str, str] = field(default_factory=dict)  # key -> source (presets change it)
    version: int = 0  # bumped when the table must be rebuilt from ``values``
    preset_seen: str | None = None
    slider_seen: dict[str, float] = field(default_factory=dict)
    upload_seen: str | None = None
    import_note: tuple[str, str] | None = None  # ("ok" or "error", the message)
    last_good: dict[str, float] = field(default_factory=dict)
    edit_note: str = ""  # what the server dropped from the last table edit
    link_read: bool = False  # the address's slider values were applied (first run only)

    @property
    def editor_key(self) -> str:
        """The key of the assumptions table in this run (it changes when it is rebuilt)."""
        return f"cost_table_{self.version}"

    def load(self, table: pd.DataFrame) -> None:
        """Take every value and source of ``table``; rebuild the table and the sliders."""
        self.values = dict(zip(table["key"], table["value"], strict=True))
        self.sources = dict(zip(table["key"], table["source"], strict=True))
        self.version += 1
        self.slider_seen = {}

    def table(self) -> pd.DataFrame:
        """The assumptions table as it stands (values may be invalid: check them)."""
        table = costs.default_assumptions()
        keys = table["key"]
        table["value"] = [self.values.get(k, v) for k, v in zip(keys, table["value"], strict=True)]
        table["source"] = [
            self.sources.get(k, s) for k, s in zip(keys, table["source"], strict=True)
        ]
        return table


def state() -> CostState:
    """The lab's state in this session (created on first use, from the reader's workspace
    when it holds a table)."""
    if STATE not in st.session_state:
        # After "Start fresh", the address's slider values are the old workspace's: not read.
        fresh = workspace.fresh_start()
        st.session_state[STATE] = _restored() or CostState(link_read=fresh)
    return st.session_state[STATE]


#: The workspace's name for this lab's work (brainlab/ui/workspace.py).
SAVED = "costs"


def _plain(value: Any) -> Any:
    """A table value as JSON can hold it: a finite number, text, or None (a cleared cell)."""
    if isinstance(value, str) or value is None:
        return value
    x = _number(value)
    return x


def _snapshot(s: CostState) -> dict[str, Any]:
    return {
        "values": {k: _plain(v) for k, v in s.values.items()},
        "sources": {k: str(v) for k, v in s.sources.items()},
        "preset": s.preset_seen,
    }


def _restored() -> CostState | None:
    saved = workspace.load(SAVED)
    if not isinstance(saved, dict) or not isinstance(saved.get("values"), dict):
        return None
    known = list(costs.default_assumptions()["key"])
    values = {k: saved["values"].get(k) for k in known if k in saved["values"]}
    if len(values) != len(known):
        return None  # saved by another version of the table: start from the defaults
    sources = saved.get("sources") if isinstance(saved.get("sources"), dict) else {}
    preset = saved.get("preset")
    s = CostState(values=values, sources={k: str(v) for k, v in sources.items()})
    s.preset_seen = preset if isinstance(preset, str) else None
    if s.preset_seen is not None:
        st.session_state.setdefault(PRESET, s.preset_seen)
    return s


def _scenario_table(name: str) -> pd.DataFrame:
    table = costs.default_assumptions()
    if name != DEFAULTS and name in costs.load_presets():
        table = costs.apply_preset(table, name)
    return table


def _reset() -> None:
    """The reset button: defaults everywhere, the scenario box back to "defaults"."""
    st.session_state[PRESET] = DEFAULTS
    state().preset_seen = None  # forces the reload below even if it was defaults


def _number(value: Any) -> float | None:
    """A value as a finite float, or None (for the sliders and the table's display)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _reconcile(s: CostState, preset: str) -> None:
    """Bring the state up to date with whatever the reader just did (see the module doc)."""
    if not s.values or preset != s.preset_seen:
        s.load(_scenario_table(preset))
        s.preset_seen = preset

    # Table edits: edited_rows of the current table, by row position, checked on the
    # server (the browser's limits can be bypassed; see brainlab/editor_state.py).
    keys = list(s.values)
    try:
        raw = st.session_state.get(s.editor_key)
    except Exception:  # a message Streamlit itself cannot read back
        raw = "unreadable"
    edits = clean_edits(raw, n_rows=len(keys), editable=("value",))
    for row, change in edits.rows.items():
        s.values[keys[row]] = change["value"]
    if not edits.clean:
        # A fresh table (new key): Streamlit never draws the crafted state, which it
        # would raise on; what was allowed is already in ``values``.
        s.version += 1
        s.edit_note = ", ".join(edits.rejected)

    # A shared link's slider values (``?cost_queries=30,000``), once, on the first run.
    for widget, (key, *_rest) in QUICK_STEPS.items():
        if not s.link_read and widget in st.query_params:
            linked = _number(str(st.query_params[widget]).replace(",", ""))
            if linked is not None and linked >= 0:
                s.values[key] = linked
                s.version += 1

    # Slider moves since the last run win over the table and rebuild it.
    for widget, (key, *_rest) in QUICK_STEPS.items():
        moved = st.session_state.get(widget)
        if widget in s.slider_seen and moved is not None and moved != s.slider_seen[widget]:
            s.values[key] = float(moved)
            s.version += 1

    # Show the current values on the sliders (before they are drawn in this run).
    for widget, (key, *_rest) in QUICK_STEPS.items():
        value = _number(s.values.get(key))
        if value is not None:
            st.session_state[widget] = value
            s.slider_seen[widget] = value


# --------------------------------------------------------------------------- controls


def scenario_row(w: Words) -> str:
    """The scenario box, the reset button and the "compare" choice; returns the scenario.

    The two paths compared sit in a pop-over: the lesson compares the library with
    specialist training, and a row of four boxes would push the chart off the screen.
    """
    presets = costs.load_presets()
    options = [DEFAULTS, *presets]
    titles = {DEFAULTS: view.say(w, "controls", "defaults_option")}
    titles |= {k: p.title for k, p in presets.items()}
    box, reset, compare = st.columns([5, 1, 4], vertical_alignment="bottom", gap="xsmall")
    with box:
        choice = st.selectbox(
            view.say(w, "controls", "preset_label"),
            options,
            format_func=lambda k: titles.get(k, k),
            key=PRESET,
            help=view.say(w, "controls", "preset_help"),
            bind="query-params",
            disabled=locked(PRESET),  # a teacher's lesson may lock it
        )
    with reset:
        st.button(
            "",
            on_click=_reset,
            key="cost_reset",
            disabled=locked(PRESET, "cost_sliders", "cost_table"),
            help=view.say(w, "controls", "reset_help"),
            icon=":material/restart_alt:",
            width="stretch",
        )
    with (
        compare,
        st.popover(
            view.say(w, "controls", "compare_button"),
            icon=":material/compare_arrows:",
            width="stretch",
        ),
    ):
        compare_boxes(w)
    return choice


def quick_sliders(w: Words) -> None:
    """The three assumptions the lesson moves, in one row under the chart."""
    cols = st.columns(len(QUICK_STEPS), gap="small")
    for col, (widget, (_key, label, help_, steps)) in zip(cols, QUICK_STEPS.items(), strict=True):
        current = st.session_state.get(widget)
        options = sorted({float(x) for x in steps} | ({current} if current is not None else set()))
        col.select_slider(
            view.say(w, "controls", label),
            options=options,
            format_func=view.count,
            key=widget,
            help=view.say(w, "controls", help_),
            disabled=locked("cost_sliders"),
            bind="query-params",  # a shared link keeps the sliders (read in _reconcile)
        )


def compare_boxes(w: Words) -> tuple[str, str]:
    """Which two strategies the verdict and the charts compare."""
    names = view.legend_names(w)
    left, right = st.container(), st.container()
    with left:
        a = st.selectbox(
            view.say(w, "controls", "compare_label"),
            costs.STRATEGIES,
            index=1,
            format_func=names.get,
            key=COMPARE_A,
            help=view.say(w, "controls", "compare_help"),
            bind="query-params",
        )
    with right:
        b = st.selectbox(
            view.say(w, "controls", "against_label"),
            costs.STRATEGIES,
            index=2,
            format_func=names.get,
            key=COMPARE_B,
            help=view.say(w, "controls", "against_help"),
            bind="query-params",
        )
    return a, b


def _column_config(w: Words) -> dict[str, Any]:
    cc = st.column_config
    col = view.table_columns(w)
    return {
        "label": cc.TextColumn(
            col["label"], help=view.say(w, "controls", "col_label_help"), pinned=True, width=200
        ),
        "value": cc.NumberColumn(
            col["value"],
            help=view.say(w, "controls", "col_value_help"),
            min_value=0,
            format="localized",
            required=True,
            width=96,
        ),
        "unit": cc.TextColumn(col["unit"], help=view.say(w, "controls", "col_unit_help")),
        "source": cc.TextColumn(
            col["source"], help=view.say(w, "controls", "col_source_help"), width="large"
        ),
    }


def assumptions_table(s: CostState, table: pd.DataFrame, w: Words) -> None:
    """The open assumptions table: every value editable, each with its unit and source."""
    shown = table.copy()
    shown["value"] = pd.Series([_number(v) for v in shown["value"]], dtype="float64")
    if s.edit_note:
        # The note quotes row names from the browser's message: escaped, shown as text.
        note = view.say(w, "controls", "edit_rejected", parts=escape(s.edit_note))
        st.warning(note, icon=":material/block:")
        s.edit_note = ""
    st.data_editor(
        shown,
        key=s.editor_key,
        hide_index=True,
        num_rows="fixed",
        column_order=["label", "value", "unit", "source"],
        column_config=_column_config(w),
        # A teacher's lesson may lock the whole table.
        disabled=True
        if locked("cost_table")
        else ["key", "group", "label", "unit", "min", "max", "source"],
        width="stretch",
        height=TABLE_HEIGHT,
    )


def files(s: CostState, table: pd.DataFrame, w: Words) -> None:
    """Download the table as CSV, or load one."""
    left, right = st.columns(2)
    with left:
        st.download_button(
            view.say(w, "controls", "export_label"),
            data=costs.to_csv(table),
            file_name="cost_assumptions.csv",
            mime="text/csv",
            key="cost_export",
            help=view.say(w, "controls", "export_help"),
            on_click="ignore",
            icon=":material/download:",
        )
    with right:
        upload = st.file_uploader(
            view.say(w, "controls", "import_label"),
            type=["csv"],
            key="cost_import",
            help=view.say(w, "controls", "import_help"),
            max_upload_size=CSV_MB,
        )
    _import(s, upload, w)
    if s.import_note:
        kind, text = s.import_note
        if kind == "ok":
            st.success(text, icon=":material/check_circle:")
        else:
            st.error(text, icon=":material/error:")


def _import(s: CostState, upload: Any, w: Words) -> None:
    """Load an uploaded CSV once (by file id); keep the current values if it is refused."""
    if upload is None:
        s.upload_seen = None
        return
    if s.upload_seen == upload.file_id:
        return
    s.upload_seen = upload.file_id
    name = str(upload.name)
    if too_big(upload, CSV_MB):  # max_upload_size is only checked in the browser
        problem = view.say(w, "controls", "too_big", size=size_mb(upload), limit=CSV_MB)
        s.import_note = ("error", view.import_note("error", name, w, problems=[problem]))
        return
    table, problems = costs.from_csv(upload.getvalue())
    if table is None:
        s.import_note = ("error", view.import_note("error", name, w, problems=problems))
        return
    s.load(table)
    s.import_note = ("ok", view.import_note("ok", name, w, rows=len(table)))
    st.rerun(scope="fragment")


# --------------------------------------------------------------------------- the stage


def _draw_chart(name: str, c: costs.Checked, a: str, b: str, w: Words) -> None:
    with st.spinner(view.say(w, "stage", "drawing")):
        if name == view.MAIN_CHART:
            drawn = view.cumulative_chart(c, a, b, w, height=MAIN_CHART_HEIGHT)
        else:
            drawn = view.chart(name, c, a, b, w)
    chart(drawn.figure, key=f"cost_chart_{name}", alt=drawn.alt)


def _tab(page: Lesson, section_id: str, s: CostState, c: costs.Checked, a: str, b: str) -> None:
    w = words()
    what = TAB_CONTENT[section_id]
    if what == "files":
        files(s, c.table, w)
        return
    sec = page.section(section_id)
    if what == "text":
        md(sec.body)
        if section_id == "model":
            lifecycle.show(c.p.get("months", 0), w)  # every model's dates (issue 14, item 5)
        return
    if sec.body:
        st.caption(w(sec.body))
    _draw_chart(what, c, a, b, w)


@st.fragment
def stage(page: Lesson, below: Sequence[str] = tuple(TAB_CONTENT)) -> None:
    """The Cost lab's stage, rerun alone on every slider, cell edit or choice.

    Left: the page title, the step card and the open assumptions table under it. Right: the
    scenario (and which two paths to compare), the verdict, the running total (as tall as
    the screen allows: it is read from the back of the room) and the quick sliders right
    under it. All of it fits one 1280x720 screen, so whatever the
    reader touches, the verdict and the chart it changes are in view. Below: one tab for
    each section in ``below``.
    """
    w = words()
    s = state()
    _reconcile(s, st.session_state.get(PRESET, DEFAULTS))
    left, right = st.columns([5, 6], gap="medium")
    with right, st.container(gap="xsmall"):
        choice = scenario_row(w)
        # A scenario chosen through the link is only known once its box exists.
        if choice != s.preset_seen:
            s.load(_scenario_table(choice))
            s.preset_seen = choice
            _reconcile(s, choice)
        a = st.session_state.get(COMPARE_A) or "rag"
        b = st.session_state.get(COMPARE_B) or "fine_tune"
        table = s.table()
        c = costs.checked(table, fallback=s.last_good)
        s.last_good = dict(c.p)
        if not c.valid:
            st.error(view.problems_text(c, w), icon=":material/error:")
        with st.container(key="cost_verdict"):
            st.info(view.verdict(c, a, b, w), icon=":material/balance:")
        with st.container(key="cost_main_chart"):
            _draw_chart(view.MAIN_CHART, c, a, b, w)
        # The quick sliders right under the chart they move.
        with st.container(key="cost_sliders"):
            quick_sliders(w)
        s.link_read = True
    with left, st.container(gap="xsmall"):
        # The title sits in the left column so the stage starts at the top of the screen.
        page_header(page)
        stepper(page)
        # The open table under the step card, beside the chart its cells redraw.
        with st.container(key="cost_table"):
            assumptions_table(s, table, w)

    labels = page_words_tabs(w)
    # Bound to the URL: a shared link opens the same chart below the stage.
    tabs = st.tabs([labels[t] for t in below], key=TABS, on_change="rerun", bind="query-params")
    for section_id, tab in zip(below, tabs, strict=True):
        if tab.open:
            with tab:
                _tab(page, section_id, s, c, a, b)
    # Saved once per run of the stage, only when it changed (one transaction).
    workspace.save(SAVED, _snapshot(s))


def page_words_tabs(w: Words) -> dict[str, str]:
    """The tabs' labels, by section id."""
    return {k: w(v) for k, v in view.page_words()["stage"]["tabs"].items()}
