"""Forgetting lab: a placeholder until its own issue lands; it says what the lab will show."""

from brainlab import ui

page = ui.lesson("forgetting_lab")
ui.page_header(page)
ui.coming_soon(page)
ui.simplifies_box(page)
ui.checkpoint(page)
