"""The cost model of the cost lab: assumptions, validation, monthly costs, break-even.

Four strategies answer the same stream of questions:

- ``prompt_only``: the base model, nothing added;
- ``rag``: the base model with retrieved passages in every prompt (a vector index to pay for);
- ``fine_tune``: a fine-tuned model, retrained now and then to learn new facts;
- ``hybrid``: a fine-tuned model that also gets retrieved passages.

Month 0 holds one-off costs; months 1..``months`` each hold the monthly costs. The formulas
are the minimum model of issue 5, exactly; the two extra inputs (GPU hours per training run
and the GPU's hourly price) add to the training cost and default to zero GPU hours, so the
minimum model's numbers stand.

The defaults and their sources live in ``content/cost_assumptions.toml``; scenario presets in
``content/cost_presets.toml``. Nothing here imports streamlit.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from brainlab.content import CONTENT_DIR, ContentError, load_toml

#: The strategies, in the order charts and tables show them.
STRATEGIES: tuple[str, ...] = ("prompt_only", "rag", "fine_tune", "hybrid")

#: Columns of the assumptions table.
COLUMNS: tuple[str, ...] = ("key", "group", "label", "value", "unit", "min", "max", "source")

#: Cost components, in stacking order. One-off components live in month 0 only.
ONE_OFF_COMPONENTS: tuple[str, ...] = ("indexing", "rag_setup", "training", "ft_setup")
MONTHLY_COMPONENTS: tuple[str, ...] = (
    "generation",
    "query_embedding",
    "vector_db",
    "reembedding",
    "hosting",
    "retraining",
)
#: Costs of an event: the base model's retirement (every ``base_model_lifetime`` months).
EVENT_COMPONENTS: tuple[str, ...] = ("migration",)
COMPONENTS: tuple[str, ...] = ONE_OFF_COMPONENTS + MONTHLY_COMPONENTS + EVENT_COMPONENTS

#: Which components each strategy has.
STRATEGY_COMPONENTS: dict[str, tuple[str, ...]] = {
    "prompt_only": ("generation", "migration"),
    "rag": (
        "indexing",
        "rag_setup",
        "generation",
        "query_embedding",
        "vector_db",
        "reembedding",
        "migration",
    ),
    "fine_tune": ("training", "ft_setup", "generation", "hosting", "retraining", "migration"),
}
# The hybrid pays both bills: every part of RAG and of fine-tuning, in stacking order.
STRATEGY_COMPONENTS["hybrid"] = tuple(
    c
    for c in COMPONENTS
    if c in STRATEGY_COMPONENTS["rag"] or c in STRATEGY_COMPONENTS["fine_tune"]
)

#: Tokens in a "1M tokens" price.
MILLION = 1_000_000.0

#: Largest CSV accepted on import (bytes): the table is ~30 rows, so this is generous.
MAX_CSV_BYTES = 200_000

#: Characters that make a spreadsheet treat a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

ASSUMPTIONS_FILE = "cost_assumptions.toml"
PRESETS_FILE = "cost_presets.toml"

Assumptions = pd.DataFrame | Mapping[str, float]


# --------------------------------------------------------------------------- the schema


@dataclass(frozen=True)
class Spec:
    """One assumption's definition: its default, range and source (from content/)."""

    key: str
    group: str
    label: str
    value: float
    unit: str
    min: float
    max: float
    source: str
    help: str = ""
    integer: bool = False


@dataclass(frozen=True)
class Preset:
    """A named scenario: overrides of some default values, each with its source."""

    name: str
    title: str
    description: str
    values: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


def specs() -> dict[str, Spec]:
    """Every assumption's definition by key, in table order, from content/.

    Raises
    ------
    ContentError
        When the file is missing a field or a default lies outside its own range.
    """
    path = CONTENT_DIR / ASSUMPTIONS_FILE
    rows = load_toml(ASSUMPTIONS_FILE).get("assumptions", [])
    out: dict[str, Spec] = {}
    for i, raw in enumerate(rows):
        missing = [c for c in COLUMNS if c not in raw]
        if missing:
            raise ContentError(path, f"assumptions[{i}] is missing {', '.join(missing)}")
        spec = Spec(
            key=str(raw["key"]),
            group=str(raw["group"]),
            label=str(raw["label"]),
            value=float(raw["value"]),
            unit=str(raw["unit"]),
            min=float(raw["min"]),
            max=float(raw["max"]),
            source=str(raw["source"]),
            help=str(raw.get("help", "")),
            integer=bool(raw.get("integer", False)),
        )
        if not spec.min <= spec.value <= spec.max:
            raise ContentError(path, f"default of {spec.key!r} is outside [{spec.min}, {spec.max}]")
        out[spec.key] = spec
    required = set(REQUIRED_KEYS) - set(out)
    if required:
        raise ContentError(path, f"missing required keys: {', '.join(sorted(required))}")
    return out


