"""The "Which path?" scoring: six answers about a project in, a transparent recommendation out.

Every weight lives in ``content/decision.toml``: each answer adds points to (or takes points
from) the four paths, a path's score is the plain sum, and the highest score wins, ties going
to the simpler path. An answer may count only when another answer holds (``counts_when``):
examples, GPU budget and a high volume speak for training only when the project needs a
skill or style, because facts belong in a library whatever the budget. Nothing is hidden:
:class:`Recommendation` carries the score of every path, each answer's contribution (and
whether it counted), and one plain sentence for every answer that moved a score or was
not counted.

The lesson's own scenarios live in ``content/which_path_presets.toml`` with the path the
lesson says they need; the tests check the weights still give it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from brainlab.content import CONTENT_DIR, ContentError, Link, load_toml

#: The four paths, simplest first (the order that breaks ties).
PATHS: tuple[str, ...] = ("prompting", "rag", "fine_tune", "hybrid")

#: The six questions, in the order the page asks them.
QUESTIONS: tuple[str, ...] = (
    "knowledge_change",
    "need",
    "citations",
    "examples",
    "gpu_budget",
    "query_volume",
)

WEIGHTS_FILE = "decision.toml"
PRESETS_FILE = "which_path_presets.toml"


class AnswerError(ValueError):
    """An answer is missing, unknown, or names a question that does not exist.

    ``key`` is the question the problem is about.
    """

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key!r}: {message}")


@dataclass(frozen=True)
class Option:
    """One possible answer to a question, with the points it gives each path."""

    value: Any
    label: str
    points: dict[str, float]
    reason: str
    link: Link | None = None
    #: The answers under which these points count: question key -> accepted values.
    #: Empty: they always count.
    counts_when: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    #: The sentence shown when ``counts_when`` does not hold (why the points are skipped).
    skipped: str = ""
    #: The lab that shows why they are skipped (optional).
    skipped_link: Link | None = None

    @property
    def moves(self) -> bool:
        """Whether this answer moves any path's score (when it counts)."""
        return any(v != 0 for v in self.points.values())

    def counts(self, answers: dict[str, Any]) -> bool:
        """Whether this option's points count, given all the answers."""
        return all(
            any(type(answers.get(k)) is type(v) and answers.get(k) == v for v in allowed)
            for k, allowed in self.counts_when.items()
        )


@dataclass(frozen=True)
class Factor:
    """One question of the questionnaire and its possible answers."""

    key: str
    label: str
    help: str
    options: tuple[Option, ...]
    short: str = ""

    def option(self, value: Any) -> Option:
        """The option whose value is ``value`` (same type: ``1`` is not ``True``).

        Raises
        ------
        AnswerError
            Naming this question and the values it accepts.
        """
        for opt in self.options:
            if type(opt.value) is type(value) and opt.value == value:
                return opt
        allowed = ", ".join(repr(o.value) for o in self.options)
        raise AnswerError(self.key, f"unknown answer {value!r}; expected one of {allowed}")

    @property
    def values(self) -> tuple[Any, ...]:
        """The accepted values, in the order the page shows them."""
        return tuple(o.value for o in self.options)


