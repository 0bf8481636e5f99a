"""The forgetting lab's words and figures (brainlab/forgetting_view.py, forgetting_charts.py)."""

from __future__ import annotations

import itertools
import re
from functools import cache

import numpy as np
import pandas as pd
import pytest

from brainlab import charts
from brainlab import forgetting as fg
from brainlab import forgetting_charts as fc
from brainlab import forgetting_view as view
from brainlab.content import load_toml
from brainlab.forgetting_view import Settings
from brainlab.words import Words

ANALOGY, TECHNICAL = Words("analogy"), Words("technical")
BOTH = pytest.mark.parametrize("w", [ANALOGY, TECHNICAL], ids=["analogy", "technical"])
LEFTOVER = re.compile(r"\{\{|\}\}|\{[a-z_]+(:[^}]*)?\}")


@cache
def default_curves() -> pd.DataFrame:
    s = Settings()
    runs = fg.compare(fg.STRATEGIES, seeds=s.seeds, **s.as_kwargs())
    return pd.concat(
        [run.curve.assign(strategy=st, seed=k) for (st, k), run in runs.items()],
        ignore_index=True,
    )


def test_summarise_matches_the_core_summary():
    s = Settings(steps=60)
    runs = fg.compare(fg.STRATEGIES, seeds=s.seeds, **s.as_kwargs())
    curves = pd.concat(
        [run.curve.assign(strategy=st, seed=k) for (st, k), run in runs.items()],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(view.summarise(curves), fg.summary(runs))


def test_a_longer_run_cut_short_is_the_shorter_run():
    """The page's cache serves a shorter run from a longer one: that must be exact."""
    short = fg.compare(fg.STRATEGIES, seeds=(1,), steps=120, learning_rate=0.2)
    long = fg.compare(fg.STRATEGIES, seeds=(1,), steps=300, learning_rate=0.2)
    pre = int(fg.DEFAULTS["pretrain_steps"])
    for strategy in fg.STRATEGIES:
        a = short[(strategy, 1)].curve
        b = long[(strategy, 1)].curve
        pd.testing.assert_frame_equal(a, b[b["step"] <= pre + 120].reset_index(drop=True))


def test_settings_clamp_and_name_each_strategy_s_own_setting():
    s = Settings(steps=5000, learning_rate=9.0, replay_fraction=2.0, penalty=-1, rank=40)
    c = s.clamped()
    assert (c.steps, c.learning_rate, c.replay_fraction, c.penalty, c.rank) == (
        2000,
        1.0,
        0.9,
        0.0,
        8,
    )
    d = Settings()
    assert d.own_setting("replay") == 0.3 and d.own_setting("ewc") == 500.0
    assert d.own_setting("adapter") == 4.0 and d.own_setting("naive") is None
    assert d.seeds == (0, 1, 2)
    assert d.moments() == (300, 375, 450, 525, 600)


@BOTH
def test_the_verdict_is_the_mean_general_accuracy_of_full_fine_tuning(w):
    summary = view.summarise(default_curves())
    v = view.verdict(summary, 80, w)
    naive = summary.set_index("strategy").loc["naive"]
    assert v.kept == pytest.approx(naive["general_after"])
    assert v.kept < 0.6  # plain fine-tuning forgets
    assert v.diff == round(v.kept * 100) - 80 and not v.close
    assert f"**{v.kept:.0%}**" in v.headline
    assert "80%" in v.comment and f"{abs(v.diff)} points too high" in v.comment
    assert not LEFTOVER.search(v.headline)
    close = view.verdict(summary, round(v.kept * 100) + 5, w)
    assert close.close and "close" in close.comment
    low = view.verdict(summary, 0, w)
    assert "too low" in low.comment


def test_the_verdict_speaks_each_vocabulary():
    summary = view.summarise(default_curves())
    assert view.verdict(summary, 50, ANALOGY).headline.startswith("Full specialist training kept")
    assert view.verdict(summary, 50, TECHNICAL).headline.startswith("Full fine-tuning kept")


@BOTH
def test_every_string_renders_without_leftovers_or_doubled_terms(w):
    """Every word of the lab in both vocabularies: no {{term}}, no "a LoRA a ...", no "(x)"."""
    words = load_toml(view.WORDS_FILE)

    def walk(node, path=""):
        if isinstance(node, dict) and set(node) == {"analogy", "technical"}:
            yield path, view.text(w, node)
        elif isinstance(node, dict):
            for k, v in node.items():
                yield from walk(v, f"{path}.{k}".strip("."))
        elif isinstance(node, list):
            for v in node:
                yield from walk(v, path)
        elif isinstance(node, str):
            yield path, view.text(w, node)

    for path, rendered in walk(words):
        assert "{{" not in rendered and "}}" not in rendered, (path, rendered)
        lowered = rendered.lower()
        assert not re.search(r"\ba (lora|clip-on)[^.]* a (lora|clip-on)", lowered), path
        assert "lora a " not in lowered and "the the" not in lowered, (path, rendered)
        # No technical words in analogy mode where the label has one per vocabulary.
        if w.vocab == "analogy" and path.endswith(("_label", ".label", ".end")):
            assert not re.search(r"\b(lora|ewc|rag|replay fraction)\b", lowered), path


@BOTH
def test_curve_figure_gives_each_strategy_a_colour_a_marker_and_a_direct_label(w):
    curves = default_curves()
    summary = view.summarise(curves)
    fig = view.curve_figure(curves, summary, fg.STRATEGIES, 300, w)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(lines) == 2 * len(fg.STRATEGIES)
    colours = {t.name: t.line.color for t in lines}
    assert len(set(colours.values())) == len(fg.STRATEGIES)
    assert set(colours.values()) <= set(charts.PALETTE.values())
    symbols = {t.marker.symbol for t in lines}
    assert len(symbols) == len(fg.STRATEGIES)
    for t in lines:
        sizes = np.asarray(t.marker.size)
        assert sizes[-1] > 0  # a marker at the line's end
    texts = [a.text for a in fig.layout.annotations]
    for s in fg.STRATEGIES:
        end = view.say(w, f"strategies.{s}.end")
        labels = [t for t in texts if t.startswith(end + " ")]
        assert len(labels) == 2, (s, texts)  # one per panel
    # The end labels name the values the verdict names.
    naive_end = summary.set_index("strategy").loc["naive", "general_after"]
    assert f"{view.say(w, 'strategies.naive.end')} {naive_end:.0%}" in texts
    assert fig.layout.showlegend is False
    title = fig.layout.title.text
    assert "<br>" not in title and len(title) <= 52 and not LEFTOVER.search(title)
    _fonts_at_least_14(fig)


def _fonts_at_least_14(fig) -> None:
    """Every text size set, and none under 14 px (Streamlit's theme would draw 12 px)."""
    layout = fig.layout
    sizes = [layout.font.size, layout.title.font.size, layout.legend.font.size]
    sizes += [a.font.size for a in layout.annotations]
    for name, axis in layout.to_plotly_json().items():
        if name.startswith(("xaxis", "yaxis")):
            sizes += [axis.get("tickfont", {}).get("size")]
            sizes += [axis.get("title", {}).get("font", {}).get("size")]
    assert None not in sizes, sizes
    assert min(sizes) >= charts.MIN_FONT_SIZE, sizes


def test_direct_labels_never_overlap():
    ys = fc.spread_labels(
        {"a": 0.9, "b": 0.89, "c": 0.89, "d": 0.88, "e": 0.1}, gap=0.16, low=0.0, high=1.0
    )
    values = sorted(ys.values())
    assert all(b - a >= 0.16 - 1e-9 for a, b in itertools.pairwise(values))
    assert ys["a"] == pytest.approx(0.9) and ys["a"] > ys["b"] > ys["c"] > ys["d"]
    # Pushed under the floor, the stack moves back up.
    low = fc.spread_labels({"a": 0.05, "b": 0.04, "c": 0.0}, gap=0.16, low=0.0, high=1.0)
    assert min(low.values()) >= 0.0 and low["a"] - low["c"] >= 0.32 - 1e-9


def test_the_curve_shows_only_the_chosen_strategies_and_a_plain_title_without_both_ends():
    curves = default_curves()
    summary = view.summarise(curves)
    fig = view.curve_figure(curves, summary, ["replay", "ewc"], 300, ANALOGY)
    names = {t.name for t in fig.data if t.mode == "lines+markers"}
    assert names == {"Revising old lessons", "Protecting connections"}
    assert fig.layout.title.text == view.say(ANALOGY, "curve.title_plain")
    alt = view.curve_alt(summary, ["replay"], ANALOGY)
    assert "Revising old lessons ends at" in alt and not LEFTOVER.search(alt)


@BOTH
def test_the_map_has_a_legend_marks_wrong_answers_and_agrees_with_the_verdict(w):
    curves = default_curves()
    data = view.map_data("naive", Settings(), resolution=30)
    end = data.moments[-1]
    # Run 1 of the map is the comparison's run 1: the same end number as its curve.
    assert end.general == pytest.approx(view.run_ends(curves, "naive")[0])
    fig = view.regions_figure(data, len(data.moments) - 1, w)
    legend = [t.name for t in fig.data if t.showlegend is not False and t.name]
    assert view.say(w, "regions.answer_legend", answer="answer 1") in legend
    wrong = next(t for t in fig.data if t.name and t.name.startswith("answered wrong"))
    n = int(end.general_wrong.sum() + end.specialist_wrong.sum())
    assert n > 0 and len(wrong.x) == n and f"({n})" in wrong.name
    # Before fine-tuning nearly every general question is answered right.
    assert data.moments[0].general_wrong.mean() < 0.05
    _fonts_at_least_14(fig)
    assert fig.layout.legend.font.size is None or fig.layout.legend.font.size >= 14
    title = fig.layout.title.text
    assert f"general {end.general:.0%}" in title and "run 1" in title and "<br>" not in title
    text = view.map_agreement(data, curves, w)
    mean = float(np.mean(view.run_ends(curves, "naive")))
    verdict = view.verdict(view.summarise(curves), 50, w)
    assert f"{mean:.0%}" in text and f"{verdict.kept:.0%}" in text
    assert f"{end.general:.0%}" in text and not LEFTOVER.search(text)


def test_the_library_map_never_changes_and_shows_its_library():
    data = view.map_data("rag", Settings(steps=40), resolution=20)
    assert all(np.array_equal(m.answers, data.moments[0].answers) for m in data.moments)
    assert data.moments[0].library is None and data.moments[-1].library is not None
    fig = view.regions_figure(data, 4, ANALOGY)
    assert any(t.name == "in the library" for t in fig.data)


def test_comparison_table_and_rag_lines():
    summary = view.summarise(default_curves())
    table = view.comparison_table(summary, TECHNICAL)
    assert list(table["Strategy"]) == [
        "Full fine-tuning",
        "Experience replay",
        "EWC",
        "LoRA adapter",
        "RAG",
    ]
    assert table["General after"].between(0, 100).all()
    general, _special = view.rag_lines(summary, TECHNICAL)
    assert general.value == "100%" and general.label == "General skill, RAG"
    assert general.delta.startswith("+") and "vs full fine-tuning" in general.delta


@BOTH
def test_world_and_human_figures(w):
    refs = load_toml("forgetting_references.toml")
    fig = view.ebbinghaus_figure(refs["ebbinghaus"], w)
    assert fig.layout.xaxis.type == "log" and len(fig.data) == 2
    assert "best fit S =" in fig.data[0].name
    fig = view.biderman_figure(refs["biderman"], w)
    assert len(fig.data) == 4
    assert fig.data[0].line.color == charts.colour("fine_tune")
    _fonts_at_least_14(fig)
    _fonts_at_least_14(view.ebbinghaus_figure(refs["ebbinghaus"], w))
    for title in (fig.layout.title.text, view.say(w, "human.title")):
        assert "<br>" not in title and len(title) <= 60
    # No internal file names in what a learner reads.
    for ref in refs["reference"]:
        assert ".csv" not in ref["source"] and ".md" not in ref["source"]


@pytest.mark.parametrize("seed", [-1, float("nan"), 1.7, 10**12])
def test_a_broken_seed_from_a_link_is_clamped(seed):
    s = Settings(seed=seed).clamped()
    assert s.seed >= 0 and all(fg.clamp_seed(k) == k for k in s.seeds)
