"""Which path?: six answers about a project, a recommendation with every point shown."""

from brainlab import decision, ui
from brainlab.ui import decision as dui

page = ui.lesson("which_path")
weights = decision.load_weights()
presets = decision.load_presets()
ui.page_header(page)

ui.section(page, "presets")
dui.preset_buttons(presets)

ui.section(page, "questions")
answers = dui.questionnaire(weights, start=decision.default_preset(presets))
scenario = dui.scenario_note(answers, presets)

rec = dui.recommend(answers, weights)
if rec is not None:
    ui.section(page, "recommendation")
    dui.recommendation_box(rec, weights, scenario)
    dui.score_chart(rec, weights)

    ui.section(page, "why")
    dui.why_table(rec, weights)

    ui.section(page, "reasons")
    dui.reasons(rec)
    dui.weights_table(weights)

ui.takeaway(page.section("takeaway").body)
ui.simplifies_box(page)
ui.checkpoint(page)
