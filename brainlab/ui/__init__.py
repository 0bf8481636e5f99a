"""The only part of brainlab that imports streamlit: the frame, shared widgets, caches.

Pages import from here; the rest of the package stays free of streamlit.
"""

from brainlab.ui.frame import draw_sidebar, presenter_mode, vocab
from brainlab.ui.quiz import checkpoint
from brainlab.ui.widgets import (
    diagram,
    glossary,
    lesson,
    md,
    page_header,
    page_links,
    section,
    simplifies_box,
    takeaway,
    term,
)

__all__ = [
    "checkpoint",
    "diagram",
    "draw_sidebar",
    "glossary",
    "lesson",
    "md",
    "page_header",
    "page_links",
    "presenter_mode",
    "section",
    "simplifies_box",
    "takeaway",
    "term",
    "vocab",
]
