"""Figure builders of the cost lab: cost tables in, plotly figures out. No streamlit.

Each strategy keeps its idea's colour, dash and marker from :mod:`brainlab.charts`
(fine-tuning vermillion, RAG blue, hybrid reddish purple, prompting only grey), so no chart
relies on colour alone. Titles, axis titles and names come in as arguments: the words live
in content/ and are rendered in the reader's vocabulary by the UI.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from brainlab.charts import DASHES, EXTRA_COLOURS, MARKERS, PALETTE, new_figure

#: The palette idea of each strategy.
IDEA: dict[str, str] = {
    "prompt_only": "base",
    "rag": "rag",
    "fine_tune": "fine_tune",
    "hybrid": "hybrid",
}

#: Hatching per cost component, so stacked segments differ by more than shade.
PATTERNS: dict[str, str] = {
    "generation": "",
    "query_embedding": ".",
    "vector_db": "/",
    "reembedding": "x",
    "hosting": "\\",
    "retraining": "+",
    "indexing": "-",
    "rag_setup": "|",
    "training": "+",
    "ft_setup": "|",
}


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
    """Wrap the title onto short lines (it must fit a 400 px phone) and make room for it."""
    lines = textwrap.wrap(title, width=40) or [""]
    fig.update_layout(
        title_text="<br>".join(lines),
        height=height + 24 * (len(lines) - 1),
        legend=_FOOT_LEGEND,
        margin={"t": 50 + 24 * len(lines), "b": 70 + 22 * legend_rows},
    )


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


def _money(x: float) -> str:
    return f"${x:,.0f}" if abs(x) >= 100 else f"${x:,.2f}"


def cumulative_figure(
    *,
    cumulative: pd.DataFrame,
    names: Mapping[str, str],
    title: str,
    x_title: str,
    y_title: str,
    marker: tuple[float, float] | None = None,
    marker_label: str = "",
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
    """
    fig = new_figure(title=title, x_title=x_title, y_title=y_title)
    months = cumulative.index.to_numpy()
    for strategy in cumulative.columns:
        idea = IDEA[strategy]
        fig.add_trace(
            go.Scatter(
                x=months,
                y=cumulative[strategy].to_numpy(),
                name=names[strategy],
                mode="lines+markers",
                line={"color": PALETTE[idea], "dash": DASHES[idea], "width": 3},
                marker={"symbol": MARKERS[idea], "size": 7},
                hovertemplate=f"{names[strategy]}<br>month %{{x}}: $%{{y:,.0f}}<extra></extra>",
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
                hovertemplate=f"{marker_label}: month %{{x}}, $%{{y:,.0f}}<extra></extra>",
            )
        )
        fig.update_layout(shapes=[_vline(month, dash="dot")])
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(rangemode="tozero", tickprefix="$", separatethousands=True)
    fig.update_layout(hovermode="x unified")
    _finish(fig, title, height=520)
    return fig


def monthly_stack_figure(
    *,
    monthly: pd.DataFrame,
    names: Mapping[str, str],
    component_names: Mapping[str, str],
    title: str,
    x_title: str,
    y_title: str,
) -> go.Figure:
    """One month's running cost of each strategy, as bars stacked by component.

    Parameters
    ----------
    monthly
        Rows of one month of ``costs.monthly_costs`` (columns strategy, component, cost).
    """
    strategies = list(dict.fromkeys(monthly["strategy"]))
    fig = new_figure(title=title, x_title=x_title, y_title=y_title)
    components = [c for c in PATTERNS if c in set(monthly["component"])]
    labels = [names[s] for s in strategies]
    table = monthly.pivot_table(
        index="strategy", columns="component", values="cost", aggfunc="sum", fill_value=0.0
    ).reindex(index=strategies, fill_value=0.0)
    for component in components:
        values = table[component].to_numpy() if component in table else np.zeros(len(labels))
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                name=component_names.get(component, component),
                marker={
                    "color": [_colour(s) for s in strategies],
                    "pattern": {
                        "shape": PATTERNS[component],
                        "fgcolor": "#FFFFFF",
                        "size": 8,
                        "fillmode": "overlay",
                    },
                    "line": {"color": "#FFFFFF", "width": 1},
                },
                hovertemplate=(
                    f"%{{x}}<br>{component_names.get(component, component)}: "
                    "$%{y:,.2f} a month<extra></extra>"
                ),
            )
        )
    totals = table.sum(axis=1).to_numpy()
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=totals,
            mode="text",
            text=[_money(t) for t in totals],
            textposition="top center",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.update_layout(barmode="stack")
    _finish(fig, title, height=580, legend_rows=3)
    fig.update_yaxes(tickprefix="$", separatethousands=True, rangemode="tozero")
    fig.update_yaxes(range=[0, float(totals.max()) * 1.18 if totals.max() > 0 else 1])
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
                hovertemplate=(
                    f"{names[strategy]}<br>%{{x:,.0f}} a month: $%{{y:,.3f}} per 1,000"
                    "<extra></extra>"
                ),
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
                    "font": {"size": 13},
                }
            )
    fig.update_xaxes(type="log", separatethousands=True)
    fig.update_yaxes(type="log", tickprefix="$")
    fig.update_layout(hovermode="x unified", shapes=shapes, annotations=notes)
    _finish(fig, title, height=520)
    return fig


def tornado_figure(
    *,
    sensitivity: pd.DataFrame,
    title: str,
    x_title: str,
    low_label: str,
    high_label: str,
    top: int = 10,
) -> go.Figure:
    """A tornado: how far each assumption, moved down and up, shifts the cost difference.

    Parameters
    ----------
    sensitivity
        As ``costs.sensitivity`` (biggest swing first); the ``top`` rows are drawn.
    """
    rows = sensitivity.head(top).iloc[::-1]  # biggest at the top
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
                hovertemplate=(
                    f"%{{y}} at %{{customdata[0]:,.4g}} ({label}):<br>"
                    "difference $%{customdata[1]:,.0f}<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        barmode="overlay",
        margin={"l": 10},
        shapes=[_vline(base, dash="solid", width=2)],
    )
    fig.update_xaxes(tickprefix="$", separatethousands=True)
    fig.update_yaxes(automargin=True)
    _finish(fig, title, height=max(360, 120 + 38 * len(rows)), legend_rows=1)
    fig.update_layout(margin={"l": 10})
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
                name=f"{names[strategy]}: {range_label}",
                legendgroup=strategy,
                customdata=rows["high"].to_numpy(),
                hovertemplate=(
                    f"{names[strategy]} month %{{x}}: $%{{y:,.0f}} to $%{{customdata:,.0f}}"
                    "<extra></extra>"
                ),
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
                hovertemplate=f"{names[strategy]} month %{{x}}: $%{{y:,.0f}}<extra></extra>",
            )
        )
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(rangemode="tozero", tickprefix="$", separatethousands=True)
    _finish(fig, title, height=540)
    return fig
