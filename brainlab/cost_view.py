"""What the Cost lab says and draws, in the reader's words. Pure: no streamlit.

The page (pages/cost_lab.py with brainlab/ui/costs.py) gathers the assumptions, checks them
once with :func:`brainlab.costs.checked`, and draws what the functions here return: the
verdict, the message about bad rows, and each chart with its alt text. Every function takes
the one :class:`~brainlab.costs.Checked` value and a :class:`~brainlab.words.Words`, so it
runs the same in a test as on the page, in either vocabulary.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from brainlab import cost_charts
from brainlab.content import load_toml
from brainlab.costs import STRATEGIES, Checked
from brainlab.words import Words, escape

#: The lab's words (content/cost_words.toml).
WORDS_FILE = "cost_words.toml"

#: The chart on the stage, beside the controls; the others are in tabs below it.
MAIN_CHART = "cumulative"
#: The charts in the tabs below the stage, in tab order.
TAB_CHARTS: tuple[str, ...] = ("monthly", "per_thousand", "tornado", "band")


def page_words() -> dict[str, Any]:
    """The lab's words from content/cost_words.toml (read at call time, cached by mtime)."""
    return load_toml(WORDS_FILE)


def _upper_first(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


def say(w: Words, group: str, key: str, **values: Any) -> str:
    """The string ``[group] key`` in the reader's words, ``{name}`` values put in.

    Terms are rendered first (so ``{{term}}`` is never taken for a format field), and the
    sentence starts upper case.
    """
    text = w(page_words()[group][key])
    return _upper_first(text.format(**values) if values else text)


def strategy_names(w: Words) -> dict[str, str]:
    """Each strategy's name as used inside a sentence ("the super library", "RAG")."""
    return {k: w(v) for k, v in page_words()["strategies"].items()}


def legend_names(w: Words) -> dict[str, str]:
    """Each strategy's name starting upper case, for legends, axes and choice boxes."""
    return {k: _upper_first(v) for k, v in strategy_names(w).items()}


def component_names(w: Words) -> dict[str, str]:
    """Each cost component's name ("answering", "the library building")."""
    return {k: w(v) for k, v in page_words()["components"].items()}


def money(x: float, w: Words | None = None) -> str:
    """Dollars: whole above $100, cents below, as the reader's language writes them
    (``$1,234``; ``US$1,234`` in Chinese)."""
    return cost_charts.money(x, None if w is None else w.language)


def sentence_gap() -> str:
    """What goes between two sentences of the verdict (a space; nothing in Chinese)."""
    return str(page_words()["verdict"]["sentence_gap"])


def joined(items: Sequence[str]) -> str:
    """Items of a list in one sentence ("24, 48"; "24、48" in Chinese)."""
    return str(page_words()["verdict"]["separator"]).join(items)


def count(x: float) -> str:
    return f"{x:,.0f}"


def about(x: float) -> str:
    """A computed volume to two significant figures: 8,472,659 reads as 8,500,000."""
    if x <= 0:
        return "0"
    digits = max(0, math.floor(math.log10(x)) - 1)
    return f"{round(x, -digits):,.0f}"


# --------------------------------------------------------------------------- the verdict


def verdict(c: Checked, a: str, b: str, w: Words) -> str:
    """The plain-words verdict comparing strategies ``a`` and ``b`` (Markdown)."""
    names = strategy_names(w)
    if a == b:
        return say(w, "verdict", "same_strategy")
    totals = c.totals
    volume = count(c.p["queries_per_month"])
    if math.isclose(totals[a], totals[b], rel_tol=1e-9, abs_tol=0.005):
        first = say(w, "verdict", "equal", volume=volume, a=names[a], b=names[b],
                    months=c.months, total=money(totals[a], w))  # fmt: skip
        cheaper = a
    else:
        cheaper, dearer = (a, b) if totals[a] < totals[b] else (b, a)
        first = say(
            w,
            "verdict",
            "cheaper",
            volume=volume,
            cheaper=names[cheaper],
            dearer=names[dearer],
            diff=money(totals[dearer] - totals[cheaper], w),
            months=c.months,
            cheaper_total=money(totals[cheaper], w),
            dearer_total=money(totals[dearer], w),
        )
    gap = sentence_gap()
    first = f"{first}{retirement_note(c, w)}"
    crossing = c.crossover(a, b)
    if crossing is None:
        return f"{first}{gap}{say(w, 'verdict', 'always', cheaper=names[cheaper])}"
    parts = c.parts
    per_query_winner = a if parts[a].per_query < parts[b].per_query else b
    other = b if per_query_winner == a else a
    if c.p["queries_per_month"] < crossing:
        second = say(w, "verdict", "pays_back_above", winner=names[per_query_winner],
                     crossover=about(crossing))  # fmt: skip
    else:
        second = say(w, "verdict", "cheaper_below", other=names[other], crossover=about(crossing))
    return f"{first}{gap}{second}"


def retirement_note(c: Checked, w: Words) -> str:
    """ " The base model is retired in month 24, 48: …" when that happens in the horizon."""
    from brainlab.costs import retirement_months

    months = retirement_months(c.p)
    if not months:
        return ""
    parts = c.parts
    return sentence_gap() + say(
        w,
        "verdict",
        "retirement",
        months_list=joined([str(m) for m in months]),
        refit=money(parts["fine_tune"].migration, w),
        evaluation=money(parts["rag"].migration, w),
    )


def import_note(
    kind: str, file: str, w: Words, *, rows: int = 0, problems: Sequence[str] = ()
) -> str:
    """The message after a CSV upload: loaded, or refused with each problem. The file's name
    and the problems (which quote its cells) are the uploader's text: escaped, so Markdown,
    HTML, links or images in them show as text."""
    name = escape(file[:80])
    if kind == "ok":
        return say(w, "controls", "import_ok", rows=rows, file=name)
    lines = [say(w, "controls", "import_failed", file=name), *map(escape, problems)]
    return "\n".join(f"- {line}" for line in lines)


def problems_text(c: Checked, w: Words) -> str:
    """The message shown while rows are bad: what is wrong, and what the charts use meanwhile."""
    # Problems quote what the reader typed or imported: escaped, so it shows as text.
    lines = "\n".join(f"- {escape(line)}" for line in c.problems)
    bad = [k for k in c.known if k in c.bad_keys]
    stand_in = joined([f"{c.known[k].label} = {c.p[k]:,.6g}" for k in bad])
    return f"{say(w, 'controls', 'invalid_heading')}\n{lines}\n\n" + say(
        w, "controls", "invalid_kept", values=stand_in
    )


# --------------------------------------------------------------------------- the charts


@dataclass(frozen=True)
class Chart:
    """One chart of the lab: the figure and its text alternative."""

    figure: go.Figure
    alt: str


def cumulative_chart(c: Checked, a: str, b: str, w: Words, *, height: int = 320) -> Chart:
    """The stage's chart: the running total of every strategy, break-even marked."""
    names = strategy_names(w)
    cum = c.cumulative
    end = cum.iloc[-1]
    cheaper, dearer = (a, b) if end[a] <= end[b] else (b, a)
    month = c.break_even(cheaper, dearer) if a != b else None
    marker = None
    if month is not None and month > 0:
        marker = (month, float(cum.loc[int(month), cheaper]))
        title = say(w, "charts", "cumulative_title_catch", cheaper=names[cheaper], month=int(month))
    elif a == b:
        title = say(w, "charts", "cumulative_title_same", months=c.months)
    else:
        title = say(w, "charts", "cumulative_title", months=c.months, cheaper=names[cheaper])
    fig = cost_charts.cumulative_figure(
        cumulative=cum,
        names=legend_names(w),
        title=title,
        x_title=say(w, "charts", "month_axis"),
        y_title=say(w, "charts", "money_axis"),
        marker=marker,
        marker_label=say(w, "charts", "break_even"),
        height=height,
        highlight=(a, b),
    )
    ends = joined([f"{legend_names(w)[s]} {money(end[s], w)}" for s in STRATEGIES])
    alt = say(w, "charts", "cumulative_alt", months=c.months, finding=title, ends=ends)
    return Chart(fig, alt)


def monthly_chart(c: Checked, w: Words) -> Chart:
    """One typical month of every strategy, each bar split into labelled parts."""
    names = strategy_names(w)
    monthly = c.monthly
    one_month = monthly[monthly["month"] == 1]
    per_strategy = one_month.groupby("strategy")["cost"].sum().reindex(STRATEGIES, fill_value=0)
    lo_s, hi_s = per_strategy.idxmin(), per_strategy.idxmax()
    title = say(w, "charts", "stack_title", cheapest=names[lo_s], low=money(per_strategy[lo_s], w),
                dearest=names[hi_s], high=money(per_strategy[hi_s], w))  # fmt: skip
    fig = cost_charts.monthly_stack_figure(
        monthly=one_month,
        names=legend_names(w),
        component_names=component_names(w),
        title=title,
        x_title=say(w, "charts", "monthly_axis"),
        total_label=page_words()["charts"]["total"],
    )
    return Chart(fig, say(w, "charts", "stack_alt", finding=title))


def per_thousand_chart(c: Checked, a: str, b: str, w: Words) -> Chart:
    """The cost per 1,000 questions at every volume, the crossing volume marked."""
    names = strategy_names(w)
    crossing = c.crossover(a, b) if a != b else None
    if crossing is not None:
        title = say(w, "charts", "per_k_title", a=names[a], b=names[b], crossover=about(crossing))
    else:
        cheaper = a if c.totals[a] <= c.totals[b] else b
        title = say(w, "charts", "per_k_title_none", cheaper=names[cheaper])
    fig = cost_charts.per_thousand_figure(
        per_thousand=c.per_thousand(),
        names=legend_names(w),
        title=title,
        x_title=say(w, "charts", "volume_axis"),
        y_title=say(w, "charts", "per_k_axis"),
        crossover=crossing,
        crossover_label=say(w, "charts", "crossover"),
        current=c.p["queries_per_month"] or None,
        current_label=say(w, "charts", "current"),
    )
    return Chart(fig, say(w, "charts", "per_k_alt", finding=title))


def tornado_chart(c: Checked, a: str, b: str, w: Words) -> Chart:
    """Which assumption, moved 25 % down and up, moves the gap between ``a`` and ``b`` most."""
    names = strategy_names(w)
    sens = c.sensitivity(a, b)
    if len(sens):
        top = sens.iloc[0]
        title = say(w, "charts", "tornado_title", label=top["label"], swing=money(top["swing"], w))
    else:
        title = say(w, "charts", "tornado_none")
    base = c.totals[a] - c.totals[b]
    fig = cost_charts.tornado_figure(
        sensitivity=sens,
        title=title,
        x_title=say(w, "charts", "diff_axis", a=names[a], b=names[b]),
        low_label=say(w, "charts", "low"),
        high_label=say(w, "charts", "high"),
        base=base,
        base_label=say(w, "charts", "baseline", diff=money(base, w)),
    )
    return Chart(fig, say(w, "charts", "tornado_alt", a=names[a], b=names[b], finding=title))


def band_chart(c: Checked, a: str, b: str, w: Words) -> Chart:
    """The running totals of ``a`` and ``b`` with every price 25 % lower and higher."""
    names = strategy_names(w)
    bands = c.band()
    last = bands[bands["month"] == c.months].set_index("strategy")
    cheaper, dearer = (a, b) if c.totals[a] <= c.totals[b] else (b, a)
    overlap = not (
        last.loc[cheaper, "high"] < last.loc[dearer, "low"]
        or last.loc[dearer, "high"] < last.loc[cheaper, "low"]
    )
    key = "band_title_overlap" if overlap or a == b else "band_title_apart"
    title = say(w, "charts", key, cheaper=names[cheaper])
    fig = cost_charts.band_figure(
        band=bands,
        strategies=[a, b],
        names=legend_names(w),
        title=title,
        x_title=say(w, "charts", "month_axis"),
        y_title=say(w, "charts", "money_axis"),
        range_label=say(w, "charts", "band_range"),
    )
    return Chart(fig, say(w, "charts", "band_alt", a=names[a], b=names[b], finding=title))


def chart(name: str, c: Checked, a: str, b: str, w: Words) -> Chart:
    """The chart called ``name`` (:data:`MAIN_CHART` or one of :data:`TAB_CHARTS`)."""
    if name == "cumulative":
        return cumulative_chart(c, a, b, w)
    if name == "monthly":
        return monthly_chart(c, w)
    if name == "per_thousand":
        return per_thousand_chart(c, a, b, w)
    if name == "tornado":
        return tornado_chart(c, a, b, w)
    if name == "band":
        return band_chart(c, a, b, w)
    raise KeyError(f"no cost chart {name!r}")


# --------------------------------------------------------------------------- the table


def table_columns(w: Words) -> Mapping[str, str]:
    """The assumptions table's column titles."""
    return {k: say(w, "controls", f"col_{k}") for k in ("label", "value", "unit", "source")}
