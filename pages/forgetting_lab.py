"""Forgetting lab: a real small network learns a specialty and forgets its general skill."""

from brainlab import ui
from brainlab.ui import forgetting as lab

page = ui.lesson("forgetting_lab")

# The stage: the title, the step card and the training sliders beside the guess, which
# turns into the verdict and the forgetting curve; the map, the comparison with the
# library, the published numbers and the human analogy in tabs below.
lab.stage(page)

ui.takeaway(page.section("takeaway").body)
ui.simplifies_box(page)
ui.section(page, "next")
ui.page_links(page.links)
ui.checkpoint(page)
