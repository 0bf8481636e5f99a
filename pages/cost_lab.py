"""Cost lab: what prompting, RAG, fine-tuning and both cost, from assumptions you can edit."""

from brainlab import ui
from brainlab.ui import costs as cost_ui

page = ui.lesson("cost_lab")
ui.page_header(page)

ui.section(page, "model")

# The interactive panel (scenario, sliders, table, verdict, five charts) reruns on its own.
cost_ui.lab(page)

ui.takeaway(page.section("takeaway").body)
ui.simplifies_box(page)
ui.checkpoint(page)
