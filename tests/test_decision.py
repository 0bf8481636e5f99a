"""The "Which path?" scoring: the lesson's scenarios, exact sums, and clear errors."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from brainlab import decision
from brainlab.content import ContentError, load_lesson
from brainlab.decision import PATHS, QUESTIONS, AnswerError, load_presets, load_weights, recommend

ROOT = Path(__file__).resolve().parent.parent

CUSTOMER_SERVICE = {
    "knowledge_change": "daily",
    "need": "facts",
    "citations": True,
    "examples": "hundreds",
    "gpu_budget": "some",
    "query_volume": "high",
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "pages", tmp_path / "pages")
    return tmp_path / "content"


# --------------------------------------------------------------------------- the lesson's scenarios


@pytest.mark.parametrize(
    ("preset_id", "expected"),
    [
        ("customer_service", "rag"),
        ("news_summary", "rag"),
        ("medical", "fine_tune"),
        # The article sends law to fine-tuning; a legal answer must cite the statute or
        # ruling it rests on, so the style comes from training and the law from a library.
        ("legal", "hybrid"),
        ("hospital_assistant", "hybrid"),
        ("prompting_first", "prompting"),
    ],
)
def test_the_lesson_scenarios_come_out_as_the_lesson_says(preset_id, expected):
    preset = next(p for p in load_presets() if p.id == preset_id)
    assert preset.expect == expected
    rec = recommend(preset.answers)
    assert rec.path == expected, rec.scores
    assert not rec.close_call, rec.scores


def test_every_shipped_preset_meets_its_expectation():
    for preset in load_presets():
        assert recommend(preset.answers).path == preset.expect, preset.id


def test_the_lesson_text_names_the_scenarios_the_presets_encode():
    lesson = load_lesson("two_ways").section("which_fits").body.lower()
    for words in (
        "customer-service bot",
        "news-summary app",
        "medical diagnosis",
        "legal document",
    ):
        assert words in lesson


def test_medicine_and_law_show_the_articles_view_then_the_evidence():
    # Issue 14, item 10: the legal scenario must show its sources; the lesson says what the
    # article says, then what the evidence adds (facts by retrieval with citations, the
    # specialist style by training, so often both).
    legal = next(p for p in load_presets() if p.id == "legal")
    assert legal.answers["citations"] is True
    assert legal.answers["need"] == "both"
    lesson = load_lesson("two_ways").section("which_fits").body
    assert lesson.index("sends it to **{{fine_tuning}}**") < lesson.index("What the evidence adds")
    evidence = lesson[lesson.index("What the evidence adds") :]
    for words in ("{{rag}} with citations", "{{fine_tuning}}", "**both**", "Ovadia et al."):
        assert words in evidence, words


def test_customer_service_scores_are_the_exact_sums_of_the_weights():
    rec = recommend(CUSTOMER_SERVICE)
    # Daily (-1, 3, -2, 2) + facts (0, 3, -2, 0) + citations (-1, 2, -2, 2); the examples,
    # the budget and the high volume are not counted, because the need is facts.
    assert rec.scores == {"prompting": -2.0, "rag": 8.0, "fine_tune": -6.0, "hybrid": 4.0}
    assert rec.runner_up == "hybrid"
    assert rec.margin == 4.0
    assert rec.contributions["counted"].tolist() == [True, True, True, False, False, False]
    # Each score is the sum of its column in the "why" table.
    for path in PATHS:
        assert rec.contributions[path].sum() == rec.scores[path]
    assert list(rec.contributions.index) == list(QUESTIONS)
    assert rec.contributions.loc["citations", "answer"] == "Yes"
    assert rec.contributions.loc["citations", "rag"] == 2


def test_a_reason_for_every_answer_that_moved_a_score_and_none_for_the_others():
    answers = {**CUSTOMER_SERVICE, "need": "both", "citations": False, "query_volume": "medium"}
    rec = recommend(answers)
    # citations=False and medium volume give every path 0 points: no reason for them.
    assert [d.factor for d in rec.details] == ["knowledge_change", "need", "examples", "gpu_budget"]
    assert all(d.counted for d in rec.details)
    assert len(rec.reasons) == 4
    assert all(r.endswith(".") for r in rec.reasons)
    assert rec.details[0].link is not None and rec.details[0].link.page == "retrieval_lab"


def test_an_answer_that_does_not_count_gives_no_points_and_says_why():
    weights = load_weights()
    answers = {**CUSTOMER_SERVICE, "citations": False, "query_volume": "medium"}
    rec = recommend(answers, weights)
    examples, budget = rec.details[2], rec.details[3]
    assert (examples.factor, budget.factor) == ("examples", "gpu_budget")
    assert not examples.counted and not budget.counted
    assert examples.points == dict.fromkeys(PATHS, 0.0)
    # The reason shown is the option's "skipped" sentence, not the one that argues for training.
    option = weights.factor("examples").option("hundreds")
    assert examples.text == option.skipped != option.reason
    assert "facts belong in" in examples.text and "facts belong in" in budget.text
    assert rec.reasons == [d.text for d in rec.details]
    # A skipped answer links to the lab that shows why (the library), not to training.
    assert examples.link is not None and examples.link.page == "retrieval_lab"
    row = rec.contributions.loc["examples"]
    assert not row["counted"] and [row[p] for p in PATHS] == [0, 0, 0, 0]
    # With a skill to learn, the same answers count again.
    skill = recommend({**answers, "need": "behaviour"}, weights)
    assert skill.contributions.loc["examples", "fine_tune"] == 1
    assert all(d.counted for d in skill.details)


# --------------------------------------------------------------------------- the traps
#
# Issue 14: budget and example points used to count whatever the need, so the guide
# recommended training to store facts.


def every_combination(weights):
    for values in itertools.product(*(f.values for f in weights.factors)):
        yield dict(zip(QUESTIONS, values, strict=True))


def test_trap_stable_facts_many_examples_big_budget_high_volume_is_not_fine_tuning():
    answers = {
        "knowledge_change": "rarely",
        "need": "facts",
        "citations": False,
        "examples": "thousands",
        "gpu_budget": "plenty",
        "query_volume": "high",
    }
    rec = recommend(answers)
    assert rec.path == "rag", rec.scores
    assert rec.scores["fine_tune"] < rec.scores["rag"]
    assert rec.scores["fine_tune"] < rec.scores["prompting"]


def test_trap_daily_facts_no_citations_big_budget_is_not_hybrid():
    answers = {
        "knowledge_change": "daily",
        "need": "facts",
        "citations": False,
        "examples": "thousands",
        "gpu_budget": "plenty",
        "query_volume": "high",
    }
    rec = recommend(answers)
    assert rec.path == "rag", rec.scores
    assert not rec.close_call
    assert rec.scores["hybrid"] < rec.scores["rag"]


def test_facts_belong_in_a_library_whatever_the_budget():
    # A need for facts (alone or with a skill) never gets fine-tuning alone, and facts
    # alone never get any training at all: only a library, or a prompt.
    weights = load_weights()
    for answers in every_combination(weights):
        path = recommend(answers, weights).path
        if answers["need"] == "facts":
            assert path in ("rag", "prompting"), answers
        if answers["need"] == "both":
            assert path != "fine_tune", answers


def test_with_a_facts_need_more_examples_budget_or_volume_change_no_score():
    # Beyond "none" (which rules training out) and "low" (which says it would not pay
    # back), more examples, more budget and more questions give training nothing.
    weights = load_weights()
    more = {"examples": "thousands", "gpu_budget": "plenty", "query_volume": "high"}
    less = {"examples": "hundreds", "gpu_budget": "some", "query_volume": "medium"}
    for answers in every_combination(weights):
        if answers["need"] != "facts" or any(answers[k] != v for k, v in less.items()):
            continue
        base = recommend(answers, weights).scores
        for key, value in more.items():
            assert recommend({**answers, key: value}, weights).scores == base, (answers, key)


def test_hybrid_needs_a_skill_and_facts_to_look_up():
    # Both halves must be needed: a skill or style for the training, and facts for the
    # library (the need says so, the facts change monthly or faster, or sources are shown).
    weights = load_weights()
    seen = 0
    for answers in every_combination(weights):
        if recommend(answers, weights).path != "hybrid":
            continue
        seen += 1
        assert answers["need"] in ("behaviour", "both"), answers
        assert (
            answers["need"] == "both"
            or answers["knowledge_change"] in ("daily", "monthly")
            or answers["citations"]
        ), answers
    assert seen > 0


def test_a_skill_with_examples_and_budget_still_gets_training():
    # The gate works one way only: with a skill to learn, the same answers count.
    answers = {
        "knowledge_change": "rarely",
        "need": "behaviour",
        "citations": False,
        "examples": "thousands",
        "gpu_budget": "plenty",
        "query_volume": "high",
    }
    assert recommend(answers).path == "fine_tune"
    assert recommend({**answers, "knowledge_change": "daily", "citations": True}).path == "hybrid"


def test_a_condition_on_an_unknown_answer_names_the_file(tree: Path):
    path = tree / "decision.toml"
    text = path.read_text()
    old = '\n  counts_when = { need = ["behaviour", "both"] }'
    assert old in text
    path.write_text(text.replace(old, '\n  counts_when = { need = ["skills"] }', 1))
    with pytest.raises(ContentError, match=r"decision\.toml: .*counts_when 'need' has no answer"):
        load_weights(tree)
    path.write_text(text.replace(old, '\n  counts_when = { mood = ["good"] }', 1))
    with pytest.raises(ContentError, match="names 'mood', not another question"):
        load_weights(tree)


def test_a_condition_without_a_skipped_sentence_is_rejected(tree: Path):
    path = tree / "decision.toml"
    text = path.read_text()
    import re

    path.write_text(re.sub(r"\n  skipped = [^\n]*", "", text, count=1))
    with pytest.raises(ContentError, match="needs a 'skipped' sentence"):
        load_weights(tree)


def test_no_examples_no_budget_stable_facts_means_prompting_first():
    # Whatever the need and the volume: with nothing to train on, no budget, facts that
    # never change and no sources to show, start with prompting.
    for need, volume in itertools.product(
        ("facts", "behaviour", "both"), ("low", "medium", "high")
    ):
        answers = {
            "knowledge_change": "rarely",
            "need": need,
            "citations": False,
            "examples": "none",
            "gpu_budget": "none",
            "query_volume": volume,
        }
        assert recommend(answers).path == "prompting", (need, volume)


def test_fine_tuning_is_never_recommended_without_examples_or_budget():
    weights = load_weights()
    for values in itertools.product(*(f.values for f in weights.factors)):
        answers = dict(zip(QUESTIONS, values, strict=True))
        if answers["examples"] == "none" or answers["gpu_budget"] == "none":
            assert recommend(answers, weights).path not in ("fine_tune", "hybrid"), answers


def test_changing_facts_that_must_be_cited_never_get_fine_tuning_alone():
    weights = load_weights()
    for values in itertools.product(*(f.values for f in weights.factors)):
        answers = dict(zip(QUESTIONS, values, strict=True))
        if answers["knowledge_change"] == "daily" and answers["citations"]:
            assert recommend(answers, weights).path != "fine_tune", answers


def test_ties_go_to_the_simpler_path(tree: Path):
    path = tree / "decision.toml"
    text = path.read_text()
    # Make every answer give nothing: all four paths tie at 0.
    import re

    text = re.sub(r"points = \{[^}]*\}", "points = {}", text)
    path.write_text(text)
    weights = load_weights(tree)
    rec = recommend(CUSTOMER_SERVICE, weights)
    assert rec.path == "prompting" and rec.runner_up == "rag"
    assert rec.margin == 0 and rec.close_call
    assert rec.reasons == []


# --------------------------------------------------------------------------- bad answers


def test_a_missing_answer_names_its_key():
    answers = dict(CUSTOMER_SERVICE)
    del answers["gpu_budget"]
    with pytest.raises(AnswerError, match="'gpu_budget': has no answer") as info:
        recommend(answers)
    assert info.value.key == "gpu_budget"


def test_an_unknown_value_names_its_key_and_the_allowed_values():
    with pytest.raises(AnswerError, match=r"'need': unknown answer 'vibes'.*'facts'") as info:
        recommend({**CUSTOMER_SERVICE, "need": "vibes"})
    assert info.value.key == "need"


def test_a_truthy_string_is_not_a_boolean_answer():
    with pytest.raises(AnswerError, match="'citations'"):
        recommend({**CUSTOMER_SERVICE, "citations": "yes"})
    with pytest.raises(AnswerError, match="'citations'"):
        recommend({**CUSTOMER_SERVICE, "citations": 1})


def test_an_unknown_question_is_named():
    with pytest.raises(AnswerError, match="'mood': is not a question"):
        recommend({**CUSTOMER_SERVICE, "mood": "good"})


def test_none_counts_as_missing():
    with pytest.raises(AnswerError, match="'examples': has no answer"):
        recommend({**CUSTOMER_SERVICE, "examples": None})


def test_answers_must_be_a_dict():
    with pytest.raises(AnswerError, match="must be a dict"):
        recommend([("need", "facts")])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the weights file


def test_the_weights_table_shows_every_option_of_every_question():
    weights = load_weights()
    table = weights.table()
    assert len(table) == sum(len(f.options) for f in weights.factors) == 18
    assert list(table.columns) == ["question", "answer", *PATHS, "only_if"]
    assert table.isna().sum().sum() == 0
    # The conditions are shown in the questions' own words.
    plenty = table[(table["question"] == "GPU budget") & (table["answer"] == "Plenty")]
    assert plenty["only_if"].item() == "Must gain: A skill or style / Both"
    assert table[table["question"] == "Facts change"]["only_if"].eq("").all()


def test_every_option_that_moves_a_score_has_a_plain_reason():
    for factor in load_weights().factors:
        for option in factor.options:
            assert option.reason.strip().endswith("."), (factor.key, option.value)


def test_a_non_numeric_weight_names_the_file(tree: Path):
    path = tree / "decision.toml"
    path.write_text(path.read_text().replace("rag = 3, fine_tune = -2, hybrid = 2", 'rag = "lots"'))
    with pytest.raises(
        ContentError, match=r"decision\.toml: .*points\.rag must be a finite number"
    ):
        load_weights(tree)


def test_an_unknown_path_in_the_weights_names_the_file(tree: Path):
    path = tree / "decision.toml"
    path.write_text(path.read_text().replace("hybrid = 2 }", "hybird = 2 }", 1))
    with pytest.raises(ContentError, match=r"unknown paths \['hybird'\]"):
        load_weights(tree)


def test_a_preset_with_a_bad_answer_names_the_file_and_the_key(tree: Path):
    path = tree / "which_path_presets.toml"
    path.write_text(path.read_text().replace('examples = "none"', 'examples = "few"', 1))
    with pytest.raises(ContentError, match=r"which_path_presets\.toml: .*news_summary.*'examples'"):
        load_presets(tree)


def test_matching_preset_finds_the_nearest_scenario():
    presets = load_presets()
    preset, differences = decision.matching_preset(CUSTOMER_SERVICE, presets)
    assert (preset.id, differences) == ("customer_service", 0)
    preset, differences = decision.matching_preset(
        {**CUSTOMER_SERVICE, "examples": "none", "gpu_budget": "none"}, presets
    )
    assert (preset.id, differences) == ("news_summary", 0)
    preset, differences = decision.matching_preset({**CUSTOMER_SERVICE, "need": "both"}, presets)
    assert (preset.id, differences) == ("customer_service", 1)


def test_the_default_preset_is_the_one_marked():
    assert decision.default_preset().id == "customer_service"


def test_every_scenario_names_an_existing_cost_lab_preset():
    from brainlab import costs

    cost_presets = costs.load_presets()
    for preset in load_presets():
        assert preset.cost_preset == "" or preset.cost_preset in cost_presets, preset.id
    # The lesson's four named scenarios each have their cost preset.
    named = {p.id: p.cost_preset for p in load_presets()}
    assert named["customer_service"] == "customer_service"
    assert named["news_summary"] == "news_summariser"
    assert named["medical"] == "medical_specialist"
    assert named["legal"] == "legal_analysis"
