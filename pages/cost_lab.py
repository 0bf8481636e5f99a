"""Cost lab: what prompting, RAG, fine-tuning and both cost, from assumptions you can edit."""

from brainlab import ui
from brainlab.ui import costs as cost_ui

page = ui.lesson("cost_lab")

# The stage: the title, the step card, the scenario and the quick sliders beside the
# verdict, the running total and the open assumptions table. Below it, one tab per section:
# each month's parts, the cost per question, which number matters, how sure, the model, files.
cost_ui.stage(page, below=("monthly", "volume", "sensitivity", "band", "model", "files"))

ui.takeaway(page.section("takeaway").body)
ui.simplifies_box(page)
ui.checkpoint(page)
