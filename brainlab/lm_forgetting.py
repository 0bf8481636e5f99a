"""Forgetting in a real language model: the shipped curves, their chart, and a live rerun.

The experiment (scripts/train_adapter.py, ``forgetting()``): start from the shipped
specialist adapter of SmolLM2-135M-Instruct (it recalls the 20 library facts it was trained
on), fine-tune it on 10 new facts only, once alone ("naive") and once with half of every
batch taken from the old facts ("replay"), and ask the old and the new facts every few
steps. The result ships as ``assets/lm/forgetting.json``; :func:`load_record` reads it,
:func:`curve_figure` draws it, :func:`verdict_numbers` gives the page's numbers.

:func:`live_experiment` runs the same experiment for real (shorter: :data:`LIVE_STEPS`
steps) through :mod:`brainlab.lm_train`, reporting its progress as a fraction; it imports
the model's libraries only when called. Pure: no streamlit.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from brainlab import charts
from brainlab import forgetting_charts as fc

ROOT = Path(__file__).resolve().parent.parent
#: The precomputed experiment (scripts/train_adapter.py writes it).
RECORD_FILE = ROOT / "assets" / "lm" / "forgetting.json"
#: The adapter the experiment starts from.
START_ADAPTER = ROOT / "assets" / "lm" / "specialist"
#: The live rerun: fewer steps than the shipped 30 (each check asks 30 questions, which
#: is most of the time on a shared 2-core machine), the same check interval.
LIVE_STEPS = 15
LIVE_EVERY = 5
#: Tokens of an answer in the checks, as in scripts/train_adapter.py ("229 euros." needs 5).
CHECK_TOKENS = 8
#: Vertical gap (share of the panel) between two end labels of two lines each.
LABEL_GAP = 0.17
#: The two runs, in the order they are trained and drawn.
RUNS = ("naive", "replay")
#: The three lines: (run, which facts).
LINES = (("naive", "old"), ("replay", "old"), ("naive", "new"))
#: Colour, dash and marker of each line: the lab's own colours for full fine-tuning and
#: replay (brainlab/forgetting_charts.py), the specialist's orange for what is newly learned.
LINE_STYLE: dict[tuple[str, str], tuple[str, str, str]] = {
    ("naive", "old"): (fc.STRATEGY_COLOURS["naive"], "solid", "circle"),
    ("replay", "old"): (fc.STRATEGY_COLOURS["replay"], "dot", "square"),
    ("naive", "new"): (charts.PALETTE["specialist"], "dash", "triangle-up"),
}


@dataclass(frozen=True)
class Point:
    """One check: after ``step`` steps, the share of old and of new facts answered right."""

    step: int
    old: float
    new: float
    old_count: int
    new_count: int


@dataclass(frozen=True)
class Record:
    """One forgetting experiment: how it was run, and each run's checks in step order."""

    model: str
    date: str
    seed: int
    steps: int
    every: int
    batch_size: int
    learning_rate: float
    replay_share: float
    runs: dict[str, tuple[Point, ...]]
    wall_time_s: float
    examples: tuple[dict[str, str], ...] = ()
    live: bool = False

    def points(self, run: str) -> tuple[Point, ...]:
        return self.runs[run]

    @property
    def old_total(self) -> int:
        """How many old facts each check asks (read from the counts and fractions)."""
        return _total(self, "old")

    @property
    def new_total(self) -> int:
        return _total(self, "new")


def _total(record: Record, which: str) -> int:
    for points in record.runs.values():
        for p in points:
            fraction, count = getattr(p, which), getattr(p, f"{which}_count")
            if fraction > 0:
                return round(count / fraction)
    return 0


def parse_record(data: Mapping[str, Any], *, live: bool = False) -> Record:
    """A :class:`Record` from forgetting.json's layout.

    Raises
    ------
    ValueError
        When a field is missing or a run has no checks (the message names it).
    """
    try:
        runs = {}
        for run in RUNS:
            raw = data["runs"][run]["points"]
            points = tuple(
                Point(
                    step=int(p["step"]),
                    old=float(p["old"]),
                    new=float(p["new"]),
                    old_count=int(p["old_count"]),
                    new_count=int(p["new_count"]),
                )
                for p in raw
            )
            if not points:
                raise ValueError(f"run {run!r} has no checks")
            runs[run] = tuple(sorted(points, key=lambda p: p.step))
        return Record(
            model=str(data["model"]),
            date=str(data["date"]),
            seed=int(data["seed"]),
            steps=int(data["steps"]),
            every=int(data["every"]),
            batch_size=int(data["batch_size"]),
            learning_rate=float(data["learning_rate"]),
            replay_share=float(data["replay_share"]),
            runs=runs,
            wall_time_s=float(data["wall_time_s"]),
            examples=tuple(dict(e) for e in data.get("examples", ())),
            live=live,
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"the forgetting record lacks {exc}") from exc


