"""Checkpoint questions: 2–3 a page, one right answer each, every option explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from brainlab import quiz
from brainlab.content import ContentError, load_site, render


def test_the_shipped_quiz_has_no_problems():
    assert quiz.problems() == []


def test_every_registered_page_has_two_or_three_questions():
    for spec in load_site():
        if not spec.quiz:  # the References page
            assert not quiz.questions_for(spec.slug), spec.slug
            continue
        assert 2 <= len(quiz.questions_for(spec.slug)) <= 3, spec.slug


def test_every_question_has_exactly_one_right_answer_and_an_explanation_for_every_option():
    questions = quiz.load_questions()
    assert len(questions) >= 2 * sum(spec.quiz for spec in load_site())
    for q in questions:
        assert sum(c.correct for c in q.choices) == 1, q.key
        assert len(q.choices) >= 3, q.key
        for c in q.choices:
            assert c.text.strip() and c.why.strip(), q.key
            # The explanation is about this option, not a copy of another's.
        assert len({c.why for c in q.choices}) == len(q.choices), q.key


def test_every_question_reads_in_both_vocabularies():
    for q in quiz.load_questions():
        for text in (q.question, *(c.text for c in q.choices), *(c.why for c in q.choices)):
            for vocab in ("analogy", "technical"):
                assert "{{" not in render(text, vocab), (q.key, text)


def test_the_core_ideas_are_all_asked_about():
    text = " ".join(q.question.lower() for q in quiz.load_questions())
    for idea in ("where does the new knowledge live", "{{forgetting}}", "cost", "which path"):
        assert idea in text, idea


def test_score_counts_answered_and_right():
    questions = quiz.questions_for("two_ways")
    first, second = questions[0], questions[1]
    wrong = next(i for i, c in enumerate(second.choices) if not c.correct)
    answers = {first.key: first.answer, second.key: wrong}
    assert quiz.score(answers, questions) == quiz.Score(answered=2, correct=1, total=len(questions))
    assert quiz.score({}, questions) == quiz.Score(0, 0, len(questions))


def test_score_ignores_stale_or_malformed_answers():
    questions = quiz.questions_for("two_ways")
    q = questions[0]
    answers = {q.key: 99, "gone/question": 0, questions[1].key: True, questions[2].key: "1"}
    assert quiz.score(answers, questions) == quiz.Score(0, 0, len(questions))


def test_two_right_answers_are_rejected_with_the_file_named(tree: Path):
    path = tree / "quiz.toml"
    text = path.read_text()
    marker = 'text = "In a library of documents the model looks things up in"'
    path.write_text(text.replace(marker, marker + "\n  correct = true"))
    with pytest.raises(ContentError, match=r"quiz\.toml: .*two_ways/where_knowledge.*exactly one"):
        quiz.load_questions(tree)


def test_an_option_without_explanation_is_rejected(tree: Path):
    path = tree / "quiz.toml"
    text = path.read_text()
    old = (
        'why = "That is {{rag}}: there the knowledge stays outside the model, '
        'which is never changed."'
    )
    assert old in text
    path.write_text(text.replace(old, ""))
    with pytest.raises(ContentError, match=r"options\[1\] needs a 'why'"):
        quiz.load_questions(tree)


def test_a_page_with_too_few_questions_is_reported(tree: Path):
    path = tree / "quiz.toml"
    text = path.read_text()
    path.write_text(text.replace('page = "cost_lab"', 'page = "two_ways"', 2))
    found = quiz.problems(tree)
    assert any("'cost_lab' has 1 questions" in p for p in found), found
    assert any("'two_ways' has 5 questions" in p for p in found), found


def test_repeated_question_ids_are_rejected(tree: Path):
    path = tree / "quiz.toml"
    path.write_text(path.read_text().replace('id = "prices_hourly"', 'id = "where_knowledge"'))
    with pytest.raises(ContentError, match="repeat on a page: two_ways/where_knowledge"):
        quiz.load_questions(tree)


def test_every_quiz_key_that_states_a_model_fact_holds_in_the_model():
    from brainlab.quiz_checks import CHECKS

    checked = [q for q in quiz.load_questions() if q.check]
    assert {q.key for q in checked} >= {"cost_lab/fine_tune_cost"}
    for q in checked:
        assert CHECKS[q.check]() == [], q.key


def test_every_check_is_named_by_a_question_and_keys_of_model_facts_are_checked():
    from brainlab.quiz_checks import CHECKS

    named = {q.check for q in quiz.load_questions() if q.check}
    assert named == set(CHECKS)
    # Issue 14, item 11: the predictions and "what would change" questions about the labs
    # and the guide are each tied to their model.
    checked = {q.key for q in quiz.load_questions() if q.check}
    assert checked >= {
        "retrieval_lab/update_price",
        "forgetting_lab/reduce_forgetting",
        "forgetting_lab/rag_no_forgetting",
        "cost_lab/rag_volume",
        "cost_lab/monthly_facts",
        "which_path/big_budget_facts",
        "which_path/what_makes_hybrid",
    }


def test_the_which_path_checks_fail_when_budget_counts_for_facts(monkeypatch):
    # Undo the issue-14 fix (every answer counts whatever the need): the keys must fail.
    from brainlab import decision, quiz_checks

    monkeypatch.setattr(decision.Option, "counts", lambda self, answers: True)
    assert quiz_checks.customer_service_turns_hybrid() != []
    assert quiz_checks.big_budget_facts_get_a_library() != []


def test_the_replay_check_fails_when_replay_forgets_like_plain_fine_tuning(monkeypatch):
    from brainlab import forgetting, quiz_checks

    simulate = forgetting.simulate
    monkeypatch.setattr(forgetting, "simulate", lambda strategy, **kw: simulate("naive", **kw))
    assert quiz_checks.replay_keeps_general_skill() != []


def test_the_fine_tune_cost_check_fails_when_compute_dominates(monkeypatch):
    from brainlab import costs, quiz_checks

    def split(assumptions, strategy="fine_tune"):
        return {"people": 0.1, "compute": 0.9, "hosting": 0.0, "generation": 0.0}

    monkeypatch.setattr(costs, "fine_tune_cost_split", split)
    assert quiz_checks.fine_tune_cost_depends_on_scenario() != []


def test_an_unknown_check_name_is_reported(tmp_path):
    import shutil

    from brainlab.content import CONTENT_DIR

    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    path = tmp_path / "content" / "quiz.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('check = "fine_tune_cost', 'check = "no_such', 1), "utf-8")
    assert any("unknown check" in p for p in quiz.problems(tmp_path / "content"))


def test_the_key_is_neither_systematically_the_longest_nor_in_one_position():
    # Issue 14, item 11: test-wise readers pick the longest option, or always the first.
    questions = quiz.load_questions()
    longest = [
        q.key
        for q in questions
        if len(q.choices[q.answer].text) == max(len(c.text) for c in q.choices)
    ]
    assert len(longest) <= 0.4 * len(questions), longest
    # Nor systematically the shortest (the over-correction).
    shortest = [
        q.key
        for q in questions
        if len(q.choices[q.answer].text) == min(len(c.text) for c in q.choices)
    ]
    assert len(shortest) <= 0.4 * len(questions), shortest
    shown = [q.order.index(q.answer) for q in questions]
    for position in range(3):
        share = shown.count(position) / len(questions)
        assert 0.2 <= share <= 0.5, (position, shown)
    for q in questions:
        assert sorted(q.order) == list(range(len(q.choices))), q.key
