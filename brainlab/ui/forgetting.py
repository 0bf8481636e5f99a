"""Widgets and layout of the forgetting lab: the stage, the sliders, the cached training.

The network trains in :mod:`brainlab.forgetting`; the words and figures come from
:mod:`brainlab.forgetting_view` (pure, unit-tested). This module draws them. The stage
(title, step card and the training sliders on the left; the guess, then the verdict and the
forgetting curve on the right; the map, the comparison, the published numbers and the human
analogy in tabs below) is one fragment: a slider reruns it alone, not the whole page.

Speed: every run of one strategy on one seed is cached on its own, keyed only by the
settings it depends on, so a slider that changes one strategy retrains that strategy alone;
and a run for more steps also serves every shorter run (its curve is the shorter run's curve
followed by more steps: the core draws the examples step by step, a test checks this).
While the learner guesses or reads the curve, one background thread trains what the next
notch of any slider would need (:class:`_Warmer`), the notch that continues the last move
first. The runs train in worker processes (:mod:`brainlab.training_pool`), one random start
per worker, so two cores train two at once and the page's thread stays free to draw. The
curves stay real networks trained by gradient descent; only when and where they are trained
changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from brainlab import forgetting as fg
from brainlab import forgetting_view as view
from brainlab import references as refs
from brainlab import training_pool
from brainlab.content import Lesson, load_toml
from brainlab.forgetting_view import Settings
from brainlab.ui import lm_forgetting as lm_panel
from brainlab.ui import workspace
from brainlab.ui.context import locked, words
from brainlab.ui.stage import stepper
from brainlab.ui.widgets import chart, page_header
from brainlab.words import Words

PREFIX = "forgetting_"
#: The lab's state in session state (one typed object, see :class:`LabState`).
STATE_KEY = PREFIX + "state"
#: The tabs below the stage (their state holds the open tab's label).
TABS_KEY = PREFIX + "tabs"
#: Train the next slider notch's runs in the background (see :class:`_Warmer`).
WARM_NEIGHBOURS = True
#: Runs kept in memory (one run: a curve of ~60-160 rows).
MAX_RUNS = 2000


@dataclass(frozen=True)
class LabState:
    """What the learner has done: the committed guess, and whether the result is shown."""

    guess: int = 50
    revealed: bool = False


#: The address's record of a revealed guess (``?forgetting_revealed=40``): a shared link
#: opens on the verdict and the curve, not on the guess.
REVEAL_PARAM = PREFIX + "revealed"


def state() -> LabState:
    value = st.session_state.get(STATE_KEY)
    if isinstance(value, LabState):
        return value
    raw = str(st.query_params.get(REVEAL_PARAM, ""))
    if raw.isdigit() and 0 <= int(raw) <= 100:
        return LabState(guess=int(raw), revealed=True)
    return LabState()


def _set_state(value: LabState) -> None:
    st.session_state[STATE_KEY] = value


# --------------------------------------------------------------------------- the workspace

#: The workspace's name for this lab's work (brainlab/ui/workspace.py): the six training
#: sliders, the lines shown, the guess and whether it was revealed.
SAVED = "forgetting"
#: Set once this session has read the workspace (read once: later runs are the reader's).
RESTORED = PREFIX + "restored"
STRATEGIES_KEY = PREFIX + "strategies"


def _snapshot(settings: Settings, lab: LabState) -> dict[str, object]:
    picked = st.session_state.get(STRATEGIES_KEY)
    return {
        "settings": {
            "steps": settings.steps,
            "learning_rate": settings.learning_rate,
            "replay_fraction": settings.replay_fraction,
            "penalty": settings.penalty,
            "rank": settings.rank,
            "seed": settings.seed,
        },
        "strategies": [s for s in fg.STRATEGIES if s in picked]
        if isinstance(picked, list)
        else None,
        "guess": lab.guess,
        "revealed": lab.revealed,
    }


def _nearest(options: tuple, value: float) -> float:
    return min(options, key=lambda o: abs(float(o) - value))


def _saved_widgets(saved: dict) -> dict[str, object]:
    """The slider values of a saved snapshot, as the sliders accept them (a value the
    sliders cannot show is brought inside their range and onto their notches), or {} when
    the snapshot is unreadable."""
    raw = saved.get("settings")
    if not isinstance(raw, dict):
        return {}
    try:
        s = Settings(
            steps=int(raw["steps"]),
            learning_rate=float(raw["learning_rate"]),
            replay_fraction=float(raw["replay_fraction"]),
            penalty=float(raw["penalty"]),
            rank=int(raw["rank"]),
            seed=int(raw["seed"]),
        ).clamped()
    except (KeyError, TypeError, ValueError, OverflowError):
        return {}
    return {
        PREFIX + "steps": min(1000, max(20, round(s.steps / 10) * 10)),
        PREFIX + "learning_rate": _nearest(view.LEARNING_RATES, s.learning_rate),
        PREFIX + "replay_fraction": min(
            0.9, max(0.0, round(round(s.replay_fraction / 0.05) * 0.05, 2))
        ),
        PREFIX + "penalty": _nearest(view.PENALTIES, s.penalty),
        PREFIX + "rank": min(8, max(1, s.rank)),
        PREFIX + "seed": min(99, max(0, s.seed)),
    }


def restore() -> None:
    """Once per session, before the sliders are drawn: the reader's saved settings from the
    workspace (a refresh, a new tab, a restarted server, or an address without them). A
    value the address carries wins: a shared link shows what it was shared with."""
    if st.session_state.get(RESTORED):
        return
    st.session_state[RESTORED] = True
    saved = workspace.load(SAVED)
    if not isinstance(saved, dict):
        return
    for key, value in _saved_widgets(saved).items():
        if key not in st.query_params and key not in st.session_state:
            st.session_state[key] = value
    picked = saved.get("strategies")
    if isinstance(picked, list) and STRATEGIES_KEY not in st.query_params:
        st.session_state.setdefault(STRATEGIES_KEY, [s for s in fg.STRATEGIES if s in picked])
    if STATE_KEY in st.session_state or REVEAL_PARAM in st.query_params:
        return
    guess = saved.get("guess")
    if isinstance(guess, int) and not isinstance(guess, bool) and 0 <= guess <= 100:
        revealed = saved.get("revealed") is True
        _set_state(LabState(guess=guess, revealed=revealed))
        st.session_state.setdefault(PREFIX + "guess", guess)
        if revealed:
            st.query_params[REVEAL_PARAM] = str(guess)


# --------------------------------------------------------------------------- the training


class _RunStore:
    """Forgetting curves of single runs, shared by every session, least recently used out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.curves: OrderedDict[tuple, tuple[int, pd.DataFrame]] = OrderedDict()

    def get(self, key: tuple, steps: int) -> pd.DataFrame | None:
        """The curve of ``key`` cut at ``steps`` fine-tuning steps, if a long enough run is kept."""
        with self.lock:
            found = self.curves.get(key)
            if found is None:
                return None
            trained, curve = found
            # A longer run holds this one exactly only where its recorded rows line up.
            every = int(fg.DEFAULTS["eval_every"])
            if trained != steps and (trained < steps or steps % every):
                return None
            self.curves.move_to_end(key)
        pre = int(fg.DEFAULTS["pretrain_steps"])
        # The rows are in step order: the first n of them, a slice (no copy of each column).
        n = int(np.searchsorted(curve["step"].to_numpy(), pre + steps, side="right"))
        return curve.iloc[:n]

    def put(self, key: tuple, steps: int, curve: pd.DataFrame) -> None:
        with self.lock:
            old = self.curves.get(key)
            if old is None or old[0] <= steps:
                self.curves[key] = (steps, curve)
            while len(self.curves) > MAX_RUNS:
                self.curves.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _store() -> _RunStore:
    return _RunStore()