@dataclass(frozen=True)
class Weights:
    """Everything in ``content/decision.toml``: the questions, their points, the labels."""

    paths: tuple[str, ...]
    factors: tuple[Factor, ...]
    close_call: float
    path_labels: dict[str, str]
    path_summaries: dict[str, str]
    path_short: dict[str, str] = field(default_factory=dict)

    def factor(self, key: str) -> Factor:
        """The question with this key."""
        for f in self.factors:
            if f.key == key:
                return f
        raise AnswerError(key, "no such question")

    def table(self) -> pd.DataFrame:
        """Every weight as a long table: question, answer, the points of each path, and
        ``only_if``: the condition under which they count ("" when they always do), as
        ``{{term}}`` text such as "Must gain: A skill or style / Both"."""
        rows = [
            {
                "question": f.short,
                "answer": o.label,
                **{p: o.points[p] for p in self.paths},
                "only_if": self.condition(o),
            }
            for f in self.factors
            for o in f.options
        ]
        return pd.DataFrame(rows, columns=["question", "answer", *self.paths, "only_if"])

    def condition(self, option: Option) -> str:
        """``option.counts_when`` in the questions' own words ("" when it always counts)."""
        parts = []
        for key, allowed in option.counts_when.items():
            factor = self.factor(key)
            labels = " / ".join(factor.option(v).label for v in allowed)
            parts.append(f"{factor.short}: {labels}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Reason:
    """Why one answer moved the scores (or why its points were not counted): a plain
    sentence and, where one exists, a lab link. ``points`` are the points that counted
    (all 0 when ``counted`` is false)."""

    factor: str
    text: str
    link: Link | None
    points: dict[str, float]
    counted: bool = True


@dataclass(frozen=True)
class Recommendation:
    """The result of :func:`recommend`.

    Attributes
    ----------
    path
        The recommended path, one of :data:`PATHS`.
    scores
        Every path's total score (the sum of its column in :attr:`contributions`).
    reasons
        One plain sentence (with ``{{term}}`` placeholders) for every answer that moved a
        score, and for every answer whose points were not counted (its ``skipped`` text).
    details
        The same reasons with their lab links, the points each answer gave, and whether
        they counted.
    contributions
        One row per question (index: the question key) with columns ``question`` (its
        short name), ``answer`` (the chosen option's label), one column of points per path
        (0 where the answer did not count) and ``counted``.
    runner_up
        The second-best path.
    margin
        How many points the recommendation leads the runner-up by (0 for a tie).
    close_call
        Whether the lead is smaller than the threshold in ``content/decision.toml``.
    """

    path: str
    scores: dict[str, float]
    reasons: list[str]
    details: tuple[Reason, ...]
    contributions: pd.DataFrame
    runner_up: str
    margin: float
    close_call: bool

    def ranking(self) -> list[str]:
        """The paths best first (ties in the simple-first order)."""
        return sorted(self.scores, key=lambda p: (-self.scores[p], PATHS.index(p)))


@dataclass(frozen=True)
class Preset:
    """A lesson scenario as a full set of answers, with the path the lesson expects."""

    id: str
    label: str
    icon: str
    description: str
    expect: str
    answers: dict[str, Any]
    cost_preset: str = ""
    default: bool = False


# --------------------------------------------------------------------------- loading


def _number(value: Any, where: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ContentError(path, f"{where} must be a finite number, not {value!r}")
    return float(value)


def _parse_option(raw: Any, paths: tuple[str, ...], where: str, path: Path) -> Option:
    if not isinstance(raw, dict):
        raise ContentError(path, f"{where} must be a table")
    for key in ("value", "label", "reason"):
        if key not in raw or (isinstance(raw[key], str) and not raw[key].strip()):
            raise ContentError(path, f"{where} needs a {key!r}")
    points_raw = raw.get("points", {})
    if not isinstance(points_raw, dict):
        raise ContentError(path, f"{where}.points must be a table")
    unknown = sorted(set(points_raw) - set(paths))
    if unknown:
        raise ContentError(path, f"{where}.points names unknown paths {unknown}")
    points = {p: _number(points_raw.get(p, 0), f"{where}.points.{p}", path) for p in paths}
    when_raw = raw.get("counts_when", {})
    if not isinstance(when_raw, dict) or any(
        not isinstance(v, list) or not v for v in when_raw.values()
    ):
        raise ContentError(path, f"{where}.counts_when must map questions to lists of answers")
    counts_when = {str(k): tuple(v) for k, v in when_raw.items()}
    skipped = str(raw.get("skipped", ""))
    if counts_when and not skipped.strip():
        raise ContentError(path, f"{where} has counts_when, so it needs a 'skipped' sentence")
    return Option(
        raw["value"],
        str(raw["label"]),
        points,
        str(raw["reason"]),
        _parse_link(raw, "link", where, path),
        counts_when,
        skipped,
        _parse_link(raw, "skipped_link", where, path),
    )


def _parse_link(raw: dict[str, Any], key: str, where: str, path: Path) -> Link | None:
    if key not in raw:
        return None
    lk = raw[key]
    if not isinstance(lk, dict) or not lk.get("page") or not lk.get("label"):
        raise ContentError(path, f"{where}.{key} needs a 'page' and a 'label'")
    return Link(str(lk["page"]), str(lk["label"]), str(lk.get("help", "")))


def _check_conditions(factors: list[Factor], path: Path) -> None:
    """Every ``counts_when`` names another question and answers that question accepts."""
    by_key = {f.key: f for f in factors}
    for factor in factors:
        for opt in factor.options:
            for key, allowed in opt.counts_when.items():
                where = f"{factor.key} = {opt.value!r}: counts_when"
                if key not in by_key or key == factor.key:
                    raise ContentError(path, f"{where} names {key!r}, not another question")
                for value in allowed:
                    try:
                        by_key[key].option(value)
                    except AnswerError:
                        raise ContentError(
                            path, f"{where} {key!r} has no answer {value!r}"
                        ) from None


def load_weights(root: Path = CONTENT_DIR) -> Weights:
    """Read and check ``content/decision.toml``.

    Raises
    ------
    ContentError
        Naming the file, when a path, question, option or number is missing or malformed.
    """
    path = root / WEIGHTS_FILE
    data = load_toml(WEIGHTS_FILE, root)
    paths = tuple(data.get("paths", ()))
    if sorted(paths) != sorted(PATHS):
        raise ContentError(path, f"'paths' must list exactly {list(PATHS)}")
    labels = data.get("path_labels", {})
    summaries = data.get("path_summaries", {})
    for name, table in (("path_labels", labels), ("path_summaries", summaries)):
        missing = [p for p in paths if not str(table.get(p, "")).strip()]
        if missing:
            raise ContentError(path, f"[{name}] is missing {', '.join(missing)}")
    factors = []
    for i, raw in enumerate(data.get("factors", [])):
        where = f"factors[{i}]"
        if not isinstance(raw, dict) or not raw.get("key") or not raw.get("label"):
            raise ContentError(path, f"{where} needs a 'key' and a 'label'")
        options = tuple(
            _parse_option(o, paths, f"{where} ({raw['key']}).options[{j}]", path)
            for j, o in enumerate(raw.get("options", []))
        )
        if len(options) < 2:
            raise ContentError(path, f"{where} ({raw['key']}) needs at least two options")
        values = [(type(o.value), o.value) for o in options]
        if len(set(values)) != len(values):
            raise ContentError(path, f"{where} ({raw['key']}) repeats an option value")
        factors.append(
            Factor(
                key=str(raw["key"]),
                label=str(raw["label"]),
                help=str(raw.get("help", "")),
                options=options,
                short=str(raw.get("short", raw["label"])),
            )
        )
    keys = tuple(f.key for f in factors)
    if keys != QUESTIONS:
        raise ContentError(
            path, f"the questions must be {list(QUESTIONS)} in order, not {list(keys)}"
        )
    _check_conditions(factors, path)
    close = _number(data.get("close_call", 0), "close_call", path)
    short = data.get("path_short", {})
    return Weights(
        paths,
        tuple(factors),
        close,
        dict(labels),
        dict(summaries),
        {p: str(short.get(p) or labels[p]) for p in paths},
    )


def load_presets(root: Path = CONTENT_DIR) -> tuple[Preset, ...]:
    """The lesson's scenarios from ``content/which_path_presets.toml``, each checked.

    Raises
    ------
    ContentError
        Naming the file, when a preset lacks a field or an answer is not a valid one.
    """
    path = root / PRESETS_FILE
    data = load_toml(PRESETS_FILE, root)
    weights = load_weights(root)
    presets = []
    for i, raw in enumerate(data.get("presets", [])):
        missing = [k for k in ("id", "label", "expect", "answers") if not raw.get(k)]
        if missing:
            raise ContentError(path, f"presets[{i}] is missing {', '.join(missing)}")
        if raw["expect"] not in PATHS:
            raise ContentError(path, f"presets[{i}].expect must be one of {list(PATHS)}")
        try:
            check_answers(raw["answers"], weights)
        except AnswerError as exc:
            raise ContentError(path, f"presets[{i}] ({raw['id']}): {exc}") from None
        presets.append(
            Preset(
                id=str(raw["id"]),
                label=str(raw["label"]),
                icon=str(raw.get("icon", "")),
                description=str(raw.get("description", "")),
                expect=str(raw["expect"]),
                answers=dict(raw["answers"]),
                cost_preset=str(raw.get("cost_preset", "")),
                default=bool(raw.get("default", False)),
            )
        )
    if not presets:
        raise ContentError(path, "needs at least one [[presets]] entry")
    ids = [p.id for p in presets]
    if len(set(ids)) != len(ids):
        raise ContentError(path, "two presets share an id")
    return tuple(presets)


def default_preset(presets: tuple[Preset, ...] | None = None) -> Preset:
    """The preset marked ``default = true`` (else the first): the page starts from it."""
    presets = load_presets() if presets is None else presets
    return next((p for p in presets if p.default), presets[0])


# --------------------------------------------------------------------------- scoring


def check_answers(answers: Any, weights: Weights | None = None) -> dict[str, Option]:
    """Match every answer to its option, or say plainly which one is wrong.

    Raises
    ------
    AnswerError
        Naming the key: a question with no answer, an answer no option has, or a key that
        is not one of :data:`QUESTIONS`.
    """
    weights = load_weights() if weights is None else weights
    if not isinstance(answers, dict):
        raise AnswerError("answers", f"must be a dict of the six answers, not {type(answers)}")
    extra = sorted(set(answers) - set(QUESTIONS), key=str)
    if extra:
        raise AnswerError(str(extra[0]), f"is not a question; the questions are {list(QUESTIONS)}")
    chosen = {}
    for factor in weights.factors:
        if factor.key not in answers or answers[factor.key] is None:
            allowed = ", ".join(repr(v) for v in factor.values)
            raise AnswerError(factor.key, f"has no answer; expected one of {allowed}")
        chosen[factor.key] = factor.option(answers[factor.key])
    return chosen


def recommend(answers: dict[str, Any], weights: Weights | None = None) -> Recommendation:
    """Score the four paths for a project and recommend one, showing all the working.

    Parameters
    ----------
    answers
        One answer for each of :data:`QUESTIONS`: ``knowledge_change`` in "daily",
        "monthly", "yearly", "rarely"; ``need`` in "facts", "behaviour", "both";
        ``citations`` True or False; ``examples`` in "none", "hundreds", "thousands";
        ``gpu_budget`` in "none", "some", "plenty"; ``query_volume`` in "low", "medium",
        "high".
    weights
        The points to use; by default those in ``content/decision.toml``.

    Returns
    -------
    Recommendation
        The best path, every path's score, the contribution of each answer, and a reason
        for every answer that moved a score.

    Raises
    ------
    AnswerError
        When an answer is missing or unknown, naming its key.
    """
    weights = load_weights() if weights is None else weights
    chosen = check_answers(answers, weights)
    rows, details = [], []
    for factor in weights.factors:
        opt = chosen[factor.key]
        counted = opt.counts(answers)
        points = dict(opt.points) if counted else dict.fromkeys(weights.paths, 0.0)
        rows.append(
            {
                "key": factor.key,
                "question": factor.short,
                "answer": opt.label,
                **{p: points[p] for p in weights.paths},
                "counted": counted,
            }
        )
        if not opt.moves:
            continue
        if counted:
            details.append(Reason(factor.key, opt.reason, opt.link, points))
        else:
            details.append(Reason(factor.key, opt.skipped, opt.skipped_link, points, counted=False))
    table = pd.DataFrame(rows).set_index("key")
    scores = {p: float(table[p].sum()) for p in PATHS}
    order = sorted(PATHS, key=lambda p: (-scores[p], weights.paths.index(p)))
    best, second = order[0], order[1]
    margin = scores[best] - scores[second]
    return Recommendation(
        path=best,
        scores=scores,
        reasons=[d.text for d in details],
        details=tuple(details),
        contributions=table,
        runner_up=second,
        margin=margin,
        close_call=margin < weights.close_call,
    )


def matching_preset(answers: dict[str, Any], presets: tuple[Preset, ...]) -> tuple[Preset, int]:
    """The preset whose answers agree with ``answers`` on the most questions.

    Returns the preset and how many of the six answers differ from it (0: an exact match).
    Ties go to the preset listed first.
    """

    def differences(preset: Preset) -> int:
        return sum(
            not (type(answers.get(k)) is type(v) and answers.get(k) == v)
            for k, v in preset.answers.items()
        )

    best = min(presets, key=differences)
    return best, differences(best)
