"""Lesson 1: Two ways to upgrade a brain — specialist training and the super library."""

import streamlit as st

from brainlab import ui

page = ui.lesson("two_ways")
ui.page_header(page)

ui.section(page, "analogy")

ui.section(page, "pipelines")
left, right = st.columns(2, gap="large")
with left:
    st.subheader(ui.term("Fine_tuning"), anchor=False)
    ui.diagram("fine_tune")
with right:
    st.subheader(ui.term("Rag"), anchor=False)
    ui.diagram("rag")

ui.section(page, "differences")
ui.section(page, "which_fits")
ui.section(page, "combine")
ui.takeaway(page.section("takeaway").body)
ui.simplifies_box(page)

ui.section(page, "next")
ui.page_links(page.links)
ui.glossary()
ui.checkpoint(page)