#: The keys the cost model reads (issue 5's list plus the two GPU-hour extras).
REQUIRED_KEYS: tuple[str, ...] = (
    "queries_per_month",
    "months",
    "prompt_tokens",
    "output_tokens",
    "top_k",
    "chunk_tokens",
    "base_input_price",
    "base_output_price",
    "ft_input_price",
    "ft_output_price",
    "embedding_price",
    "corpus_tokens",
    "corpus_update_fraction",
    "vector_db_monthly",
    "rag_setup_cost",
    "training_tokens",
    "epochs",
    "training_price",
    "ft_setup_cost",
    "ft_hosting_monthly",
    "retrains_per_year",
    "hybrid_retrains_per_year",
    "gpu_hours_per_training",
    "gpu_hour_price",
)


def default_assumptions() -> pd.DataFrame:
    """The assumptions table with its shipped defaults, one row per assumption.

    Returns
    -------
    pandas.DataFrame
        Columns ``key, group, label, value, unit, min, max, source`` in table order.
        ``value``, ``min`` and ``max`` are floats.
    """
    rows = [{c: getattr(s, c) for c in COLUMNS} for s in specs().values()]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def load_presets() -> dict[str, Preset]:
    """The scenario presets from ``content/cost_presets.toml``, by name, in file order.

    Raises
    ------
    ContentError
        When a preset overrides an unknown key or gives a non-numeric value.
    """
    path = CONTENT_DIR / PRESETS_FILE
    known = specs()
    out: dict[str, Preset] = {}
    for name, raw in load_toml(PRESETS_FILE).get("presets", {}).items():
        values = dict(raw.get("values", {}))
        for key, value in values.items():
            if key not in known:
                raise ContentError(path, f"preset {name!r} sets unknown key {key!r}")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ContentError(path, f"preset {name!r}: {key} must be a number")
        out[name] = Preset(
            name=name,
            title=str(raw.get("title", name)),
            description=str(raw.get("description", "")),
            values={k: float(v) for k, v in values.items()},
            sources={str(k): str(v) for k, v in raw.get("sources", {}).items()},
        )
    return out


def apply_preset(assumptions: pd.DataFrame, name: str) -> pd.DataFrame:
    """A copy of ``assumptions`` with preset ``name``'s values (and their sources) put in.

    Rows the preset does not mention keep their values. To start a scenario from scratch,
    pass :func:`default_assumptions`.

    Raises
    ------
    KeyError
        If there is no preset called ``name``.
    """
    presets = load_presets()
    if name not in presets:
        raise KeyError(f"no cost preset {name!r}; presets: {', '.join(presets)}")
    preset = presets[name]
    out = assumptions.copy()
    for key, value in preset.values.items():
        mask = out["key"] == key
        out.loc[mask, "value"] = value
        source = preset.sources.get(key) or _say("preset_source", title=preset.title)
        out.loc[mask, "source"] = source
    return out


# --------------------------------------------------------------------------- validation


def _as_number(value: Any) -> float | None:
    """``value`` as a float, or None when it is not a number (bools are not numbers)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        try:
            return float(text)
        except ValueError:
            return None
    return None


#: The lab's words; its messages are under ``[errors]`` (read at call time, in the reader's
#: language).
WORDS_FILE = "cost_words.toml"


def _say(message: str, /, **values: Any) -> str:
    """The message ``[errors] <message>`` of content/cost_words.toml, ``{name}`` values put in."""
    return str(load_toml(WORDS_FILE)["errors"][message]).format(**values)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:,.6g}"


def validate(assumptions: Any) -> list[str]:
    """Every problem with an assumptions table, as sentences that name the row.

    Checks: the table has ``key`` and ``value`` columns; every key is known and appears
    once; no required key is missing; every value is present, a finite number, not
    negative, inside its allowed range (taken from content/, never from the table, so an
    edited ``min``/``max`` cannot widen it) and whole where it must be.

    Parameters
    ----------
    assumptions
        A table like :func:`default_assumptions`, or a mapping key -> value.

    Returns
    -------
    list of str
        Empty when the table is valid.
    """
    return [message for _key, message in _row_problems(assumptions)]


def _row_problems(
    assumptions: Any, known: Mapping[str, Spec] | None = None
) -> list[tuple[str | None, str]]:
    """:func:`validate`'s problems, each with the key of the row it is about (or ``None``)."""
    known = specs() if known is None else known
    if isinstance(assumptions, Mapping):
        assumptions = pd.DataFrame({"key": list(assumptions), "value": list(assumptions.values())})
    if not isinstance(assumptions, pd.DataFrame):
        return [(None, _say("not_a_table"))]
    missing_cols = [c for c in ("key", "value") if c not in assumptions.columns]
    if missing_cols:
        return [(None, _say("no_column", columns=", ".join(missing_cols)))]

    problems: list[tuple[str | None, str]] = []
    seen: set[str] = set()
    for position, (key, raw) in enumerate(
        zip(assumptions["key"], assumptions["value"], strict=True), start=1
    ):
        if not isinstance(key, str) or key not in known:
            problems.append((None, _say("unknown_key", row=position, key=repr(str(key)))))
            continue
        spec = known[key]
        name = _say("row_name", row=position, label=spec.label, key=key)
        if key in seen:
            problems.append((key, _say("duplicate", name=name)))
            continue
        seen.add(key)
        if raw is None or (isinstance(raw, float) and math.isnan(raw)) or raw is pd.NA:
            problems.append((key, _say("missing_value", name=name)))
            continue
        if isinstance(raw, str) and not raw.strip():
            problems.append((key, _say("missing_value", name=name)))
            continue
        value = _as_number(raw)
        if value is None:
            problems.append((key, _say("not_a_number", name=name, value=repr(str(raw)[:40]))))
            continue
        if math.isnan(value):
            problems.append((key, _say("missing_value", name=name)))
        elif not math.isfinite(value):
            problems.append((key, _say("not_finite", name=name)))
        elif value < 0:
            problems.append((key, _say("negative", name=name, value=_fmt(value))))
        elif value < spec.min:
            problems.append(
                (key, _say("below_min", name=name, value=_fmt(value), min=_fmt(spec.min)))
            )
        elif value > spec.max:
            problems.append(
                (key, _say("above_max", name=name, value=_fmt(value), max=_fmt(spec.max)))
            )
        elif spec.integer and not value.is_integer():
            problems.append((key, _say("not_whole", name=name, value=_fmt(value))))
    for key in known:
        if key not in seen and key in REQUIRED_KEYS:
            problems.append((key, _say("missing_row", label=known[key].label, key=key)))
    return problems


