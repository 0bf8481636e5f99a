"""Lesson builder: a teacher picks steps, scenarios and controls to hide or lock, and gets
one link (with its QR code) that opens exactly that lesson."""

import streamlit as st

from brainlab import ui
from brainlab.ui import builder

page = ui.lesson("lesson_builder")

ui.page_header(page)
left, right = st.columns([3, 2], gap="large")
with left:
    ui.section(page, "steps", level=3)
    steps = builder.pick_steps()
    ui.section(page, "presets", level=3)
    presets = builder.pick_presets()
    ui.section(page, "controls", level=3)
    hide, lock = builder.pick_controls()
    frame = builder.pick_frame()
with right:
    ui.section(page, "result", level=3)
    builder.result(steps, hide, lock, presets, frame)

ui.simplifies_box(page)
ui.onward(page.slug)
