"""Figure builders of the forgetting lab: pure, keyword-only data in, a plotly figure out.

Colours come from :data:`brainlab.charts.PALETTE` (general = bluish green, specialist =
orange); strategies are told apart by line dash, marker and a label at the line's end, never
by colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from brainlab import charts

#: One line style per strategy: (dash, marker).
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
ANSWER_SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "x")


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


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
) -> go.Figure:
    """General and specialist accuracy against step, one line per strategy, band over seeds.

    Parameters
    ----------
    curves
        Long table with columns ``strategy``, ``seed``, ``step``, ``general_accuracy`` and
        ``specialist_accuracy``.
    labels
        Display name of each strategy, in the order to draw them.
    pretrain_steps
        Step at which fine-tuning starts (the pretraining band ends there).
    """
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    fig.update_layout(charts.base_layout(height=700, margin={"l": 70, "r": 20, "t": 110, "b": 60}))
    fig.update_layout(title_text=title, hovermode="x unified")
    panels = (("general_accuracy", "general", 1), ("specialist_accuracy", "specialist", 2))
    last_step = int(curves["step"].max()) if len(curves) else pretrain_steps
    for strategy, label in labels.items():
        data = curves[curves["strategy"] == strategy]
        if data.empty:
            continue
        dash, marker = STRATEGY_STYLE.get(strategy, ("solid", "circle"))
        for column, idea, row in panels:
            stats = data.groupby("step")[column].agg(["mean", "min", "max"]).reset_index()
            colour = charts.colour(idea)
            steps = stats["step"].to_numpy()
            # The band: from the lowest to the highest seed at each step.
            fig.add_trace(
                go.Scatter(
                    x=np.concatenate([steps, steps[::-1]]),
                    y=np.concatenate([stats["max"], stats["min"][::-1]]),
                    fill="toself",
                    fillcolor=_rgba(colour, 0.12),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=strategy,
                ),
                row=row,
                col=1,
            )
            every = max(1, len(steps) // 8)
            fig.add_trace(
                go.Scatter(
                    x=steps,
                    y=stats["mean"],
                    name=label,
                    legendgroup=strategy,
                    showlegend=(row == 1),
                    mode="lines+markers",
                    line={"color": colour, "dash": dash, "width": 3},
                    marker={"symbol": marker, "size": 9, "maxdisplayed": 0},
                    hovertemplate=f"{label}: %{{y:.0%}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
            # Markers on a few points only, so dashes stay readable.
            fig.data[-1].marker.maxdisplayed = len(steps[::every])
    for row in (1, 2):
        fig.add_vrect(
            x0=0,
            x1=pretrain_steps,
            fillcolor=charts.colour("base"),
            opacity=0.12,
            line_width=0,
            row=row,
            col=1,
        )
        fig.add_vline(
            x=pretrain_steps, line={"color": charts.colour("base"), "dash": "dot"}, row=row, col=1
        )
    fig.add_annotation(
        x=pretrain_steps / 2,
        y=1.02,
        xref="x",
        yref="paper",
        text=pretrain_label,
        showarrow=False,
        yanchor="bottom",
    )
    fig.add_annotation(
        x=pretrain_steps,
        y=1.02,
        xref="x",
        yref="paper",
        text=finetune_label,
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
    )
    fig.update_yaxes(range=[-0.02, 1.04], tickformat=".0%")
    fig.update_yaxes(title_text=general_axis, row=1, col=1)
    fig.update_yaxes(title_text=specialist_axis, row=2, col=1)
    fig.update_xaxes(title_text=x_axis, range=[0, last_step], row=2, col=1)
    # The legend goes under the plot: above it, it would collide with a two-line title.
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0})
    return fig


def regions_figure(
    *,
    axis: np.ndarray,
    answers: np.ndarray,
    general_points: tuple[np.ndarray, np.ndarray],
    specialist_points: tuple[np.ndarray, np.ndarray],
    library_points: tuple[np.ndarray, np.ndarray] | None = None,
    answer_names: Sequence[str],
    general_name: str,
    specialist_name: str,
    library_name: str,
    title: str,
    x_title: str,
    y_title: str,
) -> go.Figure:
    """The network's answer over the plane (a heatmap) with the questions on top.

    ``answers`` is ``(n, n)`` (row = y, column = x) over ``axis``; points are ``(xy, label)``
    pairs. General questions are outlined in the general colour, specialist ones in the
    specialist colour; a marker's shape is its right answer.
    """
    fig = charts.new_figure(
        title=title,
        x_title=x_title,
        y_title=y_title,
        height=600,
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
    )
    n = len(ANSWER_TINTS)
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
                        "line": {"color": "#000000", "width": 0.6},
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
                marker={
                    "symbol": "circle" if idea == "general" else "circle-open",
                    "size": 10,
                    "color": charts.colour(idea),
                },
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
    return fig


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
    return fig


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
    return fig
