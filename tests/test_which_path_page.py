"""AppTest of the "Which path?" page: steps, questions, scenarios, costs and the quiz."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from brainlab import costs, decision, quiz
from tests.apptest import run_page, texts

QUESTION_KEYS = [f"which_path_{q}" for q in decision.QUESTIONS]


def answers_shown(at) -> dict:
    return {k.removeprefix("which_path_"): at.selectbox(key=k).value for k in QUESTION_KEYS}


def choose(at, preset_id: str):
    """Pick a scenario in the scenario box and rerun."""
    return at.selectbox(key="which_path_preset").set_value(preset_id).run()


def chart_scores(at) -> dict[str, float]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    bar = spec["data"][0]
    x = bar["x"]
    if isinstance(x, dict):  # plotly 7 stores arrays as base64
        x = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist()
    return dict(zip(bar["y"], x, strict=True))


def preset_answers(preset_id: str) -> dict:
    return next(p for p in decision.load_presets() if p.id == preset_id).answers


def recommended(at) -> str:
    return at.subheader[0].value


def test_the_page_starts_from_the_default_scenario_and_recommends_rag():
    at = run_page("which_path")
    assert not at.exception, at.exception
    default = decision.default_preset()
    assert answers_shown(at) == default.answers
    assert recommended(at) == "The super library"
    body = texts(at)
    assert "Your answers are the scenario Customer-service bot." in body
    assert at.selectbox(key="which_path_preset").value == default.id
    # Every answer that moved a score has its reason on the page.
    rec = decision.recommend(default.answers)
    assert len(rec.reasons) == 6
    assert "The facts change every day or week" in body


def test_the_score_bars_show_the_four_scores_in_the_palette():
    at = run_page("which_path", query={"vocab": "Technical"})
    scores = chart_scores(at)
    expected = decision.recommend(decision.default_preset().answers).scores
    # The recommended path is marked in words (bold, "best"), not by colour alone.
    assert scores == {
        "Prompt engineering": expected["prompting"],
        "<b>RAG (best)</b>": expected["rag"],
        "Fine-tuning": expected["fine_tune"],
        "Both": expected["hybrid"],
    }
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["data"][0]["marker"]["color"] == ["#7F7F7F", "#0072B2", "#D55E00", "#CC79A7"]
    assert "RAG scores highest" in spec["layout"]["title"]["text"]


@pytest.mark.parametrize(
    ("preset_id", "headline"),
    [
        ("news_summary", "The super library"),
        ("medical", "Specialist training"),
        # Legal cites the law it rests on (issue 14, item 10): both, not training alone.
        ("legal", "Both: a specialist with a library card"),
        ("hospital_assistant", "Both: a specialist with a library card"),
        ("prompting_first", "Asking well only"),
    ],
)
def test_a_preset_fills_the_questions_and_changes_the_recommendation(preset_id, headline):
    at = run_page("which_path")
    choose(at, preset_id)
    assert not at.exception, at.exception
    preset = next(p for p in decision.load_presets() if p.id == preset_id)
    assert answers_shown(at) == preset.answers
    assert recommended(at) == headline
    assert f"Your answers are the scenario {preset.label}." in texts(at)
    assert at.selectbox(key="which_path_preset").value == preset_id


def test_answers_that_do_not_count_are_marked_in_the_table_and_the_reasons():
    # The default scenario needs facts: its examples, GPU budget and volume give no points.
    at = run_page("which_path")
    table = at.dataframe[0].value
    answers = dict(zip(table.iloc[:-1, 0], table.iloc[:-1, 1], strict=True))
    assert answers["Examples"] == "Hundreds (not counted)"
    assert answers["GPU budget"] == "Some (not counted)"
    assert answers["Facts change"] == "Daily"
    row = table[table.iloc[:, 0] == "GPU budget"].iloc[0]
    assert row.iloc[2:].tolist() == [0, 0, 0, 0]
    body = texts(at)
    assert "Your GPU budget is not counted: the project needs facts" in body
    # The weights table names the condition.
    weights = at.dataframe[1].value
    assert "Plenty (only if Must gain: A skill or style / Both)" in weights.iloc[:, 1].tolist()
    # A skill need makes them count again.
    at.selectbox(key="which_path_need").set_value("behaviour").run()
    table = at.dataframe[0].value
    answers = dict(zip(table.iloc[:-1, 0], table.iloc[:-1, 1], strict=True))
    assert answers["Examples"] == "Hundreds"
    assert "is not counted" not in texts(at) and "are not counted" not in texts(at)


def test_changing_one_answer_moves_the_recommendation_live():
    at = run_page("which_path")
    choose(at, "medical")
    assert recommended(at) == "Specialist training"
    at.selectbox(key="which_path_need").set_value("both").run()
    assert not at.exception
    assert recommended(at) == "Both: a specialist with a library card"
    assert "nearest scenario: Medical diagnosis support (1 of 6 differ)" in texts(at)
    # The scenario box no longer claims a scenario: the answers are the reader's own.
    assert at.selectbox(key="which_path_preset").value is None
    # The why table's score row is the sum of each column.
    table = at.dataframe[0].value
    score_row = table.iloc[-1]
    assert score_row.iloc[0] == "Score"
    assert table.iloc[:-1, 2:].sum().tolist() == score_row.iloc[2:].tolist()


def step_title(at) -> str:
    card = [m.value for m in at.markdown if m.value.startswith("**Step ")]
    assert len(card) == 1, card
    return card[0]


def test_the_lesson_steps_forward_and_back_beside_the_stage():
    at = run_page("which_path")
    steps = decision_page_steps()
    assert step_title(at) == f"**Step 1 of {len(steps)} · {steps[0].title}**"
    at.button(key="which_path_step_next").click().run()
    assert not at.exception
    assert step_title(at) == f"**Step 2 of {len(steps)} · {steps[1].title}**"
    # The stage stays on every step: the questions, the recommendation and the bars.
    assert len(at.selectbox) == 1 + len(QUESTION_KEYS)
    assert recommended(at) == "The super library"
    assert at.get("plotly_chart")
    at.button(key="which_path_step_next").click().run()
    assert step_title(at).startswith(f"**Step 3 of {len(steps)} · ")
    at.button(key="which_path_step_back").click().run()
    at.button(key="which_path_step_back").click().run()
    assert step_title(at) == f"**Step 1 of {len(steps)} · {steps[0].title}**"
    # A step and an answer are independent: changing one keeps the other.
    at.button(key="which_path_step_next").click().run()
    choose(at, "medical")
    assert step_title(at).startswith(f"**Step 2 of {len(steps)} · ")
    assert recommended(at) == "Specialist training"


def decision_page_steps():
    from brainlab.content import load_lesson

    return load_lesson("which_path").steps


def test_answers_come_from_a_shared_link():
    query = {
        "which_path_knowledge_change": "Rarely",
        "which_path_need": "A skill or style",
        "which_path_citations": "No",
        "which_path_examples": "None",
        "which_path_gpu_budget": "None",
        "which_path_query_volume": "Low",
    }
    at = run_page("which_path", query=query)
    assert not at.exception
    assert recommended(at) == "Asking well only"


def test_a_nonsense_value_in_the_link_is_ignored_not_a_crash():
    at = run_page("which_path", query={"which_path_examples": "<script>alert(1)</script>"})
    assert not at.exception
    assert at.selectbox(key="which_path_examples").value == "hundreds"
    assert recommended(at) == "The super library"


def test_each_reason_links_to_the_lab_that_shows_it():
    at = run_page("which_path")
    choose(at, "hospital_assistant")
    links = [(el.proto.page, el.proto.label) for el in at.main.get("page_link")]
    labels = [label for _, label in links]
    assert "See the forgetting curve in the Forgetting lab" in labels
    assert "See the sources behind an answer in the Retrieval lab" in labels
    # Its high volume is not counted (it needs facts looked up): that reason links to the
    # lab that shows what the fetched pages cost.
    assert "See what the fetched pages cost per question in the Cost lab" in labels
    # One link per reason (every answer of this scenario moves a score), plus the cost link.
    assert len(links) == len(decision.recommend(preset_answers("hospital_assistant")).reasons) + 1
    assert {page for page, _ in links} == {"retrieval_lab", "forgetting_lab", "cost_lab", ""}


def test_the_cost_estimate_is_the_cost_labs_twelve_month_total_for_the_matching_preset():
    at = run_page("which_path")
    choose(at, "legal")
    expected = costs.total_costs(
        costs.apply_preset(costs.default_assumptions(), "legal_analysis"), months=12
    )
    metric = at.metric[0]
    assert metric.label == "Cost over 12 months"
    assert "for Both: a specialist with a library card, on the Cost lab's model" in texts(at)
    assert metric.value == f"${expected['hybrid']:,.0f}"
    assert f"${expected['fine_tune']:,.0f}" in texts(at)
    assert f"${expected['prompt_only']:,.0f}" in texts(at)
    assert "Legal analysis" in texts(at)


def test_the_weights_are_shown():
    at = run_page("which_path")
    weights = at.dataframe[1].value
    assert len(weights) == sum(len(f.options) for f in decision.load_weights().factors)


# --------------------------------------------------------------------------- the checkpoint


def score_text(at) -> str:
    bars = at.sidebar.get("progress")
    return bars[0].proto.text if bars else ""


def test_a_right_and_a_wrong_answer_get_feedback_and_the_sidebar_keeps_score():
    at = run_page("which_path")
    questions = quiz.questions_for("which_path")
    assert len(at.radio) == len(questions)
    assert all(r.value is None for r in at.radio)  # nothing pre-selected
    total = len(quiz.load_questions())

    first, second = questions[0], questions[1]
    at.radio(key="which_path_quiz_" + first.id).set_value(first.answer).run()
    assert not at.exception
    assert any(first.choices[first.answer].why.split("{{")[0][:20] in s.value for s in at.success)
    assert score_text(at) == f"1 right of 1 answered ({total} questions in all)"

    wrong = next(i for i, c in enumerate(second.choices) if not c.correct)
    at.radio(key="which_path_quiz_" + second.id).set_value(wrong).run()
    assert any(e.value.startswith("**Not quite.**") for e in at.error)
    # Every other option is explained, the right one marked.
    explained = [m.value for m in at.markdown if m.value.startswith("Why each option")]
    assert explained and "Right answer" in explained[-1]
    assert score_text(at) == f"1 right of 2 answered ({total} questions in all)"

    # The answers survive a trip to another page and back.
    at.switch_page("pages/two_ways.py").run()
    assert score_text(at) == f"1 right of 2 answered ({total} questions in all)"
    at.switch_page("pages/which_path.py").run()
    assert at.radio(key="which_path_quiz_" + first.id).value == first.answer

    at.button(key="which_path_quiz_reset").click().run()
    assert not at.exception
    assert score_text(at) == ""
    assert all(r.value is None for r in at.radio)
    assert "No checkpoint answered yet" in " ".join(c.value for c in at.sidebar.caption)
