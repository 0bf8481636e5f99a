"""The "Which path?" page's pure view code: its words in both vocabularies, its table, its chart."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from brainlab import charts, decision
from brainlab import which_path_view as view
from brainlab.words import Words

ANALOGY, TECHNICAL = Words("analogy"), Words("technical")


@pytest.fixture(scope="module")
def weights():
    return decision.load_weights()


@pytest.fixture(scope="module")
def presets():
    return decision.load_presets()


def preset(presets, preset_id):
    return next(p for p in presets if p.id == preset_id)


def values(array):
    if isinstance(array, dict):  # plotly 7 stores arrays as base64
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_the_scenario_note_names_an_exact_match_or_the_nearest_with_the_differences(presets):
    medical = preset(presets, "medical")
    note = view.scenario_note(medical.answers, presets, ANALOGY)
    assert (note.preset.id, note.differences) == ("medical", 0)
    assert note.text == "Your answers are the scenario Medical diagnosis support."
    assert view.selected_preset(medical.answers, presets) == "medical"

    mixed = {**medical.answers, "citations": True, "query_volume": "low"}
    note = view.scenario_note(mixed, presets, ANALOGY)
    assert note.differences == 2
    assert note.text == (
        f"Your own answers; nearest scenario: {note.preset.label} (2 of 6 differ)."
    )
    assert view.selected_preset(mixed, presets) is None


def test_the_headline_names_the_path_and_its_lead_in_the_readers_words(weights, presets):
    rec = decision.recommend(preset(presets, "customer_service").answers, weights)
    technical = view.headline(rec, weights, TECHNICAL)
    analogy = view.headline(rec, weights, ANALOGY)
    assert (technical.label, analogy.label) == ("RAG", "The super library")
    assert technical.lead == f"{rec.margin:g} points ahead of Both."
    assert not technical.close_call
    assert "{{" not in analogy.summary and "{{" not in technical.summary
    assert analogy.summary != technical.summary


def test_a_close_call_is_said_so(weights):
    # Find a real close call among all answer combinations, rather than invent one.
    import itertools

    for combo in itertools.product(*(f.values for f in weights.factors)):
        rec = decision.recommend(dict(zip(decision.QUESTIONS, combo, strict=True)), weights)
        if rec.close_call:
            break
    else:
        pytest.skip("these weights give no close call")
    head = view.headline(rec, weights, TECHNICAL)
    assert head.close_call
    assert head.lead.startswith("**A close call:**")


def test_the_why_table_adds_each_column_up_to_the_score(weights, presets):
    rec = decision.recommend(preset(presets, "hospital_assistant").answers, weights)
    table = view.why_table(rec, weights, TECHNICAL)
    assert list(table.columns) == [
        "Question",
        "Your answer",
        "Prompt engineering",
        "RAG",
        "Fine-tuning",
        "Both",
    ]
    assert len(table) == len(decision.QUESTIONS) + 1
    assert table.iloc[-1, 0] == "Score"
    body = table.iloc[:-1, 2:]
    assert body.sum().tolist() == table.iloc[-1, 2:].tolist()
    assert table.iloc[-1, 2:].tolist() == [rec.scores[p] for p in decision.PATHS]
    # Analogy words in the column titles, no placeholder left anywhere.
    analogy = view.why_table(rec, weights, ANALOGY)
    assert "The super library" in analogy.columns
    assert not any("{{" in str(c) for c in analogy.astype(str).to_numpy().ravel())


def test_the_weights_table_has_one_row_per_option_and_no_score_row(weights):
    table = view.points_table(weights.table(), weights, ANALOGY, total=False)
    assert len(table) == sum(len(f.options) for f in weights.factors)
    assert "Score" not in table.iloc[:, 0].tolist()


def test_the_questions_have_short_labels_and_the_full_question_in_their_help(weights):
    for factor in weights.factors:
        label = view.question_label(factor, ANALOGY)
        assert 0 < len(label) <= 28, label  # two to a row on the stage
        assert view.question_help(factor, ANALOGY).startswith(f"**{factor.label}**")


def test_the_score_chart_bars_are_the_scores_in_the_palette_with_readable_text(weights, presets):
    rec = decision.recommend(preset(presets, "medical").answers, weights)
    fig = view.score_figure(rec, weights, TECHNICAL)
    bar = fig.data[0]
    assert values(bar.x) == [rec.scores[p] for p in decision.PATHS]
    assert list(bar.y) == ["Prompt engineering", "RAG", "<b>Fine-tuning (best)</b>", "Both"]
    assert list(bar.marker.color) == [charts.PALETTE[charts.PATH_IDEAS[p]] for p in decision.PATHS]
    # The recommended bar is solid, the others hatched: not colour alone.
    shapes = list(bar.marker.pattern.shape)
    assert shapes[decision.PATHS.index("fine_tune")] == ""
    assert all(s == "/" for i, s in enumerate(shapes) if i != decision.PATHS.index("fine_tune"))
    # Every text at least 14 px; the title one line that fits a half-screen column.
    layout = fig.layout
    sizes = [layout.font.size, layout.title.font.size, bar.textfont.size]
    sizes += [layout.xaxis.tickfont.size, layout.yaxis.tickfont.size]
    assert min(sizes) >= charts.MIN_FONT_SIZE
    title = layout.title.text
    assert "<br>" not in title and len(title) <= 45, title
    assert title == f"Fine-tuning scores highest: {rec.scores['fine_tune']:+g}"
    assert layout.margin.t >= 40  # room for the one-line title above the plot


def test_the_score_chart_scales_to_presenter_size(weights, presets):
    rec = decision.recommend(preset(presets, "medical").answers, weights)
    fig = charts.scale_fonts(view.score_figure(rec, weights, ANALOGY), 1.25, floor=18)
    assert fig.layout.font.size >= 18 and fig.data[0].textfont.size >= 18


def test_the_alt_text_lists_every_score(weights, presets):
    rec = decision.recommend(preset(presets, "news_summary").answers, weights)
    alt = view.score_alt(rec, weights, ANALOGY)
    for path in decision.PATHS:
        assert f"{view.path_label(weights, path, ANALOGY)} {rec.scores[path]:+g}" in alt


def test_the_cost_lines_show_the_recommended_path_first_and_the_basis(weights, presets):
    rec = decision.recommend(preset(presets, "medical").answers, weights)
    totals = {"prompt_only": 100.0, "rag": 2000.0, "fine_tune": 30000.0, "hybrid": 45000.5}
    lines = view.cost_lines(
        rec,
        weights,
        preset(presets, "medical"),
        totals,
        {"medical_specialist": "Medical"},
        TECHNICAL,
    )
    assert lines.value == "$30,000"
    assert lines.others.endswith(
        "Prompt engineering only $100 · RAG $2,000 · Both: a hybrid of fine-tuning and RAG $45,000"
    )
    assert "Medical" in lines.basis
    default = view.cost_lines(rec, weights, preset(presets, "prompting_first"), totals, {}, ANALOGY)
    assert "default assumptions" in default.basis
