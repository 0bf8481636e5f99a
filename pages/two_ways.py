"""Lesson 1: Two ways to upgrade a brain — specialist training and the super library."""

import streamlit as st

from brainlab import ui

page = ui.lesson("two_ways")


def show(step_id: str) -> None:
    """What the current step points at: the picture, a pipeline, a table, the labs."""
    if step_id == "brain":
        ui.picture("brain_analogy")
    elif step_id == "specialist":
        ui.diagram("fine_tune", compact=True)
    elif step_id == "library":
        ui.diagram("rag", compact=True)
    elif step_id == "differences":
        ui.section(page, "at_a_glance", heading=False)
    elif step_id == "which_fits":
        ui.section(page, "fits", heading=False)
    else:
        ui.takeaway(page.section("takeaway").body)
        ui.page_links(page.links, columns=1)


# The stage: the title, then the step card on the left and what it shows on the right.
ui.page_header(page)
left, right = st.columns(2, gap="medium")
with left:
    step = ui.stepper(page)
with right, st.container(key="two_ways_visual"):
    show(step.id)

ui.simplifies_box(page)
ui.glossary()
ui.checkpoint(page)
