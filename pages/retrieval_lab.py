"""Retrieval lab: ask a toy library, see what the retriever fetches and the two answers, edit
the library beside them and watch the library's answer change while the fine-tuned brain
stays stale until it is retrained."""

from brainlab import ui
from brainlab.ui import retrieval as rui

page = ui.lesson("retrieval_lab")

# The stage: the title, the question, the main settings and the step card on the left; the
# fetched chunks, the two answers and the edit panel on the right (the model loads there,
# once, under a status, after the lesson's card has painted); the working in tabs below.
rui.stage(page)

ui.takeaway(page.section("takeaway").body)
ui.simplifies_box(page)

ui.section(page, "next")
ui.page_links(page.links)
ui.checkpoint(page)
