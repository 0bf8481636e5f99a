"""Figure builders of the forgetting lab: pure, keyword-only data in, a plotly figure out.

Colours come from :data:`brainlab.charts.PALETTE`: each strategy of the forgetting curve
has its own colour (:data:`STRATEGY_COLOURS`), and its own dash, marker and a label at the
line's end, so no line relies on colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from brainlab import charts

#: One palette colour per strategy (brainlab/charts.py), and a line dash and a marker that
#: carry the same meaning without colour. Full fine-tuning is the specialist's vermillion,
#: the library RAG's blue; replay (a mix of old and new) the hybrid purple; EWC, which
#: protects the general skill, the general green; the adapter, a small specialist add-on,
#: the specialist orange.
STRATEGY_COLOURS: dict[str, str] = {
    "naive": charts.PALETTE["fine_tune"],
    "replay": charts.PALETTE["hybrid"],
    "ewc": charts.PALETTE["general"],
    "adapter": charts.PALETTE["specialist"],
    "rag": charts.PALETTE["rag"],
}
STRATEGY_STYLE: dict[str, tuple[str, str]] = {
    "naive": ("solid", "circle"),
    "replay": ("dot", "square"),
    "ewc": ("dashdot", "diamond"),
    "adapter": ("longdash", "triangle-up"),
    "rag": ("dash", "star"),
}

#: Pale tints behind the four answers of the decision-region map (light enough for the
#: data markers to read on top in both themes; the answer is also in the hover text).
ANSWER_TINTS: tuple[str, ...] = ("#BFE3F5", "#F7F0A8", "#D9D9D9", "#EFC9DE")
#: Marker shape of each right answer on the map.
ANSWER_SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up")
#: How wrong answers are marked on the map: a bold cross over the question.
WRONG_COLOUR = "#000000"

#: Vertical gap (as a share of a panel's height) kept between two direct labels.
LABEL_GAP = 0.16


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _readable(fig: go.Figure) -> go.Figure:
    """Every axis, legend and annotation text at the base font size (at least 14 px).

    Streamlit's plotly theme draws tick labels and legends at 12 px unless a figure says
    otherwise; a projector needs them as large as the rest.
    """
    size = charts.FONT_SIZE
    fig.update_xaxes(tickfont={"size": size}, title_font={"size": size})
    fig.update_yaxes(tickfont={"size": size}, title_font={"size": size})
    fig.update_layout(legend_font_size=size)
    for annotation in fig.layout.annotations:
        if annotation.font.size is None:
            annotation.font.size = size
    return fig


def spread_labels(
    ends: Mapping[str, float], *, gap: float, low: float, high: float
) -> dict[str, float]:
    """Label heights near ``ends`` (name -> y), at least ``gap`` apart, inside [low, high].

    Labels keep the order of their lines' ends; where two would overlap they are pushed
    apart as little as needed (down first, then back up from the top).
    """
    order = sorted(ends, key=lambda k: ends[k], reverse=True)
    ys: dict[str, float] = {}
    previous = None
    for name in order:
        y = min(ends[name], high)
        if previous is not None:
            y = min(y, previous - gap)
        ys[name] = y
        previous = y
    # Pushed below the floor: push the stack back up from the bottom, keeping the gaps.
    previous = None
    for name in reversed(order):
        floor = low if previous is None else previous + gap
        if ys[name] >= floor:
            break
        ys[name] = floor
        previous = floor
    return ys


def forgetting_curve_figure(
    *,
    curves: pd.DataFrame,
    labels: Mapping[str, str],
    pretrain_steps: int,
    title: str,
    general_axis: str,
    specialist_axis: str,
    x_axis: str,
    pretrain_label: str,
    finetune_label: str,
    end_labels: Mapping[str, str] | None = None,
    height: int = 380,
    text_scale: float = 1.0,
) -> go.Figure:
    """General and specialist accuracy against step, one line per strategy, band over seeds.

    Each strategy has its own colour, dash and marker, and its name at the end of its line
    (no legend to decode). Two panels share the step axis: general on top, specialist below.

    Parameters
    ----------
    curves
        Long table with columns ``strategy``, ``seed``, ``step``, ``general_accuracy`` and
        ``specialist_accuracy``.
    labels
        Display name of each strategy, in the order to draw them.
    pretrain_steps
        Step at which fine-tuning starts (the pretraining band ends there).
    end_labels
        Short names written at the lines' ends (default: ``labels``), with the end value.
    text_scale
        How much larger the text will be drawn (presenter mode scales every font after
        the figure is built): the labels' margin and spacing grow with it.
    """
    ends_text = dict(labels) | dict(end_labels or {})
    longest = max((len(ends_text[s]) for s in labels), default=8) + 5  # " 100%"
    right = int(min(max(10 * text_scale * longest + 16, 90), 340))
    last_step = int(curves["step"].max()) if len(curves) else pretrain_steps
    # Only the end of pretraining is shown: its start is a flat, learned-already line, and
    # the width is worth more to the specialty.
    first_step = max(0, pretrain_steps - max(50, round(0.3 * (last_step - pretrain_steps), -1)))
    # Traces, shapes and annotations are gathered first and validated once, in one Figure:
    # adding them one by one re-validates the figure each time (three times slower here).
    traces: list[dict] = []
    annotations: list[dict] = []
    panels = (("general_accuracy", "x", "y"), ("specialist_accuracy", "x2", "y2"))
    ends: dict[str, dict[str, float]] = {"y": {}, "y2": {}}
    # Plain arrays, read once: this runs on every redraw of the lab (pandas' grouping per
    # strategy and panel cost more than the rest of the figure).
    strategy_of = curves["strategy"].to_numpy() if len(curves) else np.array([])
    step_of = curves["step"].to_numpy() if len(curves) else np.array([])
    for strategy, label in labels.items():
        rows = strategy_of == strategy
        if not rows.any():
            continue
        colour = STRATEGY_COLOURS.get(strategy, charts.colour("base"))
        dash, marker = STRATEGY_STYLE.get(strategy, ("solid", "circle"))
        steps, at = np.unique(step_of[rows], return_inverse=True)
        for column, xaxis, yaxis in panels:
            values = curves[column].to_numpy(dtype=float)[rows]
            mean = np.bincount(at, weights=values) / np.bincount(at)
            low = np.full(len(steps), np.inf)
            high = np.full(len(steps), -np.inf)
            np.minimum.at(low, at, values)
            np.maximum.at(high, at, values)
            # The band: from the lowest to the highest seed at each step.
            traces.append(
                {
                    "type": "scatter",
                    "x": np.concatenate([steps, steps[::-1]]),
                    "y": np.concatenate([high, low[::-1]]),
                    "xaxis": xaxis,
                    "yaxis": yaxis,
                    "fill": "toself",
                    "fillcolor": _rgba(colour, 0.12),
                    "line": {"width": 0},
                    "hoverinfo": "skip",
                    "showlegend": False,
                    "legendgroup": strategy,
                }
            )
            # Markers on a few points only (and always the last), so dashes stay readable.
            every = max(1, len(steps) // 6)
            marked = np.zeros(len(steps), dtype=bool)
            marked[::every] = True
            marked[-1] = True
            traces.append(
                {
                    "type": "scatter",
                    "x": steps,
                    "y": mean,
                    "xaxis": xaxis,
                    "yaxis": yaxis,
                    "name": label,
                    "legendgroup": strategy,
                    "mode": "lines+markers",
                    "line": {"color": colour, "dash": dash, "width": 3},
                    "marker": {
                        "symbol": marker,
                        "size": np.where(marked, 11, 0),
                        "color": colour,
                        "line": {"width": 0},
                    },
                    "hovertemplate": f"{label}: %{{y:.0%}}<extra></extra>",
                }
            )
            ends[yaxis][strategy] = float(mean[-1])
    for yaxis, at_end in ends.items():
        spread = spread_labels(at_end, gap=LABEL_GAP * text_scale, low=0.0, high=1.0)
        for strategy, y in spread.items():
            annotations.append(
                {
                    "x": last_step,
                    "y": y,
                    "xref": "x" if yaxis == "y" else "x2",
                    "yref": yaxis,
                    "text": f"{ends_text[strategy]} {at_end[strategy]:.0%}",
                    "showarrow": False,
                    "xanchor": "left",
                    "xshift": 8,
                    "font": {"color": STRATEGY_COLOURS.get(strategy, charts.colour("base"))},
                }
            )
    shapes: list[dict] = []
    for xref, yref in (("x", "y"), ("x2", "y2")):
        shapes.append(
            {
                "type": "rect",
                "x0": first_step,
                "x1": pretrain_steps,
                "y0": 0,
                "y1": 1,
                "xref": xref,
                "yref": f"{yref} domain",
                "fillcolor": charts.colour("base"),
                "opacity": 0.12,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        shapes.append(
            {
                "type": "line",
                "x0": pretrain_steps,
                "x1": pretrain_steps,
                "y0": 0,
                "y1": 1,
                "xref": xref,
                "yref": f"{yref} domain",
                "line": {"color": charts.colour("base"), "dash": "dot"},
            }
        )
    for x, text, anchor, shift in (
        (pretrain_steps, pretrain_label, "right", -6),
        (pretrain_steps, finetune_label, "left", 6),
    ):
        annotations.append(
            {
                "x": x,
                "y": 1.0,
                "xref": "x",
                "yref": "y domain",
                "text": text,
                "showarrow": False,
                "xanchor": anchor,
                "xshift": shift,
                "yanchor": "bottom",
            }
        )
    layout = charts.base_layout(
        height=height,
        margin={"l": 64, "r": right, "t": 44, "b": 50},
        showlegend=False,
        hovermode="x unified",
    ).to_plotly_json()
    axis_range = [first_step, last_step]
    percent = {"range": [-0.04, 1.06], "tickformat": ".0%"}
    layout.update(
        title={**layout["title"], "text": title, "font": {"size": 16}},
        xaxis={"anchor": "y", "matches": "x2", "showticklabels": False, "range": axis_range},
        yaxis={"domain": [0.54, 1.0], "title": {"text": general_axis}, **percent},
        xaxis2={"anchor": "y2", "title": {"text": x_axis}, "range": axis_range},
        yaxis2={"domain": [0.0, 0.46], "title": {"text": specialist_axis}, **percent},
        shapes=shapes,
        annotations=annotations,
    )
    return _readable(go.Figure(data=traces, layout=layout))


def regions_figure(
    *,
    axis: np.ndarray,
    answers: np.ndarray,
    general_points: tuple[np.ndarray, np.ndarray],
    specialist_points: tuple[np.ndarray, np.ndarray],
    general_wrong: np.ndarray | None = None,
    specialist_wrong: np.ndarray | None = None,
    library_points: tuple[np.ndarray, np.ndarray] | None = None,
    answer_names: Sequence[str],
    answer_legend: Sequence[str] | None = None,
    general_name: str,
    specialist_name: str,
    wrong_name: str = "answered wrong",
    library_name: str,
    title: str,
    x_title: str,
    y_title: str,
) -> go.Figure:
    """The network's answer over the plane (a heatmap) with the questions on top.

    ``answers`` is ``(n, n)`` (row = y, column = x) over ``axis``; points are ``(xy, label)``
    pairs. General questions are filled markers in the general colour, specialist ones
    hollow in the specialist colour; a marker's shape is its right answer. The legend names
    the four answer tints, both kinds of question and the wrong answers, which are crossed.
    """
    fig = charts.new_figure(
        title=title,
        x_title=x_title,
        y_title=y_title,
        height=600,
        margin={"l": 60, "r": 20, "t": 56, "b": 60},
        legend={"orientation": "v", "yanchor": "top", "y": 1.0, "x": 1.02, "xanchor": "left"},
    )
    n = len(ANSWER_TINTS)
    legend_names = list(answer_legend or answer_names)
    # A stepped colour scale: answer k gets exactly tint k.
    scale = []
    for k, tint in enumerate(ANSWER_TINTS):
        scale += [[k / n, tint], [(k + 1) / n, tint]]
    names = np.asarray(answer_names, dtype=object)[answers]
    fig.add_trace(
        go.Heatmap(
            x=axis,
            y=axis,
            z=answers,
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=scale,
            showscale=False,
            customdata=names,
            hovertemplate="(%{x:.1f}, %{y:.1f}): network says %{customdata}<extra></extra>",
        )
    )
    # The legend of the tints: one square per answer, with the shape of its questions.
    for k, tint in enumerate(ANSWER_TINTS):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=legend_names[k],
                marker={
                    "symbol": "square",
                    "size": 16,
                    "color": tint,
                    "line": {"color": "#555555", "width": 1},
                },
                legendgroup="answers",
            )
        )
    for (xy, y), name, idea, symbol_shift in (
        (general_points, general_name, "general", ""),
        (specialist_points, specialist_name, "specialist", "-open"),
    ):
        for k in range(n):
            sel = y == k
            if not sel.any():
                continue
            fig.add_trace(
                go.Scatter(
                    x=xy[sel, 0],
                    y=xy[sel, 1],
                    mode="markers",
                    name=f"{name}, {answer_names[k]}",
                    legendgroup=idea,
                    showlegend=False,
                    marker={
                        "symbol": ANSWER_SYMBOLS[k] + symbol_shift,
                        "size": 8 if idea == "general" else 9,
                        "color": charts.colour(idea),
                        "line": {"color": "#000000", "width": 0.6}
                        if idea == "general"
                        else {"color": charts.colour(idea), "width": 2},
                    },
                    hovertemplate=f"{name}: right answer {answer_names[k]}<extra></extra>",
                )
            )
        # One legend entry per task, not per answer.
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=name,
                legendgroup=idea,
                marker={
                    "symbol": "circle" if idea == "general" else "circle-open",
                    "size": 11,
                    "color": charts.colour(idea),
                    "line": {
                        "width": 2 if idea == "specialist" else 0.6,
                        "color": charts.colour(idea) if idea == "specialist" else "#000000",
                    },
                },
            )
        )
    wrong_xy = [
        xy[mask]
        for (xy, _), mask in (
            (general_points, general_wrong),
            (specialist_points, specialist_wrong),
        )
        if mask is not None and mask.any()
    ]
    if wrong_xy:
        points = np.concatenate(wrong_xy)
        fig.add_trace(
            go.Scatter(
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                name=wrong_name,
                marker={
                    "symbol": "x-thin",
                    "size": 13,
                    "line": {"color": WRONG_COLOUR, "width": 2.5},
                },
                hovertemplate=f"{wrong_name}<extra></extra>",
            )
        )
    if library_points is not None and len(library_points[0]):
        fig.add_trace(
            go.Scatter(
                x=library_points[0][:, 0],
                y=library_points[0][:, 1],
                mode="markers",
                name=library_name,
                marker={"symbol": "star", "size": 7, "color": charts.colour("rag")},
                hovertemplate=f"{library_name}<extra></extra>",
            )
        )
    fig.update_xaxes(range=[axis[0], axis[-1]], constrain="domain")
    fig.update_yaxes(range=[axis[0], axis[-1]], scaleanchor="x", scaleratio=1)
    return _readable(fig)


def ebbinghaus_figure(
    *,
    hours: Sequence[float],
    savings: Sequence[float],
    labels: Sequence[str],
    strength_hours: float,
    title: str,
    x_title: str,
    y_title: str,
    data_name: str,
    model_name: str,
) -> go.Figure:
    """Ebbinghaus's savings data beside the exponential R = e^(−t/S) (as a percentage)."""
    fig = charts.new_figure(title=title, x_title=x_title, y_title=y_title, height=420)
    t = np.geomspace(min(hours) / 2, max(hours) * 1.5, 200)
    start = 100.0
    fig.add_trace(
        go.Scatter(
            x=t,
            y=start * np.exp(-t / strength_hours),
            mode="lines",
            name=model_name,
            line={"color": charts.colour("base"), "dash": "dash", "width": 3},
            hovertemplate="%{x:.1f} h: %{y:.0f} %<extra>exponential</extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=list(hours),
            y=list(savings),
            mode="lines+markers",
            name=data_name,
            text=list(labels),
            line={"color": charts.colour("general"), "width": 3},
            marker={"symbol": "circle", "size": 11},
            hovertemplate="%{text}: %{y:.1f} % saved<extra></extra>",
        )
    )
    fig.update_xaxes(type="log")
    fig.update_yaxes(range=[0, 100])
    return _readable(fig)


