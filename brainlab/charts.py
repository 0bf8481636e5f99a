"""The one palette and the one base plotly layout, shared by every chart in the app.

Figure builders here are pure: keyword-only data in, a ``plotly.graph_objects.Figure`` out,
no streamlit. Colours are Okabe–Ito (colour-blind safe) and mean the same idea everywhere;
``.streamlit/config.toml`` mirrors them as the theme's chart colours.
"""

from __future__ import annotations

import re
from typing import Any

import plotly.graph_objects as go

#: One colour per idea (DESIGN.md). Keys are the ideas, not the colours.
PALETTE: dict[str, str] = {
    "fine_tune": "#D55E00",  # vermillion: fine-tuning, the specialist
    "rag": "#0072B2",  # blue: RAG, the library and the assistant
    "hybrid": "#CC79A7",  # reddish purple: both together
    "base": "#7F7F7F",  # grey: the base model, prompting only
    "general": "#009E73",  # bluish green: general knowledge (forgetting lab)
    "specialist": "#E69F00",  # orange: specialist skill (forgetting lab)
}

#: Extra Okabe–Ito colours for categories that are not one of the ideas (topics, say).
EXTRA_COLOURS: tuple[str, ...] = ("#56B4E9", "#F0E442", "#000000")

#: Line dashes and markers that carry the same meaning as the colours, so that no chart
#: relies on colour alone.
DASHES: dict[str, str] = {
    "fine_tune": "solid",
    "rag": "dash",
    "hybrid": "dashdot",
    "base": "dot",
    "general": "solid",
    "specialist": "dash",
}
MARKERS: dict[str, str] = {
    "fine_tune": "circle",
    "rag": "square",
    "hybrid": "diamond",
    "base": "x",
    "general": "circle",
    "specialist": "triangle-up",
}

#: Base font size for charts: large enough to read from the back of a classroom.
FONT_SIZE = 15


def colour(idea: str) -> str:
    """Return the palette colour of ``idea`` (a key of :data:`PALETTE`).

    Raises
    ------
    KeyError
        If ``idea`` is not in the palette: a typo should fail loudly, not turn grey.
    """
    return PALETTE[idea]


def base_layout(**overrides: Any) -> go.Layout:
    """The layout every chart starts from: readable fonts, room for titles, clear hovers.

    Colours of text and background are left to Streamlit's theme so that the same figure
    reads in light and dark mode; only the trace colours come from :data:`PALETTE`.

    Parameters
    ----------
    **overrides
        Any ``plotly.graph_objects.Layout`` property, applied on top of the base.
    """
    layout = go.Layout(
        font={"size": FONT_SIZE},
        title={"font": {"size": FONT_SIZE + 3}, "x": 0, "xanchor": "left"},
        margin={"l": 60, "r": 20, "t": 70, "b": 60},
        hoverlabel={"font": {"size": FONT_SIZE}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        colorway=[*PALETTE.values(), *EXTRA_COLOURS],
    )
    layout.update(**overrides)
    return layout


def new_figure(*, title: str, x_title: str = "", y_title: str = "", **layout: Any) -> go.Figure:
    """An empty figure with the base layout, a title that states the finding, and axis titles.

    Parameters
    ----------
    title
        The chart's finding in words ("RAG is cheaper until month 7"), not its topic.
    x_title, y_title
        Axis titles, with units.
    **layout
        Further layout overrides.
    """
    fig = go.Figure(layout=base_layout(**layout))
    fig.update_layout(title_text=title)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig


# --------------------------------------------------------------------------- which path (issue 6)

#: The palette idea of each "Which path?" path (prompting is the unchanged base model).
PATH_IDEAS: dict[str, str] = {
    "prompting": "base",
    "rag": "rag",
    "fine_tune": "fine_tune",
    "hybrid": "hybrid",
}


def path_scores(
    *,
    scores: dict[str, float],
    labels: dict[str, str],
    recommended: str,
    title: str,
    x_title: str,
    marker_text: str = "best",
    height: int = 185,
) -> go.Figure:
    """Horizontal bars: each path's score, the recommended one marked in words, not colour alone.

    Parameters
    ----------
    scores
        Points per path (keys of :data:`PATH_IDEAS`), in the order to draw them, top first.
    labels
        Each path's (short) name as the reader should see it.
    recommended
        The path to mark: its name in bold with ``marker_text``, its bar solid (the others
        hatched).
    title, x_title
        The chart's finding, short enough for one line (a plotly title never wraps; a
        ``<br>`` needs more top margin), and the axis title with its unit.
    marker_text
        The word put after the recommended path's name.
    height
        In pixels: small enough to sit under the questions on a 1280x720 screen.
    """
    paths = list(scores)
    names = [
        f"<b>{labels[p]} ({marker_text})</b>" if p == recommended else labels[p] for p in paths
    ]
    values = [scores[p] for p in paths]
    low, high = min([0.0, *values]), max([0.0, *values])
    width = max(high - low, 1.0)
    fig = new_figure(title=title, x_title=x_title, showlegend=False, height=height)
    fig.add_trace(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker={
                "color": [PALETTE[PATH_IDEAS[p]] for p in paths],
                "pattern": {"shape": ["" if p == recommended else "/" for p in paths]},
            },
            text=[f"{v:+g}" for v in values],
            textposition="outside",
            textfont={"size": FONT_SIZE},
            cliponaxis=False,
            constraintext="none",  # plotly would shrink the value labels below 14 px
            hovertemplate="%{y}: %{x:+g} points<extra></extra>",
        )
    )
    # Room for the outside value labels; the zero line separates the points for a path
    # from the points against it.
    pad = 0.22 * width
    fig.update_xaxes(
        range=[low - (pad if low < 0 else 0.05 * width), high + pad],
        zeroline=True,
        zerolinewidth=2,
        tickfont={"size": FONT_SIZE},
    )
    fig.update_yaxes(autorange="reversed", tickfont={"size": FONT_SIZE})
    lines = title.count("<br>") + 1
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 14 + 26 * lines, "b": 44},
        title={"y": 1, "yanchor": "top", "pad": {"t": 8}, "yref": "container"},
    )
    return fig