@st.cache_resource(show_spinner=False)
def _pool() -> training_pool.TrainingPool:
    """The server's worker processes that train runs (started on the lab's first visit)."""
    return training_pool.TrainingPool()


def _run_key(strategy: str, seed: int, s: Settings) -> tuple:
    return (strategy, seed, s.learning_rate, s.own_setting(strategy))


def training_horizon(steps: int) -> int:
    """How far to train when ``steps`` is not kept: past the lesson's 300, up to the next 100.

    A learner who moves the steps slider up by one notch (10 steps) then finds the next
    nine notches already trained; the cost is at most 100 steps more training once.
    """
    every = int(fg.DEFAULTS["eval_every"])
    if steps <= int(fg.DEFAULTS["steps"]) or steps % every:
        return steps
    return int(min(fg.LIMITS["steps"][1], 1000, -(-(steps + 1) // 100) * 100))


def missing_runs(settings: Settings) -> dict[int, list[str]]:
    """The (seed -> strategies) the comparison of ``settings`` still has to train."""
    s = settings.clamped()
    store = _store()
    out: dict[int, list[str]] = {}
    for seed in s.seeds:
        for strategy in fg.STRATEGIES:
            if store.get(_run_key(strategy, seed, s), s.steps) is None:
                out.setdefault(seed, []).append(strategy)
    return out


def _train(store: _RunStore, s: Settings, missing: dict[int, list[str]]) -> None:
    """Train ``missing`` (seed -> strategies) with ``s``: each seed one job in the pool (its
    strategies share the pretraining), the seeds in parallel."""
    horizon = training_horizon(s.steps)
    ahead = replace(s, steps=horizon).as_kwargs()
    seeds = list(missing)
    results = _pool().train([(missing[seed], seed, ahead) for seed in seeds])
    for seed, trained in zip(seeds, results, strict=True):
        for strategy, curve in trained.items():
            store.put(_run_key(strategy, seed, s), horizon, curve)


def curves(settings: Settings) -> pd.DataFrame:
    """Every strategy's curve on every seed of ``settings``: trained only where not kept."""
    s = settings.clamped()
    store = _store()
    with _warmer().foreground():
        missing = missing_runs(s)
        if missing:
            _train(store, s, missing)
    parts = []
    for strategy in fg.STRATEGIES:
        for seed in s.seeds:
            curve = store.get(_run_key(strategy, seed, s), s.steps)
            parts.append(curve.assign(strategy=strategy, seed=seed))
    return pd.concat(parts, ignore_index=True)


def neighbours(settings: Settings, previous: Settings | None = None) -> list[Settings]:
    """The settings one slider notch away, cheapest to train first.

    The one-strategy sliders (3 runs each) first, then the seed (one new seed: 5 runs), then
    the learning rate (every run), last one notch more steps (every run, trained ahead to
    the next hundred, :func:`training_horizon`). Fewer steps need nothing: they are cut
    from the kept runs. When ``previous`` (the settings shown before) differs in one
    slider, the notch that continues that move comes first: a learner moving a slider
    notch by notch asks for it next.
    """
    s = settings.clamped()
    out: list[Settings] = []

    def ladder(values, current):
        values = list(values)
        i = min(range(len(values)), key=lambda k: abs(values[k] - current))
        return [values[j] for j in (i - 1, i + 1) if 0 <= j < len(values)]

    replays = [round(0.05 * k, 2) for k in range(19)]
    out += [replace(s, replay_fraction=v) for v in ladder(replays, s.replay_fraction)]
    out += [replace(s, penalty=float(v)) for v in ladder(view.PENALTIES, s.penalty)]
    out += [replace(s, rank=v) for v in ladder(range(1, 9), s.rank)]
    out += [replace(s, seed=v) for v in ladder(range(100), s.seed)]
    out += [replace(s, learning_rate=v) for v in ladder(view.LEARNING_RATES, s.learning_rate)]
    if s.steps + 10 <= 1000:  # one notch more steps: trained ahead to the next hundred
        out.append(replace(s, steps=s.steps + 10))
    if previous is not None:
        out.sort(key=lambda n: not _continues(previous.clamped(), s, n))  # stable
    return out


def _continues(before: Settings, now: Settings, after: Settings) -> bool:
    """Whether ``before`` -> ``now`` -> ``after`` moves one and the same slider one way."""
    names = [f for f in ("steps", "learning_rate", "replay_fraction", "penalty", "rank", "seed")]
    moved = [f for f in names if getattr(before, f) != getattr(now, f)]
    nxt = [f for f in names if getattr(now, f) != getattr(after, f)]
    if len(moved) != 1 or moved != nxt:
        return False
    f = moved[0]
    return (getattr(now, f) - getattr(before, f)) * (getattr(after, f) - getattr(now, f)) > 0


def warm_neighbours(
    settings: Settings,
    store: _RunStore,
    *,
    stop=lambda: False,
    previous: Settings | None = None,
) -> int:
    """Train ``settings``, then what one notch of any slider would need (the notch that
    continues the move from ``previous`` first, see :func:`neighbours`).

    Returns how many compare() calls ran.

    ``stop()`` is asked before each training: a newer request (or a page waiting for the
    CPU) ends the work early.
    """
    calls = 0
    for n in [settings.clamped(), *neighbours(settings, previous)]:
        for seed in n.seeds:
            if stop():
                return calls
            strategies = [
                st_ for st_ in fg.STRATEGIES if store.get(_run_key(st_, seed, n), n.steps) is None
            ]
            if strategies:
                _train(store, n, {seed: strategies})
                calls += 1
    return calls


class _Warmer:
    """One background thread that trains the neighbours of the latest settings shown.

    A learner reads the curve for a few seconds before moving a slider again; in that time
    the thread trains what one notch of any slider would need, so the next notch finds its
    runs kept. It waits whenever a page is training in the foreground, and it drops old work
    when newer settings arrive.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wanted: Settings | None = None
        self.shown: Settings | None = None  # the settings requested before ``wanted``
        self.previous: Settings | None = None
        self.thread: threading.Thread | None = None
        self.busy = 0  # pages training in the foreground

    def request(self, settings: Settings, store: _RunStore) -> None:
        with self.lock:
            if settings == self.shown:
                return  # a rerun of the same settings: the work is already asked for
            self.previous, self.shown = self.shown, settings
            self.wanted = settings
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self._work, args=(store,), name="forgetting-warmer", daemon=True
                )
                self.thread.start()

    def foreground(self):
        warmer = self

        class _Busy:
            def __enter__(self):
                with warmer.lock:
                    warmer.busy += 1

            def __exit__(self, *exc):
                with warmer.lock:
                    warmer.busy -= 1

        return _Busy()

    def _work(self, store: _RunStore) -> None:
        import time

        while True:
            with self.lock:
                current, self.wanted = self.wanted, None
                previous = self.previous
            if current is None:
                return

            def stop() -> bool:
                while self.busy:  # let the page train first
                    time.sleep(0.05)
                return self.wanted is not None

            warm_neighbours(current, store, stop=stop, previous=previous)


@st.cache_resource(show_spinner=False)
def _warmer() -> _Warmer:
    return _Warmer()


def warm(settings: Settings) -> None:
    """Start training, in the background, what the next slider notch would need."""
    _warmer().request(settings.clamped(), _store())


@st.cache_data(show_spinner=False, max_entries=64)
def _map_data(strategy: str, settings: Settings) -> view.MapData:
    return view.map_data(strategy, settings)


# --------------------------------------------------------------------------- the controls


def _widget_defaults() -> dict[str, object]:
    d = Settings()
    return {
        PREFIX + "steps": d.steps,
        PREFIX + "learning_rate": d.learning_rate,
        PREFIX + "replay_fraction": d.replay_fraction,
        PREFIX + "penalty": int(d.penalty),
        PREFIX + "rank": d.rank,
        PREFIX + "seed": d.seed,
    }


def _reset() -> None:
    for key, value in _widget_defaults().items():
        st.session_state[key] = value


def controls(w: Words) -> Settings:
    """The six training sliders, three to a row; returns their settings."""
    for key, value in _widget_defaults().items():
        st.session_state.setdefault(key, value)

    def slider(col, name: str, kind: str, key: str, **kwargs):
        widget = col.select_slider if kind == "select" else col.slider
        return widget(
            view.say(w, f"controls.{name}_label"),
            key=PREFIX + key,
            help=view.say(w, f"controls.{name}_help"),
            bind="query-params",
            disabled=locked(PREFIX + "sliders"),  # a teacher's lesson may lock them
            **kwargs,
        )

    with st.container(key=PREFIX + "sliders", gap="xsmall"):
        a, b, c = st.columns(3, gap="small")
        steps = slider(a, "steps", "slider", "steps", min_value=20, max_value=1000, step=10)
        lr = slider(b, "lr", "select", "learning_rate", options=view.LEARNING_RATES)
        seed = slider(c, "seed", "slider", "seed", min_value=0, max_value=99)
        a, b, c = st.columns(3, gap="small")
        replay = slider(
            a, "replay", "slider", "replay_fraction", min_value=0.0, max_value=0.9, step=0.05
        )
        penalty = slider(b, "penalty", "select", "penalty", options=view.PENALTIES)
        rank = slider(c, "rank", "slider", "rank", min_value=1, max_value=8)
    reset, again = st.columns(2, gap="small")
    reset.button(
        view.say(w, "controls.reset"),
        key=PREFIX + "reset",
        on_click=_reset,
        disabled=locked(PREFIX + "sliders"),
        help=view.say(w, "controls.reset_help"),
        icon=":material/restart_alt:",
        width="stretch",
    )
    if state().revealed:
        again.button(
            view.say(w, "predict.again"),
            key=PREFIX + "again",
            on_click=_hide,
            help=view.say(w, "predict.again_help"),
            icon=":material/replay:",
            width="stretch",
        )
    return Settings(
        steps=int(steps),
        learning_rate=float(lr),
        replay_fraction=float(replay),
        penalty=float(penalty),
        rank=int(rank),
        seed=int(seed),
    ).clamped()


def _reveal() -> None:
    guess = int(st.session_state.get(PREFIX + "guess", 50))
    _set_state(replace(state(), guess=guess, revealed=True))
    st.query_params[REVEAL_PARAM] = str(guess)


def _hide() -> None:
    st.session_state[PREFIX + "guess"] = state().guess
    _set_state(replace(state(), revealed=False))
    if REVEAL_PARAM in st.query_params:
        del st.query_params[REVEAL_PARAM]


def guess_box(w: Words) -> None:
    """The guess and the button that commits it (before the reveal)."""
    st.session_state.setdefault(PREFIX + "guess", state().guess)
    with st.container(border=True, key=PREFIX + "guessbox"):
        st.slider(
            view.say(w, "predict.label"),
            0,
            100,
            step=5,
            key=PREFIX + "guess",
            help=view.say(w, "predict.help"),
            format="%d%%",
        )
        st.button(
            view.say(w, "predict.button"),
            key=PREFIX + "reveal",
            type="secondary",  # white on the dark theme's light blue is 2.3:1 (axe)
            on_click=_reveal,
            help=view.say(w, "predict.button_help"),
            icon=":material/model_training:",
        )
        st.caption(view.say(w, "predict.hidden"))


def verdict_box(v: view.Verdict) -> None:
    """Full fine-tuning's result beside the guess, where the guess was: two lines."""
    with st.container(key=PREFIX + "verdict"):
        icon = ":material/check_circle: " if v.close else ""
        st.markdown(icon + v.headline)


def strategy_pills(w: Words) -> list[str]:
    """The lines to show: five choices in a pop-over, so the step card keeps its screen."""
    with st.popover(
        view.say(w, "controls.strategies_label"),
        icon=":material/stacked_line_chart:",
        help=view.say(w, "controls.strategies_help"),
        width="stretch",
    ):
        return _pills(w)


def _pills(w: Words) -> list[str]:
    current = st.session_state.get(STRATEGIES_KEY)
    if isinstance(current, list) and set(current) != set(fg.STRATEGIES):
        # The browser draws a pop-over's contents only once it is opened, and then shows
        # the pills as the address or their default say: a choice that is neither (one
        # restored from the workspace) is sent again on every run, so they show it.
        st.session_state[STRATEGIES_KEY] = list(current)
    picked = st.pills(
        view.say(w, "controls.strategies_label"),
        options=list(fg.STRATEGIES),
        selection_mode="multi",
        # Always the same default: a bound widget leaves its parameter out of the address
        # at its default, and the browser shows a pill pressed by the default it was sent
        # (a default that changed to None once a choice existed drew every pill
        # unpressed when the pop-over opened after a slider move).
        default=list(fg.STRATEGIES),
        format_func=lambda s: view.strategy_label(s, w),
        key=STRATEGIES_KEY,
        help=view.say(w, "controls.strategies_help"),
        bind="query-params",
        label_visibility="collapsed",
    )
    return [s for s in fg.STRATEGIES if s in (picked or [])]


def curve_chart(
    table: pd.DataFrame, summary: pd.DataFrame, strategies: list[str], w: Words
) -> None:
    shown = table[table["strategy"].isin(strategies)]
    with st.container(key=PREFIX + "curve"):
        chart(
            view.curve_figure(shown, summary, strategies, int(fg.DEFAULTS["pretrain_steps"]), w),
            key=PREFIX + "curve_chart",
            alt=view.curve_alt(summary, strategies, w),
            config={"displayModeBar": False},
        )


# --------------------------------------------------------------------------- the tabs


def map_controls(w: Words) -> tuple[str, int]:
    """Which strategy's map, at which moment: both bound to the URL."""
    left, right = st.columns([1, 1.4], gap="medium")
    with left:
        strategy = st.selectbox(
            view.say(w, "regions.strategy_label"),
            options=list(fg.STRATEGIES),
            format_func=lambda s: view.strategy_label(s, w),
            key=PREFIX + "map_strategy",
            help=view.say(w, "regions.strategy_help"),
            bind="query-params",
        )
    with right:
        names = view.moment_names(w)
        moment = st.select_slider(
            view.say(w, "regions.moment_label"),
            options=list(range(len(names))),
            value=len(names) - 1,
            format_func=names.__getitem__,
            key=PREFIX + "map_moment",
            help=view.say(w, "regions.moment_help"),
            bind="query-params",
        )
    return strategy, int(moment)


def regions(settings: Settings, table: pd.DataFrame, w: Words) -> None:
    strategy, moment = map_controls(w)
    data = _map_data(strategy, settings)
    with st.container(key=PREFIX + "map"):
        chart(
            view.regions_figure(data, moment, w),
            key=PREFIX + "map_chart",
            alt=view.regions_alt(data, moment, w),
        )
    st.caption(view.map_agreement(data, table, w))


def compare_tab(summary: pd.DataFrame, w: Words) -> None:
    first, second = view.rag_lines(summary, w)
    cols = st.columns(2)
    for col, line, colour in zip(cols, (first, second), ("normal", "off"), strict=True):
        col.metric(line.label, line.value, delta=line.delta, delta_color=colour, border=True)
    frame = view.comparison_table(summary, w)
    percent = [c for c in frame.columns[2:]]
    st.dataframe(
        frame,
        hide_index=True,
        column_config={c: st.column_config.NumberColumn(format="%.0f %%") for c in percent},
        key=PREFIX + "table",
    )
    st.caption(view.say(w, "curve.table_caption"))


def references(w: Words) -> None:
    """Published reference points, each with its source (content/forgetting_references.toml)."""
    data = load_toml("forgetting_references.toml")
    for ref in data["reference"]:
        with st.container(border=True):
            st.markdown(f"**{w(ref['title'])}**")
            st.markdown(w(ref["finding"]))
            st.markdown(f":material/school: {w(ref['lesson'])}")
            # Each source links to its entry on the References page.
            cite = refs.links(ref.get("refs", []))
            source = view.say(w, "world.source")
            st.caption(f"{source}: {ref['source']} ({ref['date']}). {cite}")
    with st.expander(view.say(w, "world.expander_biderman"), icon=":material/show_chart:"):
        b = data["biderman"]
        chart(
            view.biderman_figure(b, w),
            key=PREFIX + "biderman",
            alt=view.say(w, "world.biderman_alt"),
        )
        cite = refs.links(b.get("refs", []))
        source = view.say(w, "world.source")
        st.caption(f"{view.say(w, 'world.biderman_caption')} {source}: {b['source']}. {cite}")


def human_panel(page: Lesson, w: Words) -> None:
    """Ebbinghaus's savings data beside the exponential R = e^(−t/S), fitted here."""
    st.markdown(w(page.section("human").body))
    e = load_toml("forgetting_references.toml")["ebbinghaus"]
    chart(view.ebbinghaus_figure(e, w), key=PREFIX + "ebbinghaus", alt=view.say(w, "human.alt"))
    st.caption(view.say(w, "human.caption"))


# --------------------------------------------------------------------------- the stage


@st.fragment
def stage(page: Lesson) -> None:
    """The stage, rerun alone on every slider: the lesson left, the experiment right.

    Left: the page title, the step card and the lines to show. Right: the guess and its
    button; after the reveal, in the same place, the verdict and the forgetting curve; right
    under them the six training sliders that redraw it. All of it fits one 1280x720 screen;
    the map, the comparison, the published numbers, the human analogy and the same
    experiment in a real language model are in tabs below.
    """
    w = words()
    restore()
    lab = state()
    left, right = st.columns([4, 6], gap="medium")
    with left, st.container(gap="xsmall"):
        page_header(page)
        stepper(page)
        strategies = strategy_pills(w) if lab.revealed else list(fg.STRATEGIES)
    with right, st.container(gap="xsmall"):
        result_slot = st.container(gap="xsmall")
        settings = controls(w)
        with result_slot:
            if lab.revealed:
                table, summary = result(settings, lab, strategies, w)
            else:
                guess_box(w)
                if WARM_NEIGHBOURS:  # train while the learner guesses: the reveal finds it
                    warm(settings)

    # Lazy tabs: only the open one runs, so a slider does not redraw hidden charts.
    names = ("compare", "regions", "world", "human", "lm")
    tabs = dict(
        zip(
            names,
            st.tabs(
                [view.say(w, f"tabs.{n}") for n in names],
                key=TABS_KEY,
                on_change="rerun",
                bind="query-params",  # a shared link opens the same tab
            ),
            strict=True,
        )
    )
    if lab.revealed and not tabs["regions"].open:
        # Drawn while their tab is closed too (hidden; the map is not computed): Streamlit
        # drops a bound parameter from the address when its widget is not drawn.
        with tabs["regions"]:
            map_controls(w)
    for name, section in (("compare", "rag"), ("regions", "regions")):
        if tabs[name].open:
            with tabs[name]:
                st.caption(w(page.section(section).body))
                if not lab.revealed:
                    st.info(view.say(w, "predict.hidden"), icon=":material/visibility_off:")
                elif name == "compare":
                    compare_tab(summary, w)
                else:
                    regions(settings, table, w)
    if tabs["world"].open:
        with tabs["world"]:
            st.caption(w(page.section("world").body))
            references(w)
    if tabs["human"].open:
        with tabs["human"]:
            human_panel(page, w)
    if tabs["lm"].open:
        with tabs["lm"]:
            lm_panel.panel(w)
    # Saved once per run, and only when it changed (one transaction in the workspace).
    workspace.save(SAVED, _snapshot(settings, state()))


def result(
    settings: Settings, lab: LabState, strategies: list[str], w: Words
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The verdict and the forgetting curve (training first where nothing is cached).

    Training takes 0.3 s or more, so while it runs a line says so at once (st.spinner
    would wait 0.5 s before showing); the slot is always there, so nothing below moves
    when a run needs no training.
    """
    busy = st.empty()
    if missing_runs(settings):
        busy.caption(f":material/progress_activity: {view.say(w, 'controls.spinner')}")
    table = curves(settings)
    busy.empty()
    summary = view.summarise(table)
    verdict_box(view.verdict(summary, lab.guess, w))
    curve_chart(table, summary, strategies, w)
    if WARM_NEIGHBOURS:
        warm(settings)
    return table, summary
