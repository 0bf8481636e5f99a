"""The only part of brainlab that imports streamlit: the frame, shared widgets, caches.

Pages import from here; the rest of the package stays free of streamlit.
"""

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
