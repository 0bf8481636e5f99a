"""Which path?: a placeholder until its own issue lands; it says what the lab will show."""

from brainlab import ui

page = ui.lesson("which_path")
ui.page_header(page)
ui.coming_soon(page)
ui.simplifies_box(page)
ui.checkpoint(page)