def params(assumptions: Assumptions) -> dict[str, float]:
    """The assumptions as a plain ``{key: float}`` dict, after validation.

    Raises
    ------
    ValueError
        Listing every problem :func:`validate` found: the model never runs on bad input.
    """
    problems = validate(assumptions)
    if problems:
        raise ValueError("Invalid cost assumptions:\n" + "\n".join(problems))
    if isinstance(assumptions, Mapping):
        return {k: float(_as_number(v)) for k, v in assumptions.items()}  # type: ignore[arg-type]
    return {
        str(k): float(_as_number(v))  # type: ignore[arg-type]
        for k, v in zip(assumptions["key"], assumptions["value"], strict=True)
    }


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Breakdown:
    """One strategy's costs split into one-off, fixed monthly and per-question parts.

    Every total is linear in the monthly volume Q: ``one_off + months * (fixed + Q * per_query)``.
    ``one_off`` and ``monthly`` hold each component's cost (monthly at this volume).
    """

    one_off: dict[str, float]
    monthly: dict[str, float]
    fixed_monthly: float
    per_query: float
    #: What one retirement of the base model costs this strategy (see :func:`retirements`).
    migration: float = 0.0

    @property
    def one_off_total(self) -> float:
        return sum(self.one_off.values())

    @property
    def monthly_total(self) -> float:
        return sum(self.monthly.values())


def _training_run(p: Mapping[str, float]) -> float:
    """Cost of one training run: billed tokens, plus rented GPU time (zero by default)."""
    tokens = p["training_tokens"] * p["epochs"] * p["training_price"] / MILLION
    return tokens + p.get("gpu_hours_per_training", 0.0) * p.get("gpu_hour_price", 0.0)


def retirement_months(p: Mapping[str, float], months: float | None = None) -> list[int]:
    """The months in which the base model is retired within ``months`` (the horizon by
    default): every ``base_model_lifetime`` months, none when it is 0.

    Each retirement is an event: a fine-tuned model dies with its base model, so it is
    collected, trained and evaluated again on the successor; a RAG index carries over and
    only the evaluation is run again (:func:`breakdown`, ``migration``).
    """
    life = int(p.get("base_model_lifetime", 0.0))
    horizon = int(p["months"] if months is None else months)
    return list(range(life, horizon + 1, life)) if life > 0 else []


def retirements(p: Mapping[str, float], months: np.ndarray | float | None = None) -> np.ndarray:
    """How many base-model retirements happened by the end of each month in ``months``."""
    life = int(p.get("base_model_lifetime", 0.0))
    at = np.asarray(p["months"] if months is None else months, dtype=float)
    return np.floor(at / life) if life > 0 else np.zeros_like(at)


def index_gigabytes(p: Mapping[str, float]) -> float:
    """Size of the vector index: one vector (with its metadata) per chunk of the library."""
    chunks = math.ceil(p["corpus_tokens"] / p["chunk_tokens"]) if p["chunk_tokens"] else 0
    return chunks * p.get("vector_bytes", 0.0) / 1e9