def load_record(path: Path = RECORD_FILE) -> Record:
    """The shipped experiment (``assets/lm/forgetting.json``)."""
    return parse_record(json.loads(Path(path).read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- the numbers


@dataclass(frozen=True)
class Numbers:
    """What the verdict says: old facts at the start, at the end of each run, the lowest
    with replay (and when), and the new facts at the end of the run without replay."""

    start: float
    naive_end: float
    replay_end: float
    replay_low: float
    replay_low_step: int
    new_end: float
    steps: int


def verdict_numbers(record: Record) -> Numbers:
    naive, replay = record.points("naive"), record.points("replay")
    low = min(replay, key=lambda p: (p.old, p.step))
    return Numbers(
        start=naive[0].old,
        naive_end=naive[-1].old,
        replay_end=replay[-1].old,
        replay_low=low.old,
        replay_low_step=low.step,
        new_end=naive[-1].new,
        steps=naive[-1].step,
    )


def live_minutes(record: Record, steps: int = LIVE_STEPS, load_seconds: float = 20.0) -> int:
    """Whole minutes a live run of ``steps`` steps should take here, from the shipped run's
    wall time (checks and steps scale together), the model's load included."""
    share = steps / record.steps if record.steps else 1.0
    return max(1, math.ceil((record.wall_time_s * share + load_seconds) / 60))


# --------------------------------------------------------------------------- the chart


def curve_figure(
    *,
    record: Record,
    labels: Mapping[tuple[str, str], str],
    end_labels: Mapping[tuple[str, str], str],
    title: str,
    x_title: str,
    y_title: str,
    height: int = 360,
    text_scale: float = 1.0,
) -> go.Figure:
    """The three lines against fine-tuning step: old facts without and with replay, and the
    new facts; each with its own colour, dash and marker and its name and end value written
    at its end (no legend to decode).

    Parameters
    ----------
    record
        The experiment (shipped or live).
    labels
        Each line's full name (hover text), keyed like :data:`LINES`.
    end_labels
        The short names written at the lines' ends.
    title, x_title, y_title
        The finding, and the axes with their units.
    text_scale
        How much larger presenter mode will draw the text (the labels' margin grows).
    """
    traces = []
    ends: dict[tuple[str, str], float] = {}
    for line in LINES:
        run, which = line
        points = record.points(run)
        colour, dash, marker = LINE_STYLE[line]
        counts = [getattr(p, f"{which}_count") for p in points]
        total = record.old_total if which == "old" else record.new_total
        traces.append(
            go.Scatter(
                x=[p.step for p in points],
                y=[getattr(p, which) for p in points],
                customdata=[[c, total] for c in counts],
                name=labels[line],
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 3},
                marker={"symbol": marker, "size": 11, "color": colour},
                cliponaxis=False,  # the first and last markers sit on the axes' edges
                hovertemplate=(
                    f"{labels[line]}: %{{y:.0%}} (%{{customdata[0]}}/%{{customdata[1]}})"
                    "<extra></extra>"
                ),
            )
        )
        ends[line] = getattr(points[-1], which)
    # Two lines each (the name, then the value): a narrow right margin, so the lines keep
    # their width on a 400 px phone.
    names = {line: f"{end_labels[line]}<br>{ends[line]:.0%}" for line in LINES}
    longest = max(len(part) for n in names.values() for part in n.split("<br>"))
    right = int(min(max(8.5 * text_scale * longest + 16, 70), 260))
    spread = fc.spread_labels(
        {str(k): v for k, v in ends.items()}, gap=LABEL_GAP * text_scale, low=0.0, high=1.0
    )
    last = max(p.step for run in RUNS for p in record.points(run))
    annotations = [
        {
            "x": last,
            "y": spread[str(line)],
            "text": names[line],
            "showarrow": False,
            "xanchor": "left",
            "xshift": 10,
            "align": "left",
            "font": {"color": LINE_STYLE[line][0]},
        }
        for line in LINES
    ]
    fig = charts.new_figure(
        title=title,
        x_title=x_title,
        y_title=y_title,
        height=height,
        showlegend=False,
        hovermode="x unified",
        margin={"l": 64, "r": right, "t": 48, "b": 56},
        annotations=annotations,
    )
    fig.add_traces(traces)
    fig.update_yaxes(range=[-0.04, 1.06], tickformat=".0%")
    fig.update_xaxes(range=[0, last], dtick=10 if last > 10 else None, tickangle=0)
    return fc._readable(fig)


# --------------------------------------------------------------------------- the live run


def point(step: int, old: Any, new: Any) -> dict[str, Any]:
    """One checkpoint of the experiment as forgetting.json stores it: the old and the new
    facts' :class:`brainlab.lm_train.Score` at ``step`` (fractions to 6 decimals)."""
    return {
        "step": step,
        "old": round(old.fraction, 6),
        "new": round(new.fraction, 6),
        "old_count": old.count,
        "new_count": new.count,
    }


def live_experiment(
    progress: Callable[[float], None],
    *,
    steps: int = LIVE_STEPS,
    every: int = LIVE_EVERY,
    model: Any = None,
) -> dict[str, Any]:
    """Rerun the experiment for real, as scripts/train_adapter.py's ``forgetting()`` does
    (the same facts, seed, batch, learning rate and replay share), for ``steps`` steps.

    ``progress(fraction)`` is called while the model loads, after every training step and
    after every answer of a check (a job queue's progress raises there to cancel the run).
    The step-0 check of the replay run is the naive run's (the same adapter, greedy
    answers: the same result). Returns a dict in forgetting.json's layout, with the last
    check's answers to a few old facts (``examples``) and the wall time.
    """
    from brainlab import lm, lm_train

    began = time.perf_counter()
    facts = lm_train.load_facts()
    new_pairs = lm_train.training_pairs(facts.new_facts)
    old_pairs = lm_train.training_pairs(facts)
    checks = steps // every + 1
    # Units of work (about 4 s each here): a step is one, a check (30 short answers) ten,
    # loading the model five.
    load = 5 if model is None else 0
    total = load + 2 * steps + 10 * (2 * checks - 1)
    done = 0

    def advance(units: float) -> None:
        nonlocal done
        done += units
        progress(min(1.0, done / total))

    if model is None:
        loader = lm.lm_loader()
        loader.start()
        while not loader.wait(0.5):  # the load's own estimate, and a chance to cancel
            progress(load * loader.progress().fraction / total)
        model = loader.result()
        advance(load)
    start = lm.Adapter.read(START_ADAPTER)

    runs: dict[str, dict[str, Any]] = {}
    last_answers: dict[str, dict[str, str]] = {}
    for label, replay in (("naive", ()), ("replay", old_pairs)):
        points: list[dict[str, Any]] = []

        def check(step: int, name: str, points=points, label=label) -> None:
            if label == "replay" and step == 0:
                points.append(dict(runs["naive"]["points"][0]))
                return
            old = _ask(model, name, facts, "recall", advance)
            new = _ask(model, name, facts, "new", advance)
            points.append(point(step, old, new))
            last_answers[label] = {a.question: a.answer for a in old.answers}
            last_answers[label + "_ok"] = {a.question: str(a.ok) for a in old.answers}

        result = lm_train.train(
            model,
            new_pairs,
            steps=steps,
            seed=0,
            replay=replay,
            replay_share=0.5,
            start=start,
            progress=lambda step, total_steps, loss: advance(1),
            checkpoint=check,
            checkpoint_every=every,
        )
        runs[label] = {
            "points": points,
            "losses": [round(x, 6) for x in result.losses],
            "wall_time_s": round(result.seconds, 1),
        }
    return {
        "model": lm.MODEL_NAME,
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "seed": 0,
        "steps": steps,
        "every": every,
        "batch_size": lm_train.BATCH_SIZE,
        "learning_rate": lm_train.LEARNING_RATE,
        "replay_share": 0.5,
        "runs": runs,
        "examples": _examples(last_answers, facts),
        "wall_time_s": round(time.perf_counter() - began, 1),
    }


def _ask(model: Any, adapter: str, facts: Any, measure: str, advance: Callable) -> Any:
    """lm_train.evaluate's score of one measure, asked one fact at a time so the progress
    moves (and a cancel is seen) after every answer; each check's 30 answers are 10 units."""
    from dataclasses import replace

    from brainlab import lm_train

    field = "facts" if measure == "recall" else "new_facts"
    group = getattr(facts, field)
    answered: list[Any] = []
    for fact in group:
        one = replace(facts, **{field: (fact,)})
        score = lm_train.evaluate(
            model, adapter, one, measures=(measure,), max_new_tokens=CHECK_TOKENS
        ).measures[measure]
        answered.extend(score.answers)
        advance(10 * len(score.answers) / 30)
    return lm_train.Score(measure, sum(a.ok for a in answered), len(answered), tuple(answered))


def _examples(answers: Mapping[str, Mapping[str, str]], facts: Any, n: int = 3) -> list[dict]:
    """A few old facts the run without replay lost: the question, the right answer, and the
    last check's answers without and with replay (the model's own words)."""
    naive, replay = answers.get("naive", {}), answers.get("replay", {})
    naive_ok = answers.get("naive_ok", {})
    out = []
    for fact in facts.facts:
        q = fact.questions[0]
        if q in naive and q in replay and naive_ok.get(q) == "False":
            out.append(
                {"question": q, "truth": fact.answer, "naive": naive[q], "replay": replay[q]}
            )
        if len(out) == n:
            break
    return out


# --------------------------------------------------------------------------- in words


def _say(w: Any, key: str, **values: Any) -> str:
    from brainlab import forgetting_view as view

    return view.say(w, f"lm.{key}", **values)


def _lines_words(w: Any, suffix: str = "") -> dict[tuple[str, str], str]:
    names = {
        ("naive", "old"): "naive_old",
        ("replay", "old"): "replay_old",
        ("naive", "new"): "new",
    }
    return {line: _say(w, name + suffix) for line, name in names.items()}


def figure(record: Record, w: Any, *, text_scale: float = 1.0) -> go.Figure:
    """:func:`curve_figure` in the reader's words (``w``: a :class:`brainlab.words.Words`)."""
    n = verdict_numbers(record)
    return curve_figure(
        record=record,
        labels=_lines_words(w),
        end_labels=_lines_words(w, "_end"),
        title=_say(w, "title", naive_end=n.naive_end),
        x_title=_say(w, "x_axis"),
        y_title=_say(w, "y_axis"),
        text_scale=text_scale,
    )


def verdict(record: Record, w: Any) -> str:
    """The one-line verdict, every number read from ``record``."""
    n = verdict_numbers(record)
    return _say(
        w,
        "verdict",
        start=n.start,
        naive_end=n.naive_end,
        replay_end=n.replay_end,
        replay_low=n.replay_low,
        replay_low_step=n.replay_low_step,
        new_end=n.new_end,
    )


def alt(record: Record, w: Any) -> str:
    """The chart's text alternative: every check of every line."""

    def series(run: str, which: str) -> str:
        return ", ".join(f"{p.step}: {getattr(p, which):.0%}" for p in record.points(run))

    return _say(
        w,
        "alt",
        naive=series("naive", "old"),
        replay=series("replay", "old"),
        new=series("naive", "new"),
    )


def intro(record: Record, w: Any) -> str:
    return _say(w, "intro", model=record.model, old=record.old_total, new=record.new_total)


def scale(record: Record, w: Any) -> str:
    return _say(w, "scale", model=record.model)


def measured(record: Record, w: Any, *, shipped: Record | None = None) -> str:
    """How and when the curves were measured (the shipped file, or a live run just now)."""
    if record.live:
        return _say(
            w,
            "measured_live",
            seed=record.seed,
            steps=record.steps,
            shipped=shipped.steps if shipped else record.steps,
            batch=record.batch_size,
            every=record.every,
            seconds=record.wall_time_s,
        )
    return _say(
        w,
        "measured",
        date=record.date,
        seed=record.seed,
        steps=record.steps,
        batch=record.batch_size,
        lr=f"{record.learning_rate:g}",
        every=record.every,
        old=record.old_total,
        new=record.new_total,
        minutes=max(1, round(record.wall_time_s / 60)),
    )


def _code(text: str) -> str:
    """A model's words inside a Markdown code span (backticks in them cannot end it)."""
    return " ".join(str(text).replace("`", "'").split()) or "…"


def example_lines(record: Record, w: Any) -> list[str]:
    """The record's example answers (only a live run keeps them), one line each."""
    return [
        _say(
            w,
            "example",
            question=_code(e.get("question", "")),
            truth=_code(e.get("truth", "")),
            naive=_code(e.get("naive", "")),
            replay=_code(e.get("replay", "")),
        )
        for e in record.examples
    ]
