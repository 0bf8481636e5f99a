"""Figure builders of the cost lab: cost tables in, plotly figures out. No streamlit.

Each strategy keeps its idea's colour, dash and marker from :mod:`brainlab.charts`
(fine-tuning vermillion, RAG blue, hybrid reddish purple, prompting only grey), so no chart
relies on colour alone. Titles, axis titles and names come in as arguments: the words live
in content/ and are rendered in the reader's vocabulary by the UI.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from brainlab import charts
from brainlab.charts import DASHES, EXTRA_COLOURS, MARKERS, PALETTE, new_figure
from brainlab.content import current_language, load_toml

#: Where the hover templates live (under ``[hover]``), with the rest of the lab's words.
WORDS_FILE = "cost_words.toml"
#: The babel locale of each language (as :data:`brainlab.words.LOCALES`).
LOCALES = {"en": "en_GB", "zh": "zh_CN"}

#: The palette idea of each strategy.
IDEA: dict[str, str] = {
    "prompt_only": "base",
    "rag": "rag",
    "fine_tune": "fine_tune",
    "hybrid": "hybrid",
}

#: The cost components in the order a bar stacks them (each segment carries its own label).
COMPONENT_ORDER: tuple[str, ...] = (
    "generation",
    "query_embedding",
    "vector_db",
    "reembedding",
    "hosting",
    "retraining",
    "indexing",
    "rag_setup",
    "training",
    "ft_setup",
)

#: Smallest text in any chart, in px (issue 9: readable from the back of the room).
MIN_TEXT = 14


def _colour(strategy: str) -> str:
    return PALETTE[IDEA[strategy]]


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


#: Legend at the foot of the figure: at phone width it wraps into rows that would otherwise
#: cover the title.
_FOOT_LEGEND = {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0}


def _finish(fig: go.Figure, title: str, *, height: int, legend_rows: int = 2) -> None:
    """One title line above the plot (never wrapped across it), the legend at the foot."""
    fig.update_layout(
        title_text=title,
        height=height,
        legend=_FOOT_LEGEND,
        margin={"t": 44, "b": 56 + 24 * legend_rows, "r": 24},
        legend_font_size=charts.FONT_SIZE,
    )
    # Streamlit's plotly theme draws tick labels at 12.75 px unless a figure says
    # otherwise; from the back of a room every text needs the base size (>= 14 px).
    axis_fonts = {"tickfont": {"size": charts.FONT_SIZE}, "title_font": {"size": charts.FONT_SIZE}}
    fig.update_xaxes(**axis_fonts)
    fig.update_yaxes(**axis_fonts)


def _two_lines(name: str, longest: int = 14) -> str:
    """A long axis label broken at the space nearest its middle ("The general<br>brain
    alone"): on a 400 px phone one-line names take half the width from the bars."""
    if len(name) <= longest or " " not in name:
        return name
    middle = len(name) / 2
    cut = min((i for i, c in enumerate(name) if c == " "), key=lambda i: abs(i - middle))
    return f"{name[:cut]}<br>{name[cut + 1 :]}"


def _shade(hex_colour: str, towards_white: float) -> str:
    """``hex_colour`` mixed with white (0: as is, 1: white)."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    mix = [round(v + (255 - v) * towards_white) for v in (r, g, b)]
    return "#" + "".join(f"{v:02X}" for v in mix)


def _decade_label(x: float, *, prefix: str = "") -> str:
    """A power of ten as a short label: 0.01, 1, 100, 1k, 10k, 1M."""
    if x >= 1_000_000:
        text = f"{x / 1_000_000:g}M"
    elif x >= 1_000:
        text = f"{x / 1_000:g}k"
    else:
        text = f"{x:g}"
    return prefix + text


def log_ticks(low: float, high: float, *, prefix: str = "") -> tuple[list[float], list[str]]:
    """Tick values and labels at every power of ten from ``low`` to ``high`` ($1, $10, $100).

    Plotly's own log ticks label the 2s and 5s between the decades ("2 5 2 5"); these do not.
    """
    low, high = max(low, 1e-12), max(high, 1e-12)
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    values = [10.0**e for e in range(first, last + 1)]
    return values, [_decade_label(v, prefix=prefix) for v in values]


def _vline(x: float, *, dash: str, width: float = 1.5) -> dict:
    """A vertical line across the plot, as a layout shape (much faster than add_vline).

    ``x`` is in data units, also on a log axis.
    """
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"dash": dash, "width": width, "color": "#7F7F7F"},
    }


def money(x: float, language: str | None = None) -> str:
    """Dollars, whole above $100 and with cents below, as ``language`` writes them (the
    current content language by default): ``$1,234`` in English, ``US$1,234`` in Chinese."""
    language = current_language() if language is None else language
    if language == "en":
        return f"${x:,.0f}" if abs(x) >= 100 else f"${x:,.2f}"
    from babel.numbers import format_currency

    pattern = "¤#,##0" if abs(x) >= 100 else "¤#,##0.00"
    return format_currency(
        x, "USD", format=pattern, locale=LOCALES[language], currency_digits=False
    )


_money = money


def _hover(key: str, **values: str) -> str:
    """The hover template ``[hover] key`` of content/cost_words.toml in the current
    language, each ``{name}`` replaced (plotly's own ``%{x}`` fields are left alone)."""
    text = str(load_toml(WORDS_FILE)["hover"][key])
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def _wrap_name(name: str, width: int = 12) -> str:
    """A name on at most two short lines, for a label beside a line's end."""
    words, lines = name.split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width and len(lines) < 2:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return "<br>".join(lines)


def spread_labels(ends: Mapping[str, float], gap: float) -> dict[str, float]:
    """Label heights near ``ends`` (name -> y), at least ``gap`` apart, in the same order."""
    order = sorted(ends, key=ends.__getitem__)
    placed: dict[str, float] = {}
    for name in order:
        y = ends[name]
        if placed:
            y = max(y, max(placed.values()) + gap)
        placed[name] = y
    # Shift the stack down again so that it is centred on the ends it labels.
    shift = (sum(placed.values()) - sum(ends.values())) / max(len(ends), 1)
    return {k: v - shift for k, v in placed.items()}


def cumulative_figure(
    *,
    cumulative: pd.DataFrame,
    names: Mapping[str, str],
    title: str,
    x_title: str,
    y_title: str,
    marker: tuple[float, float] | None = None,
    marker_label: str = "",
    height: int = 420,
    highlight: Sequence[str] = (),
) -> go.Figure:
    """Cumulative cost per strategy over the months, with the break-even point marked.

    Parameters
    ----------
    cumulative
        Index: month; one column per strategy (dollars), as ``costs.cumulative_costs``.
    names
        Display name of each strategy.
    marker
        ``(month, cost)`` of the break-even point, or None.
    highlight
        The compared strategies: drawn bold; the others thinner and lighter.
    """
    fig = new_figure(title=title, x_title=x_title, y_title=y_title)
    months = cumulative.index.to_numpy()
    for strategy in cumulative.columns:
        idea = IDEA[strategy]
        bold = not highlight or strategy in highlight
        fig.add_trace(
            go.Scatter(
                x=months,
                y=cumulative[strategy].to_numpy(),
                name=names[strategy],
                mode="lines+markers",
                opacity=1.0 if bold else 0.55,
                line={"color": PALETTE[idea], "dash": DASHES[idea], "width": 4 if bold else 2},
                marker={"symbol": MARKERS[idea], "size": 8 if bold else 6},
                hovertemplate=_hover("cumulative", name=names[strategy]),
            )
        )
    if marker is not None:
        month, cost = marker
        fig.add_trace(
            go.Scatter(
                x=[month],
                y=[cost],
                name=marker_label,
                mode="markers",
                marker={
                    "symbol": "star",
                    "size": 20,
                    "color": "#F0E442",
                    "line": {"color": "#000000", "width": 1.5},
                },
                hovertemplate=_hover("marker", label=marker_label),
            )
        )
        fig.update_layout(shapes=[_vline(month, dash="dot")])
    # Each line is named beside its end (no legend to decode); labels never overlap.
    last = cumulative.iloc[-1]
    top = float(cumulative.to_numpy().max()) or 1.0
    plot_px = max(height - 40 - 56, 60)
    heights = spread_labels({s: float(last[s]) for s in cumulative.columns}, 40 * top / plot_px)
    notes = [
        {
            "x": float(months[-1]),
            "y": heights[s],
            "xref": "x",
            "yref": "y",
            "text": _wrap_name(names[s]),
            "showarrow": False,
            "xanchor": "left",
            "xshift": 8,
            "align": "left",
            "font": {"size": MIN_TEXT, "color": PALETTE[IDEA[s]]},
        }
        for s in cumulative.columns
    ]
    # The months exactly (autorange ran on to the next round number): the lines get the
    # plot's whole width, and the labels at their ends sit right beside them.
    last = float(months[-1]) if len(months) else 1.0
    fig.update_xaxes(range=[-0.02 * last, 1.02 * last])
    fig.update_yaxes(tickformat="$~s", range=[0, max(top, *heights.values()) * 1.06])
    fig.update_layout(hovermode="x unified", showlegend=False, annotations=notes)
    _finish(fig, title, height=height, legend_rows=0)
    fig.update_layout(margin={"t": 40, "b": 56, "l": 64, "r": 112})
    return fig


def monthly_stack_figure(
    *,
    monthly: pd.DataFrame,
    names: Mapping[str, str],
    component_names: Mapping[str, str],
    title: str,
    x_title: str,
    total_label: str = "{total}",
) -> go.Figure:
    """One month's running cost of each strategy: a bar each, split into labelled parts.

    Each bar is one strategy in its palette colour; its parts are lighter shades of it,
    each labelled inside with its name and amount (a part too narrow for 14 px text is
    left unlabelled, and its hover still names it). The total stands at the bar's end.
    No legend to decode.

    Parameters
    ----------
    monthly
        Rows of one month of ``costs.monthly_costs`` (columns strategy, component, cost).
    total_label
        The text at each bar's end, with ``{total}`` for the amount.
    """
    strategies = list(dict.fromkeys(monthly["strategy"]))[::-1]  # first strategy on top
    fig = new_figure(title=title, x_title=x_title)
    table = monthly.pivot_table(
        index="strategy", columns="component", values="cost", aggfunc="sum", fill_value=0.0
    ).reindex(index=strategies, fill_value=0.0)
    labels = [_two_lines(names[s]) for s in strategies]
    present = [c for c in COMPONENT_ORDER if c in table.columns]
    for strategy, label in zip(strategies, labels, strict=True):
        parts = [(c, float(table.loc[strategy, c])) for c in present]
        parts = sorted((p for p in parts if p[1] > 0), key=lambda p: -p[1])
        for i, (component, value) in enumerate(parts):
            name = component_names.get(component, component)
            fig.add_trace(
                go.Bar(
                    y=[label],
                    x=[value],
                    orientation="h",
                    name=name,
                    showlegend=False,
                    text=[f"{name} {_money(value)}"],
                    textposition="inside",
                    insidetextanchor="middle",
                    marker={
                        "color": _shade(_colour(strategy), min(0.6, 0.22 * i)),
                        "line": {"color": "#FFFFFF", "width": 1.5},
                    },
                    hovertemplate=_hover("part", name=label, part=name, amount=_money(value)),
                )
            )
    totals = table.sum(axis=1).to_numpy()
    fig.add_trace(
        go.Scatter(
            y=labels,
            x=totals,
            mode="text",
            text=[total_label.format(total=_money(t)) for t in totals],
            textposition="middle right",
            textfont={"size": 16},
            showlegend=False,
            hoverinfo="skip",
            # The label may run on into the right margin: on a 400 px phone the plot is
            # ~150 px wide, too narrow for "$48.10 a month" past the bar's end.
            cliponaxis=False,
        )
    )
    fig.update_layout(
        barmode="stack",
        bargap=0.3,
        uniformtext={"minsize": MIN_TEXT, "mode": "hide"},
    )
    _finish(fig, title, height=120 + 70 * len(strategies), legend_rows=0)
    top = float(totals.max()) if len(totals) and totals.max() > 0 else 1.0
    fig.update_xaxes(tickformat="$~s", range=[0, top * 1.1])
    fig.update_yaxes(automargin=True)
    fig.update_layout(margin={"l": 10, "r": 96})
    return fig


def per_thousand_figure(
    *,
    per_thousand: pd.DataFrame,
    names: Mapping[str, str],
    title: str,
    x_title: str,
    y_title: str,
    crossover: float | None = None,
    crossover_label: str = "",
    current: float | None = None,
    current_label: str = "",
) -> go.Figure:
    """Cost per 1,000 questions against monthly volume, both axes logarithmic.

    Parameters
    ----------
    per_thousand
        Index: volume; one column per strategy, as ``costs.cost_per_thousand``.
    crossover
        The volume at which the two compared strategies cost the same, marked by a line.
    current
        The table's own volume, marked by a second line.
    """
    fig = new_figure(title=title, x_title=x_title, y_title=y_title)
    volumes = per_thousand.index.to_numpy()
    for strategy in per_thousand.columns:
        idea = IDEA[strategy]
        fig.add_trace(
            go.Scatter(
                x=volumes,
                y=per_thousand[strategy].to_numpy(),
                name=names[strategy],
                mode="lines",
                line={"color": PALETTE[idea], "dash": DASHES[idea], "width": 3},
                hovertemplate=_hover("per_thousand", name=names[strategy]),
            )
        )
    shapes, notes = [], []
    for value, label, dash in (
        (crossover, crossover_label, "dash"),
        (current, current_label, "dot"),
    ):
        if value is not None and value > 0:
            # On a log axis, plotly takes shapes in data units but annotations in log10.
            x = float(np.log10(value))
            shapes.append(_vline(float(value), dash=dash, width=2))
            notes.append(
                {
                    "x": x,
                    "xref": "x",
                    "y": 1,
                    "yref": "paper",
                    "text": label,
                    "textangle": -90,
                    "showarrow": False,
                    "xanchor": "right",
                    "yanchor": "top",
                    "font": {"size": MIN_TEXT + 1},
                }
            )
    x_ticks, x_text = log_ticks(float(volumes.min()), float(volumes.max()))
    values = per_thousand.to_numpy()
    y_ticks, y_text = log_ticks(float(values[values > 0].min()), float(values.max()), prefix="$")
    fig.update_xaxes(type="log", tickvals=x_ticks, ticktext=x_text)
    fig.update_yaxes(type="log", tickvals=y_ticks, ticktext=y_text)
    fig.update_layout(hovermode="x unified", shapes=shapes, annotations=notes)
    _finish(fig, title, height=460)
    return fig


def tornado_figure(
    *,
    sensitivity: pd.DataFrame,
    title: str,
    x_title: str,
    low_label: str,
    high_label: str,
    top: int = 10,
    base: float | None = None,
    base_label: str = "",
) -> go.Figure:
    """A tornado: how far each assumption, moved down and up, shifts the cost difference.

    Parameters
    ----------
    sensitivity
        As ``costs.sensitivity`` (biggest swing first); the ``top`` rows are drawn.
    base, base_label
        The difference as the table stands (by default the table's ``base_diff``), drawn
        as a solid line and labelled with ``base_label`` above the bars.
    """
    rows = sensitivity.head(top).iloc[::-1]  # biggest at the top
    if base is None:
        base = float(sensitivity["base_diff"].iloc[0]) if len(sensitivity) else 0.0
    fig = new_figure(title=title, x_title=x_title)
    for column, label, colour, pattern, values in (
        ("low_diff", low_label, EXTRA_COLOURS[0], "/", "low_value"),
        ("high_diff", high_label, EXTRA_COLOURS[1], "", "high_value"),
    ):
        fig.add_trace(
            go.Bar(
                y=rows["label"],
                x=rows[column] - base,
                base=base,
                orientation="h",
                name=label,
                customdata=np.stack([rows[values], rows[column]], axis=-1),
                marker={
                    "color": colour,
                    "pattern": {
                        "shape": pattern,
                        "fgcolor": "#000000",
                        "size": 8,
                        "fillmode": "overlay",
                    },
                    "line": {"color": "#000000", "width": 1},
                },
                hovertemplate=_hover("tornado", label=label),
            )
        )
    notes = []
    if base_label:
        notes.append(
            {
                "x": base,
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "yanchor": "bottom",
                "text": base_label,
                "showarrow": False,
                "font": {"size": MIN_TEXT + 1},
            }
        )
    fig.update_layout(
        barmode="overlay",
        shapes=[_vline(base, dash="solid", width=3)],
        annotations=notes,
    )
    fig.update_xaxes(tickformat="$~s")
    fig.update_yaxes(automargin=True)
    _finish(fig, title, height=max(380, 150 + 38 * len(rows)), legend_rows=1)
    fig.update_layout(margin={"l": 10, "t": 72})
    return fig


def band_figure(
    *,
    band: pd.DataFrame,
    strategies: Sequence[str],
    names: Mapping[str, str],
    title: str,
    x_title: str,
    y_title: str,
    range_label: str,
) -> go.Figure:
    """Cumulative cost of the chosen strategies with a low–high band around each.

    Parameters
    ----------
    band
        As ``costs.band``: columns month, strategy, low, base, high.
    """
    fig = new_figure(title=title, x_title=x_title, y_title=y_title)
    for strategy in dict.fromkeys(strategies):
        rows = band[band["strategy"] == strategy]
        idea = IDEA[strategy]
        colour = PALETTE[idea]
        months = rows["month"].to_numpy()
        fig.add_trace(
            go.Scatter(
                x=months,
                y=rows["high"].to_numpy(),
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
                legendgroup=strategy,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=months,
                y=rows["low"].to_numpy(),
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=_rgba(colour, 0.25),
                name=_hover("band_name", name=names[strategy], range=range_label),
                legendgroup=strategy,
                customdata=rows["high"].to_numpy(),
                hovertemplate=_hover("band_range", name=names[strategy]),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=months,
                y=rows["base"].to_numpy(),
                mode="lines+markers",
                name=names[strategy],
                legendgroup=strategy,
                line={"color": colour, "dash": DASHES[idea], "width": 3},
                marker={"symbol": MARKERS[idea], "size": 7},
                hovertemplate=_hover("band", name=names[strategy]),
            )
        )
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(rangemode="tozero", tickformat="$~s")
    _finish(fig, title, height=460)
    return fig
