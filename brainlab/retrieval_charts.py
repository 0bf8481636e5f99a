"""The retrieval lab's figure: the 2-D map of chunk embeddings (pure plotly, no streamlit).

Kept beside :mod:`brainlab.charts` (whose palette and base layout it uses) so the shared
module does not grow with one lab's figure.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from brainlab.charts import EXTRA_COLOURS, PALETTE, new_figure

# Topics are categories, not the app's ideas: they take the Okabe–Ito colours that this page
# gives no other meaning (RAG blue and fine-tuning vermillion stay for the question and the
# brain). Each topic also has its own marker shape, so colour is never the only cue.
_TOPIC_COLOURS = (
    EXTRA_COLOURS[0],  # sky blue
    PALETTE["specialist"],  # orange
    PALETTE["general"],  # bluish green
    PALETTE["hybrid"],  # reddish purple
    PALETTE["base"],  # grey
    EXTRA_COLOURS[1],  # yellow
)
_TOPIC_MARKERS = ("circle", "square", "diamond", "triangle-up", "x", "pentagon")


def embedding_map(
    *,
    xy: np.ndarray,
    topics: Sequence[str],
    topic_names: dict[str, str],
    labels: Sequence[str],
    query_xy: np.ndarray | None,
    top: Sequence[int],
    title: str,
    x_title: str,
    y_title: str,
    query_label: str,
) -> go.Figure:
    """Chunks as dots coloured and shaped by topic, the question as a star, and lines from
    the question to the chunks of ``top`` (indices chosen elsewhere, in the full space).

    Parameters
    ----------
    xy
        ``(n, 2)`` coordinates of the chunks.
    topics, labels
        Each chunk's topic key and hover label.
    topic_names
        Display names of the topic keys, in legend order; unknown keys go last.
    query_xy, top
        The question's coordinates (or ``None``) and the indices of its top-k chunks.
    """
    fig = new_figure(title=title, x_title=x_title, y_title=y_title, height=520)
    order = list(topic_names) + sorted({t for t in topics} - set(topic_names))
    topics_arr = np.asarray(topics, dtype=object)
    for i, topic in enumerate(order):
        idx = np.flatnonzero(topics_arr == topic)
        if not len(idx):
            continue
        fig.add_trace(
            go.Scatter(
                x=xy[idx, 0],
                y=xy[idx, 1],
                mode="markers",
                # Plotly draws legend and hover text as HTML (links included): names and
                # labels come from the reader's library, so they are escaped (not quotes:
                # plotly shows &quot; as it is, and a quote cannot open a tag).
                name=html.escape(topic_names.get(topic, topic or "Other"), quote=False),
                marker={
                    "size": 11,
                    "color": _TOPIC_COLOURS[i % len(_TOPIC_COLOURS)],
                    "symbol": _TOPIC_MARKERS[i % len(_TOPIC_MARKERS)],
                    "line": {"width": 1, "color": "rgba(0,0,0,0.45)"},
                },
                text=[html.escape(labels[j], quote=False) for j in idx],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    if query_xy is not None:
        qx, qy = float(query_xy[0]), float(query_xy[1])
        line_x: list[float | None] = []
        line_y: list[float | None] = []
        for j in top:
            line_x += [qx, float(xy[j, 0]), None]
            line_y += [qy, float(xy[j, 1]), None]
        fig.add_trace(
            go.Scatter(
                x=line_x,
                y=line_y,
                mode="lines",
                name="top-k (cosine, 384-D)",
                line={"color": PALETTE["rag"], "width": 2, "dash": "dash"},
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[qx],
                y=[qy],
                mode="markers",
                name=html.escape(query_label, quote=False),
                marker={
                    "size": 20,
                    "symbol": "star",
                    "color": PALETTE["rag"],
                    "line": {"width": 1.5, "color": "white"},
                },
                hovertemplate=f"{html.escape(query_label, quote=False)}<extra></extra>",
            )
        )
    fig.update_layout(legend={"orientation": "h", "y": -0.18, "yanchor": "top"})
    fig.update_xaxes(zeroline=False, showticklabels=False)
    fig.update_yaxes(zeroline=False, showticklabels=False)
    return fig
