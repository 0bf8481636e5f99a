"""Retrieval lab: ask a toy library, see what the retriever fetches and what the model is
sent, then edit the library and watch the answer change while the fine-tuned brain stays
stale until it is retrained."""

from brainlab import ui
from brainlab.ui import retrieval as rui

page = ui.lesson("retrieval_lab")
ui.page_header(page)

# The lesson's text is on screen before the model loads (a few seconds, once per process).
rui.load_model()

ui.section(page, "ask")
question = rui.query_box()
settings = rui.controls()
index = rui.retriever(settings)

ui.section(page, "hits")
hits = rui.hits_view(index, question, settings)

ui.section(page, "answer")
rui.answers(question, hits, settings)
rui.retrain_source()

ui.section(page, "prompt")
prompt = rui.prompt_view(index, question, hits)
rui.llm_settings(prompt)

ui.section(page, "map")
rui.map_view(index, question, settings)

ui.section(page, "chunks")
rui.chunk_view(settings)

ui.section(page, "update")
rui.update_panel()

ui.takeaway(page.section("takeaway").body)
ui.simplifies_box(page)

ui.section(page, "next")
ui.page_links(page.links)
ui.checkpoint(page)