def vector_db_monthly(p: Mapping[str, float]) -> float:
    """The vector store's monthly bill: the plan's price, plus storage beyond what the plan
    includes, so the bill grows with the library."""
    extra = max(0.0, index_gigabytes(p) - p.get("vector_db_included_gb", 0.0))
    return p["vector_db_monthly"] + extra * p.get("vector_db_per_gb", 0.0)


def breakdown(p: Mapping[str, float]) -> dict[str, Breakdown]:
    """Each strategy's cost components from a validated parameter dict (see :func:`params`).

    The minimum model of issue 5, term by term, plus: data refresh and evaluation with every
    retraining; instructions a fine-tuned model no longer needs in its prompt; a vector
    store whose bill grows with the library; and the base model's retirement as an event.
    """
    q = p["queries_per_month"]
    rag_in = p["prompt_tokens"] + p["top_k"] * p["chunk_tokens"]
    # A fine-tuned model has learned the instructions and examples: its prompt is shorter.
    ft_in = max(0.0, p["prompt_tokens"] - p.get("ft_prompt_tokens_saved", 0.0))
    ft_rag_in = ft_in + p["top_k"] * p["chunk_tokens"]
    train = _training_run(p)
    embed_per_query = p["prompt_tokens"] * p["embedding_price"] / MILLION
    reembed = p["corpus_tokens"] * p["corpus_update_fraction"] * p["embedding_price"] / MILLION
    indexing = p["corpus_tokens"] * p["embedding_price"] / MILLION

    gen_per_query = {
        "prompt_only": (
            p["prompt_tokens"] * p["base_input_price"] + p["output_tokens"] * p["base_output_price"]
        )
        / MILLION,
        "rag": (rag_in * p["base_input_price"] + p["output_tokens"] * p["base_output_price"])
        / MILLION,
        "fine_tune": (ft_in * p["ft_input_price"] + p["output_tokens"] * p["ft_output_price"])
        / MILLION,
        "hybrid": (ft_rag_in * p["ft_input_price"] + p["output_tokens"] * p["ft_output_price"])
        / MILLION,
    }
    rag_fixed = {"vector_db": vector_db_monthly(p), "reembedding": reembed}
    evaluation = p.get("migration_eval_cost", 0.0)
    # On a retirement, everyone re-runs the evaluation on the successor model; a fine-tune
    # also collects and prepares its data again and is trained again (it dies with its base).
    refit = p["ft_setup_cost"] + train
    out: dict[str, Breakdown] = {}
    for strategy in STRATEGIES:
        one_off: dict[str, float] = {}
        fixed: dict[str, float] = {}
        per_query = gen_per_query[strategy]
        uses_rag = strategy in ("rag", "hybrid")
        uses_ft = strategy in ("fine_tune", "hybrid")
        if uses_rag:
            one_off |= {"indexing": indexing, "rag_setup": p["rag_setup_cost"]}
            per_query += embed_per_query
            fixed |= rag_fixed
        if uses_ft:
            one_off |= {"training": train, "ft_setup": p["ft_setup_cost"]}
            retrains = p[
                "retrains_per_year" if strategy == "fine_tune" else "hybrid_retrains_per_year"
            ]
            fixed |= {
                "hosting": p["ft_hosting_monthly"],
                "retraining": retrains / 12.0 * (train + p.get("retrain_prep_cost", 0.0)),
            }
        monthly = {"generation": q * gen_per_query[strategy]}
        if uses_rag:
            monthly["query_embedding"] = q * embed_per_query
        monthly |= fixed
        out[strategy] = Breakdown(
            one_off=one_off,
            monthly={c: monthly[c] for c in MONTHLY_COMPONENTS if c in monthly},
            fixed_monthly=sum(fixed.values()),
            per_query=per_query,
            migration=evaluation + (refit if uses_ft else 0.0),
        )
    return out


def monthly_costs(assumptions: Assumptions) -> pd.DataFrame:
    """The cost of every strategy, month by month, split by component.

    Parameters
    ----------
    assumptions
        A valid assumptions table (see :func:`validate`) or mapping key -> value.

    Returns
    -------
    pandas.DataFrame
        Columns ``month, strategy, component, cost``: month 0 holds one row per one-off
        component of each strategy, months 1..``months`` one row per monthly component.

    Raises
    ------
    ValueError
        When the assumptions are invalid.
    """
    return _monthly(params(assumptions))


def _monthly(p: Mapping[str, float], parts: Mapping[str, Breakdown] | None = None) -> pd.DataFrame:
    months = int(p["months"])
    parts = breakdown(p) if parts is None else parts
    records: list[tuple[int, str, str, float]] = []
    events = set(retirement_months(p))
    for strategy in STRATEGIES:
        b = parts[strategy]
        records.extend((0, strategy, c, v) for c, v in b.one_off.items())
        for month in range(1, months + 1):
            records.extend((month, strategy, c, v) for c, v in b.monthly.items())
            if month in events and b.migration:
                records.append((month, strategy, "migration", b.migration))
    frame = pd.DataFrame(records, columns=["month", "strategy", "component", "cost"])
    return frame.astype({"month": "int64", "cost": "float64"})