def published_forgetting_figure(
    *,
    epochs: Sequence[float],
    series: Mapping[str, Sequence[float]],
    title: str,
    x_title: str,
    y_title: str,
) -> go.Figure:
    """Published forgetting scores against training length, one line per method.

    A name that starts with "Full" is drawn as fine-tuning (vermillion, solid); the others
    as adapters (grey), told apart by dash and marker.
    """
    fig = charts.new_figure(title=title, x_title=x_title, y_title=y_title, height=420)
    dashes = ("dot", "dashdot", "dash", "longdash")
    markers = ("square", "diamond", "triangle-up", "x")
    other = 0
    for name, values in series.items():
        if name.lower().startswith("full"):
            style = {"color": charts.colour("fine_tune"), "dash": "solid"}
            marker = "circle"
        else:
            style = {"color": charts.colour("base"), "dash": dashes[other % len(dashes)]}
            marker = markers[other % len(markers)]
            other += 1
        fig.add_trace(
            go.Scatter(
                x=list(epochs),
                y=list(values),
                name=name,
                mode="lines+markers",
                line={**style, "width": 3},
                marker={"symbol": marker, "size": 9},
                hovertemplate=f"{name}, %{{x}} epochs: %{{y:.3f}}<extra></extra>",
            )
        )
    fig.update_xaxes(type="log", tickvals=list(epochs), ticktext=[str(e) for e in epochs])
    return _readable(fig)
