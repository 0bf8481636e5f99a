"""The only part of brainlab that imports streamlit: the frame, shared widgets, caches.

Pages import from here; the rest of the package stays free of streamlit.

Each name is imported from its module when it is first used (PEP 562; Scientific Python's
SPEC 1 lazy loading): app.py draws the page's title before the step card, the quiz and
the widgets are imported, so the browser paints it sooner (issue 12).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Every public name and the module of brainlab.ui it comes from.
_SOURCES = {
    "chart": "widgets",
    "checkpoint": "quiz",
    "diagram": "widgets",
    "draw_sidebar": "frame",
    "glossary": "widgets",
    "lesson": "widgets",
    "md": "widgets",
    "onward": "stage",
    "page_header": "widgets",
    "page_links": "widgets",
    "picture": "widgets",
    "presenter_mode": "context",
    "section": "widgets",
    "simplifies_box": "widgets",
    "step_key": "stage",
    "stepper": "stage",
    "takeaway": "widgets",
    "term": "widgets",
    "vocab": "context",
    "words": "context",
}

__all__ = [
    "chart",
    "checkpoint",
    "diagram",
    "draw_sidebar",
    "glossary",
    "lesson",
    "md",
    "onward",
    "page_header",
    "page_links",
    "picture",
    "presenter_mode",
    "section",
    "simplifies_box",
    "step_key",
    "stepper",
    "takeaway",
    "term",
    "vocab",
    "words",
]


def __getattr__(name: str) -> Any:
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_SOURCES[name]}"), name)
    globals()[name] = value  # once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from brainlab.ui.context import presenter_mode, vocab, words
    from brainlab.ui.frame import draw_sidebar
    from brainlab.ui.quiz import checkpoint
    from brainlab.ui.stage import onward, step_key, stepper
    from brainlab.ui.widgets import (
        chart,
        diagram,
        glossary,
        lesson,
        md,
        page_header,
        page_links,
        picture,
        section,
        simplifies_box,
        takeaway,
        term,
    )
