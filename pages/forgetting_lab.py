"""Forgetting lab: a real small network learns a specialty and forgets its general skill."""

import streamlit as st

from brainlab import ui
from brainlab.ui import forgetting as lab

page = ui.lesson("forgetting_lab")
ui.page_header(page)

# 1. Predict, then reveal.
ui.section(page, "predict")
guess, revealed = lab.guess()

# 2. Drive the training.
ui.section(page, "controls")
settings = lab.controls()
result = lab.run(settings)

if revealed:
    lab.reveal(result, guess)

    # 3. The forgetting curve, several strategies overlaid.
    ui.section(page, "curve")
    strategies = lab.chosen_strategies()
    lab.curve_chart(result, strategies)

    # 4. See the brain forget.
    ui.section(page, "regions")
    lab.regions(result)

    # 5. Compare with RAG.
    ui.section(page, "rag")
    lab.rag_metrics(result)
else:
    lab.hidden_note()

# 6. Connect to the world.
ui.section(page, "world")
lab.references()

# 7. The human analogy, in a side panel.
with st.expander(lab.say(lab.words()["human"]["expander"]), icon=":material/neurology:"):
    ui.section(page, "human", heading=False)
    lab.human_panel()

# 8. Takeaways and what this simplifies.
ui.takeaway(page.section("takeaway").body)
ui.simplifies_box(page)

ui.section(page, "next")
ui.page_links(page.links)
ui.checkpoint(page)
