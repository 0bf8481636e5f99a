"""Pipeline diagrams as data: content/diagrams.toml in, Mermaid source out.

Node labels may use ``{{term}}`` placeholders, so a diagram speaks the reader's vocabulary.
Each node carries an idea from :data:`brainlab.charts.PALETTE`, which gives its colour; the
shape carries the same meaning (a cylinder for a store, a stadium for an answer), so colour
is never the only cue.
"""

from __future__ import annotations

from dataclasses import dataclass

from brainlab.charts import PALETTE
from brainlab.content import CONTENT_DIR, ContentError, load_toml, render

_SHAPES = {
    "box": ('["', '"]'),
    "store": ('[("', '")]'),
    "answer": ('(["', '"])'),
    "step": ('[["', '"]]'),
}


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    idea: str
    shape: str = "box"
    short: str = ""  # the label of the compact diagram (the full label when empty)


@dataclass(frozen=True)
class Diagram:
    key: str
    alt: str
    caption: str
    direction: str
    nodes: tuple[Node, ...]
    edges: tuple[tuple[str, str, str], ...]


def load(key: str) -> Diagram:
    """Read diagram ``key`` from content/diagrams.toml, checking ids, ideas and shapes."""
    path = CONTENT_DIR / "diagrams.toml"
    data = load_toml("diagrams.toml").get(key)
    if not isinstance(data, dict):
        raise ContentError(path, f"has no diagram [{key}]")
    nodes = []
    for raw in data.get("nodes", []):
        node = Node(
            raw["id"],
            raw["label"],
            raw.get("idea", "base"),
            raw.get("shape", "box"),
            raw.get("short", ""),
        )
        if node.idea not in PALETTE:
            raise ContentError(path, f"[{key}] node {node.id!r}: unknown idea {node.idea!r}")
        if node.shape not in _SHAPES:
            raise ContentError(path, f"[{key}] node {node.id!r}: unknown shape {node.shape!r}")
        nodes.append(node)
    ids = {n.id for n in nodes}
    edges = []
    for raw in data.get("edges", []):
        src, dst, label = ([*list(raw), ""])[:3]
        if src not in ids or dst not in ids:
            raise ContentError(path, f"[{key}] edge {src}->{dst} names an unknown node")
        edges.append((src, dst, label))
    return Diagram(
        key=key,
        alt=data.get("alt", ""),
        caption=data.get("caption", ""),
        direction=data.get("direction", "LR"),
        nodes=tuple(nodes),
        edges=tuple(edges),
    )


def _escape(text: str) -> str:
    # Mermaid reads quotes and angle brackets inside labels as syntax.
    return (
        text.replace("&", "#amp;")
        .replace('"', "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;")
        .replace("\n", "<br/>")
    )


#: Tighter spacing between a diagram's rows and nodes, so a pipeline fits beside a step card.
_COMPACT = ', "flowchart": {"rankSpacing": 24, "nodeSpacing": 18, "padding": 6}'


def to_mermaid(diagram: Diagram, vocab: str, *, compact: bool = False) -> str:
    """Mermaid flowchart source for ``diagram`` with labels in ``vocab``.

    ``compact`` packs the rows closer (same label size), for a diagram on a lesson's stage.
    """
    # Larger labels than Mermaid's default (about 12 px as drawn): read on projectors.
    spacing = _COMPACT if compact else ""
    lines = ['%%{init: {"themeVariables": {"fontSize": "19px"}' + spacing + "}}%%"]
    lines.append(f"flowchart {diagram.direction}")
    for node in diagram.nodes:
        left, right = _SHAPES[node.shape]
        label = (node.short or node.label) if compact else node.label
        lines.append(f"    {node.id}{left}{_escape(render(label, vocab))}{right}")
    for src, dst, label in diagram.edges:
        # The compact diagram leaves edge labels to its caption: each one costs a row.
        arrow = f' -- "{_escape(render(label, vocab))}" --> ' if label and not compact else " --> "
        lines.append(f"    {src}{arrow}{dst}")
    for idea, hex_colour in PALETTE.items():
        text = "#000000" if idea in ("specialist", "hybrid") else "#FFFFFF"
        lines.append(f"    classDef {idea} fill:{hex_colour},stroke:{hex_colour},color:{text}")
    for idea in sorted({n.idea for n in diagram.nodes}):
        ids = ",".join(n.id for n in diagram.nodes if n.idea == idea)
        lines.append(f"    class {ids} {idea}")
    return "\n".join(lines)