def cumulative_costs(assumptions: Assumptions) -> pd.DataFrame:
    """Cumulative cost of each strategy at the end of every month 0..``months``.

    Returns
    -------
    pandas.DataFrame
        Index: month (0..months); columns: the strategies in :data:`STRATEGIES` order.
    """
    p = params(assumptions)
    return _cumulative(p)


def _cumulative(
    p: Mapping[str, float], parts: Mapping[str, Breakdown] | None = None
) -> pd.DataFrame:
    months = np.arange(int(p["months"]) + 1)
    parts = breakdown(p) if parts is None else parts
    events = retirements(p, months)
    data = {
        s: parts[s].one_off_total + months * parts[s].monthly_total + events * parts[s].migration
        for s in STRATEGIES
    }
    return pd.DataFrame(data, index=pd.Index(months, name="month"))


def _totals(
    p: Mapping[str, float],
    months: float | None = None,
    parts: Mapping[str, Breakdown] | None = None,
) -> dict[str, float]:
    horizon = p["months"] if months is None else months
    parts = breakdown(p) if parts is None else parts
    events = float(retirements(p, horizon))
    return {
        s: parts[s].one_off_total + horizon * parts[s].monthly_total + events * parts[s].migration
        for s in STRATEGIES
    }


def total_costs(assumptions: Assumptions, months: int | None = None) -> dict[str, float]:
    """Each strategy's total cost over the horizon, one-off costs included.

    Parameters
    ----------
    assumptions
        A valid assumptions table or mapping.
    months
        Horizon in months; ``None`` uses the table's ``months``.
    """
    p = params(assumptions)
    if months is not None and months < 0:
        raise ValueError("months must be 0 or more")
    return _totals(p, months)


def cost_shares(assumptions: Assumptions, strategy: str) -> dict[str, float]:
    """Each component's share (0..1) of ``strategy``'s total cost over the horizon.

    One-off components count once, monthly ones ``months`` times; components that cost
    nothing are left out. The shares sum to 1 (an empty dict when the total is 0).
    """
    _check_strategy(strategy)
    p = params(assumptions)
    b = breakdown(p)[strategy]
    totals = dict(b.one_off)
    for c, v in b.monthly.items():
        totals[c] = totals.get(c, 0.0) + p["months"] * v
    totals["migration"] = float(retirements(p)) * b.migration
    grand = sum(totals.values())
    if grand <= 0:
        return {}
    return {c: v / grand for c, v in totals.items() if v > 0}


def fine_tune_cost_split(assumptions: Assumptions, strategy: str = "fine_tune") -> dict[str, float]:
    """Shares (0..1) of a fine-tuned strategy's horizon cost by kind of spending.

    ``people`` is the first data preparation plus the data refresh and evaluation of every
    retraining; ``compute`` the GPU or training-token bill of the first run and every
    retraining; ``hosting`` and ``generation`` as in :func:`monthly_costs`; ``retrieval``
    whatever a hybrid spends on its library. The shares sum to 1 (all 0 when nothing costs).
    """
    if strategy not in ("fine_tune", "hybrid"):
        raise ValueError("strategy must be 'fine_tune' or 'hybrid'")
    p = params(assumptions)
    b = breakdown(p)[strategy]
    months = p["months"]
    key = "retrains_per_year" if strategy == "fine_tune" else "hybrid_retrains_per_year"
    runs = p[key] / 12.0 * months
    run = _training_run(p)
    total_rag = sum(
        v for c, v in b.one_off.items() if c in ("indexing", "rag_setup")
    ) + months * sum(
        v for c, v in b.monthly.items() if c in ("query_embedding", "vector_db", "reembedding")
    )
    # Each retirement of the base model: data collected and checked again, a new training
    # run, the evaluation re-run (see breakdown).
    events = float(retirements(p))
    split = {
        "people": p["ft_setup_cost"]
        + runs * p.get("retrain_prep_cost", 0.0)
        + events * (p["ft_setup_cost"] + p.get("migration_eval_cost", 0.0)),
        "compute": run + runs * run + events * run,
        "hosting": months * b.monthly["hosting"],
        "generation": months * b.monthly["generation"],
        "retrieval": total_rag,
    }
    grand = sum(split.values())
    return {k: (v / grand if grand > 0 else 0.0) for k, v in split.items()}


def dominant_component(assumptions: Assumptions, strategy: str) -> str | None:
    """The component that makes up the largest share of ``strategy``'s cost over the horizon."""
    shares = cost_shares(assumptions, strategy)
    return max(shares, key=shares.__getitem__) if shares else None


def break_even(assumptions: Assumptions, a: str, b: str) -> float | None:
    """The first whole month (0..months) at which ``a``'s cumulative cost is at or below ``b``'s.

    Returns
    -------
    float or None
        The month, or ``None`` when ``a`` stays dearer than ``b`` over the whole horizon.
        Month 0 means ``a`` is never dearer.
    """
    _check_strategy(a, b)
    return _break_even(_cumulative(params(assumptions)), a, b)