# --------------------------------------------------------------------------- presenter mode

#: The smallest chart text at 1280 px wide, and in presenter mode (issue 9: readable from
#: the back of the room).
MIN_FONT_SIZE = 14
MIN_PRESENTER_FONT_SIZE = 20


def _scale_font_dicts(node: Any, factor: float, floor: float) -> None:
    """Scale every ``font.size`` (and ``*font.size``) inside a plotly JSON dict, in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                size = value["size"]
                if isinstance(size, int | float):
                    value["size"] = max(size * factor, floor)
                elif isinstance(size, list):
                    value["size"] = [max(s * factor, floor) for s in size]
            _scale_font_dicts(value, factor, floor)
    elif isinstance(node, list):
        for item in node:
            _scale_font_dicts(item, factor, floor)


def scale_fonts(fig: go.Figure, factor: float, *, floor: float = MIN_FONT_SIZE) -> go.Figure:
    """A copy of ``fig`` with every text size multiplied by ``factor`` and at least ``floor``.

    Presenter mode draws every chart this way (``factor`` 1.4, ``floor`` 20), so titles,
    ticks, legends, annotations and hover labels all grow together.
    """
    spec = fig.to_plotly_json()
    layout = spec.setdefault("layout", {})
    base = layout.setdefault("font", {}).setdefault("size", FONT_SIZE)
    # Axis text left to the template (Streamlit's draws ticks at 12.75 px, axis titles at
    # 14.9 px) would not grow: give it the figure's size first, then scale it with the rest.
    cartesian = any(t.get("type", "scatter") not in _NON_CARTESIAN for t in spec.get("data", []))
    axes = {k for k in layout if re.fullmatch(r"[xy]axis\d*", k)}
    for name in axes | ({"xaxis", "yaxis"} if cartesian else set()):
        axis = layout.setdefault(name, {})
        axis.setdefault("tickfont", {}).setdefault("size", base)
        title = axis.setdefault("title", {})
        if isinstance(title, dict):
            title.setdefault("font", {}).setdefault("size", base)
    _scale_font_dicts(spec, factor, floor)
    return go.Figure(spec)


#: Trace types drawn without x and y axes.
_NON_CARTESIAN = {
    "pie",
    "sunburst",
    "treemap",
    "icicle",
    "funnelarea",
    "sankey",
    "table",
    "indicator",
}
