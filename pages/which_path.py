"""Which path?: six answers about a project, a recommendation with every point shown."""

from brainlab import decision, ui
from brainlab.ui import decision as dui

page = ui.lesson("which_path")

# The stage: the title, the step card and the scenarios beside the six questions, the
# recommendation and the live score bars; the working (why, reasons, cost) in tabs below.
dui.stage(page, decision.load_weights(), decision.load_presets())

ui.takeaway(page.section("takeaway").body)
ui.simplifies_box(page)
ui.checkpoint(page)