def _break_even(cum: pd.DataFrame, a: str, b: str) -> float | None:
    # A small tolerance so equal curves computed in different orders count as equal.
    at_or_below = cum[a].to_numpy() <= cum[b].to_numpy() + 1e-9
    hits = np.flatnonzero(at_or_below)
    return float(cum.index[hits[0]]) if hits.size else None


def _check_strategy(*names: str) -> None:
    for name in names:
        if name not in STRATEGIES:
            raise ValueError(f"unknown strategy {name!r}; expected one of {STRATEGIES}")


def crossover_volume(assumptions: Assumptions, a: str, b: str) -> float | None:
    """The monthly question volume at which ``a`` and ``b`` cost the same over the horizon.

    Totals are linear in the volume, so there is at most one crossing. Above it, the
    strategy with the lower cost per question is cheaper; below it, the other one.

    Returns
    -------
    float or None
        The volume (questions per month), or ``None`` if the lines never cross at a
        positive volume (one strategy is cheaper at every volume, or they are identical).
    """
    _check_strategy(a, b)
    return _crossover(params(assumptions), a, b)


def _crossover(
    p: Mapping[str, float], a: str, b: str, parts: Mapping[str, Breakdown] | None = None
) -> float | None:
    parts = breakdown(p) if parts is None else parts
    months = p["months"]
    events = float(retirements(p))
    fixed_a = parts[a].one_off_total + months * parts[a].fixed_monthly + events * parts[a].migration
    fixed_b = parts[b].one_off_total + months * parts[b].fixed_monthly + events * parts[b].migration
    slope = months * (parts[b].per_query - parts[a].per_query)
    if abs(slope) < 1e-15:
        return None
    volume = (fixed_a - fixed_b) / slope
    return float(volume) if volume > 0 else None


def cost_per_thousand(assumptions: Assumptions, volumes: Iterable[float]) -> pd.DataFrame:
    """Average cost per 1,000 questions over the horizon, one-off costs spread over it.

    Parameters
    ----------
    volumes
        Monthly question volumes (each above 0).

    Returns
    -------
    pandas.DataFrame
        Index: volume; columns: the strategies; values in dollars per 1,000 questions.
    """
    p = params(assumptions)
    return _per_thousand(p, np.asarray(list(volumes), dtype=float))


def _per_thousand(
    p: Mapping[str, float], volumes: np.ndarray, parts: Mapping[str, Breakdown] | None = None
) -> pd.DataFrame:
    if np.any(volumes <= 0):
        raise ValueError("volumes must be above 0")
    months = p["months"]
    parts = breakdown(p) if parts is None else parts
    events = float(retirements(p))
    data = {}
    for s in STRATEGIES:
        b = parts[s]
        total = (
            b.one_off_total
            + months * (b.fixed_monthly + volumes * b.per_query)
            + events * b.migration
        )
        data[s] = 1000.0 * total / (volumes * months)
    return pd.DataFrame(data, index=pd.Index(volumes, name="volume"))


def volume_grid(p: Mapping[str, float], points: int = 61) -> np.ndarray:
    """Log-spaced monthly volumes around the table's volume (100 to 100 million)."""
    grid = np.logspace(2, 8, points)
    q = p["queries_per_month"]
    if q > 0:
        grid = np.unique(np.append(grid, q))
    return grid


def _scaled(
    p: Mapping[str, float], key: str, factor: float, known: Mapping[str, Spec] | None = None
) -> dict[str, float]:
    """``p`` with one assumption scaled, kept whole and in range where it must be."""
    spec = (specs() if known is None else known)[key]
    value = p[key] * factor
    if spec.integer:
        value = float(round(value))
    value = min(max(value, spec.min), spec.max)
    return {**p, key: value}


def sensitivity(assumptions: Assumptions, a: str, b: str, *, spread: float = 0.25) -> pd.DataFrame:
    """How each assumption, moved ±``spread``, changes the horizon-total difference a − b.

    Returns
    -------
    pandas.DataFrame
        One row per assumption whose move changes the difference, biggest swing first:
        columns ``key, label, low_value, high_value, low_diff, high_diff, base_diff, swing``
        (``*_diff`` = total of ``a`` minus total of ``b``, in dollars).
    """
    _check_strategy(a, b)
    return _sensitivity(params(assumptions), a, b, spread=spread)


def _sensitivity(
    p: Mapping[str, float],
    a: str,
    b: str,
    *,
    spread: float = 0.25,
    known: Mapping[str, Spec] | None = None,
    base: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    known = specs() if known is None else known
    base = _totals(p) if base is None else base
    base_diff = base[a] - base[b]
    labels = {k: s.label for k, s in known.items()}
    rows = []
    for key in p:
        lo_p = _scaled(p, key, 1 - spread, known)
        hi_p = _scaled(p, key, 1 + spread, known)
        lo, hi = _totals(lo_p), _totals(hi_p)
        low_diff, high_diff = lo[a] - lo[b], hi[a] - hi[b]
        swing = abs(high_diff - low_diff)
        if swing < 1e-9:
            continue
        rows.append((key, labels[key], lo_p[key], hi_p[key], low_diff, high_diff, base_diff, swing))
    frame = pd.DataFrame(
        rows,
        columns=[
            "key",
            "label",
            "low_value",
            "high_value",
            "low_diff",
            "high_diff",
            "base_diff",
            "swing",
        ],
    )
    return frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


#: Assumptions the low/high band moves: the money ones (prices and fixed costs).
BAND_KEYS: tuple[str, ...] = (
    "base_input_price",
    "base_output_price",
    "ft_input_price",
    "ft_output_price",
    "embedding_price",
    "training_price",
    "gpu_hour_price",
    "vector_db_monthly",
    "vector_db_per_gb",
    "rag_setup_cost",
    "ft_setup_cost",
    "ft_hosting_monthly",
    "retrain_prep_cost",
    "migration_eval_cost",
)


def band(assumptions: Assumptions, *, spread: float = 0.25) -> pd.DataFrame:
    """Cumulative cost with every price and fixed cost at −``spread``, as given, and +``spread``.

    Every cost is a sum of non-negative products, so lowering (raising) all prices at once
    gives the lowest (highest) cost any mix of those ±``spread`` moves could give.

    Returns
    -------
    pandas.DataFrame
        Columns ``month, strategy, low, base, high`` (cumulative dollars).
    """
    return _band(params(assumptions), spread=spread)


def _band(
    p: Mapping[str, float], *, spread: float = 0.25, base: pd.DataFrame | None = None
) -> pd.DataFrame:
    low = {**p, **{k: p[k] * (1 - spread) for k in BAND_KEYS if k in p}}
    high = {**p, **{k: p[k] * (1 + spread) for k in BAND_KEYS if k in p}}
    curves = {
        "low": _cumulative(low),
        "base": _cumulative(p) if base is None else base,
        "high": _cumulative(high),
    }
    frames = []
    for s in STRATEGIES:
        frames.append(
            pd.DataFrame(
                {
                    "month": curves["base"].index.to_numpy(),
                    "strategy": s,
                    "low": curves["low"][s].to_numpy(),
                    "base": curves["base"][s].to_numpy(),
                    "high": curves["high"][s].to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- CSV


def _defuse(text: str) -> str:
    """Stop a spreadsheet from running a cell as a formula: prefix it with an apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _refuse(text: str) -> str:
    """Undo :func:`_defuse` on import."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def to_csv(assumptions: pd.DataFrame) -> str:
    """The assumptions table as CSV text, safe to open in a spreadsheet.

    Text cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a
    leading apostrophe (so a spreadsheet shows them instead of running them); numbers are
    written as numbers. :func:`from_csv` undoes the apostrophe.
    """
    buffer = io.StringIO()
    # "\r\n" (RFC 4180) also makes the writer quote cells holding a bare carriage return.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in assumptions[list(COLUMNS)].itertuples(index=False):
        cells = []
        for column, cell in zip(COLUMNS, row, strict=True):
            if column in ("value", "min", "max"):
                number = _as_number(cell)
                cells.append(repr(number) if number is not None else _defuse(str(cell)))
            else:
                cells.append(_defuse(str(cell)))
        writer.writerow(cells)
    return buffer.getvalue()


def _too_big() -> str:
    return _say("csv_too_big", limit=MAX_CSV_BYTES // 1000)


def from_csv(data: bytes | str) -> tuple[pd.DataFrame | None, list[str]]:
    """Read an assumptions table from CSV, checking it the way :func:`validate` does.

    Only ``key`` and ``value`` are required; labels, units and ranges always come from
    content/, and ``source`` is kept when present (otherwise "Imported from a CSV file").

    Returns
    -------
    (table, problems)
        ``table`` is a full assumptions table when ``problems`` is empty, else ``None``.
    """
    if isinstance(data, bytes):
        if len(data) > MAX_CSV_BYTES:
            return None, [_too_big()]
        if b"\x00" in data:
            return None, [_say("csv_nul")]
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, [_say("csv_not_utf8")]
    else:
        text = data
        if len(text) > MAX_CSV_BYTES:
            return None, [_too_big()]
        if "\x00" in text:
            return None, [_say("csv_nul")]
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: half of a character pair
            return None, [_say("csv_bad_characters")]
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r]
    except csv.Error as exc:
        return None, [_say("csv_unreadable", reason=str(exc)[:120])]
    if not rows:
        return None, [_say("csv_empty")]
    header = [str(c).strip().lower() for c in rows[0]]
    if len(set(header)) != len(header):
        return None, [_say("csv_header_twice")]
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            return None, [_say("csv_ragged", line=number, cells=len(row), header=len(header))]
    frame = pd.DataFrame(rows[1:], columns=header, dtype=object)
    missing = [c for c in ("key", "value") if c not in frame.columns]
    if missing:
        shown = ", ".join(repr(str(c)[:30]) for c in list(frame.columns)[:10]) or _say("none")
        return None, [_say("csv_columns", missing=", ".join(missing), columns=shown)]
    frame["key"] = frame["key"].map(lambda s: _refuse(str(s).strip()))
    frame["value"] = frame["value"].map(lambda s: str(s).strip())
    problems = validate(frame[["key", "value"]])
    if problems:
        return None, problems
    imported = dict(zip(frame["key"], frame["value"], strict=True))
    sources = (
        dict(zip(frame["key"], frame["source"].map(_refuse), strict=True))
        if "source" in frame.columns
        else {}
    )
    table = default_assumptions()
    table["value"] = [float(_as_number(imported[k])) for k in table["key"]]  # type: ignore[arg-type]
    imported_note = _say("imported_source")
    table["source"] = [(sources.get(k) or imported_note)[:500] for k in table["key"]]
    return table, []


# --------------------------------------------------------------------------- checked once


@dataclass(frozen=True)
class Checked:
    """An assumptions table validated once, and everything the lab draws, computed once.

    Build it with :func:`checked`. Every view of the lab (the verdict, the charts, the
    messages) reads this one object, so one rerun validates the table once and computes
    each strategy's breakdown once. A bad row does not stop the lab: it is reported in
    ``problems`` and the model uses that row's fallback value until it is fixed.

    Attributes
    ----------
    table
        The table as given (a value may be invalid).
    problems
        :func:`validate`'s sentences, empty when the table is valid.
    bad_keys
        The keys of the rows with a problem.
    p
        The values the model runs on: the table's, with each bad row's fallback.
    known
        Every assumption's definition (:func:`specs`), read once.
    """

    table: pd.DataFrame
    problems: tuple[str, ...]
    bad_keys: frozenset[str]
    p: dict[str, float]
    known: dict[str, Spec]

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def months(self) -> int:
        return int(self.p["months"])

    @cached_property
    def parts(self) -> dict[str, Breakdown]:
        return breakdown(self.p)

    @cached_property
    def totals(self) -> dict[str, float]:
        return _totals(self.p, parts=self.parts)

    @cached_property
    def cumulative(self) -> pd.DataFrame:
        return _cumulative(self.p, self.parts)

    @cached_property
    def monthly(self) -> pd.DataFrame:
        return _monthly(self.p, self.parts)

    def crossover(self, a: str, b: str) -> float | None:
        """As :func:`crossover_volume`."""
        _check_strategy(a, b)
        return _crossover(self.p, a, b, self.parts)

    def break_even(self, a: str, b: str) -> float | None:
        """As :func:`break_even`."""
        _check_strategy(a, b)
        return _break_even(self.cumulative, a, b)

    def per_thousand(self, volumes: Iterable[float] | None = None) -> pd.DataFrame:
        """As :func:`cost_per_thousand`; by default over :func:`volume_grid`."""
        grid = volume_grid(self.p) if volumes is None else np.asarray(list(volumes), float)
        return _per_thousand(self.p, grid, self.parts)

    def sensitivity(self, a: str, b: str, *, spread: float = 0.25) -> pd.DataFrame:
        """As :func:`sensitivity`."""
        _check_strategy(a, b)
        return _sensitivity(self.p, a, b, spread=spread, known=self.known, base=self.totals)

    def band(self, *, spread: float = 0.25) -> pd.DataFrame:
        """As :func:`band`."""
        return _band(self.p, spread=spread, base=self.cumulative)


def checked(table: pd.DataFrame, fallback: Mapping[str, float] | None = None) -> Checked:
    """Validate ``table`` once and wrap it, with what the model needs, in a :class:`Checked`.

    Parameters
    ----------
    table
        A full assumptions table like :func:`default_assumptions` (values may be invalid).
    fallback
        Values to use for rows with a problem (the last good ones, say); a row missing
        from it, or invalid in it, falls back to its default from content/.
    """
    known = specs()
    found = _row_problems(table, known)
    bad = frozenset(k for k, _ in found if k is not None)
    values: dict[str, float] = {}
    for key, raw in zip(table["key"], table["value"], strict=True):
        if key in known and key not in bad:
            values[str(key)] = float(_as_number(raw))  # type: ignore[arg-type]
    for key, spec in known.items():
        if key in values:
            continue
        back = _as_number((fallback or {}).get(key))
        ok = back is not None and math.isfinite(back) and spec.min <= back <= spec.max
        values[key] = back if ok else spec.value  # type: ignore[assignment]
    return Checked(
        table=table,
        problems=tuple(message for _, message in found),
        bad_keys=bad,
        p=values,
        known=known,
    )
