"""AppTest of the forgetting lab: guess, reveal, the sliders retrain, the steps, the tabs."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from brainlab.content import load_lesson
from tests.apptest import run_page, texts

TIMEOUT = 120


@pytest.fixture(autouse=True)
def no_background_training(monkeypatch):
    """The page's background warm-up is tested on its own (last test): off elsewhere."""
    from brainlab.ui import forgetting as lab

    monkeypatch.setattr(lab, "WARM_NEIGHBOURS", False)


def charts(at) -> dict[str, dict]:
    """Every plotly chart shown, by its title."""
    out = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def curve(at) -> dict:
    return next(c for t, c in charts(at).items() if "general skill" in t.lower() and "keep" in t)


def values(array):
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array, dtype=float)


def verdict(at) -> str:
    return next(m.value for m in at.markdown if "kept **" in m.value)


def kept(at) -> int:
    return int(verdict(at).split("**")[1].rstrip("%"))


def open_tab(at, label: str) -> None:
    """Open one of the lazy tabs below the stage (as a click on it does)."""
    at.session_state["forgetting_tabs"] = label
    at.run()
    assert not at.exception, at.exception


def revealed(query=None, guess=None):
    at = run_page("forgetting_lab", timeout=TIMEOUT, query=query)
    assert not at.exception, at.exception
    if guess is not None:
        at.slider(key="forgetting_guess").set_value(guess).run()
    at.button(key="forgetting_reveal").click().run()
    assert not at.exception, at.exception
    return at


def test_curves_stay_hidden_until_the_guess_is_committed():
    at = run_page("forgetting_lab", timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert "Commit to a guess first" in texts(at)
    assert not any("kept **" in m.value for m in at.markdown)
    assert not charts(at)  # no curve; the tabs below run only when opened
    open_tab(at, "Inside the network")
    assert not charts(at) and "Commit to a guess first" in texts(at)
    open_tab(at, "People forget too")
    assert list(charts(at)) == ["An analogy: memory decays with time (Ebbinghaus 1885)"]
    # The sliders are there from the start, so the learner can set up the experiment.
    assert at.slider(key="forgetting_steps").value == 300


def test_guess_then_reveal_shows_the_verdict_where_the_guess_was():
    at = revealed(guess=80)
    text = verdict(at)
    assert text.startswith("Full specialist training kept **")
    assert 0 <= kept(at) < 60  # plain fine-tuning forgets
    assert "your guess, 80%, was" in text and "points too high" in text
    # The guess control gives way to the result; the curve is drawn.
    assert not [s for s in at.slider if s.key == "forgetting_guess"]
    assert "Full specialist training keeps" in curve(at)["layout"]["title"]["text"]
    # The reveal stays while the learner moves the sliders, until "Guess again".
    at.slider(key="forgetting_rank").set_value(2).run()
    assert "your guess, 80%" in verdict(at)
    at.button(key="forgetting_again").click().run()
    assert not at.exception, at.exception
    assert not any("kept **" in m.value for m in at.markdown)
    assert at.slider(key="forgetting_guess").value == 80  # the guess is kept


def test_the_curve_gives_each_strategy_its_line_and_the_library_stays_flat():
    at = revealed()
    fig = curve(at)
    lines = [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    names = {t["name"] for t in lines}
    assert {"Full specialist training", "Revising old lessons", "The super library"} <= names
    assert len({t["line"]["color"] for t in lines}) == 5
    bands = [t for t in fig["data"] if t.get("fill") == "toself"]
    assert len(bands) == len(lines) == 10  # 5 strategies × (general, specialist)
    rag = next(t for t in lines if t["name"] == "The super library" and t["yaxis"] == "y")
    y, x = values(rag["y"]), values(rag["x"])
    assert np.all(y[x >= 300] == y[x >= 300][0])  # exactly flat during fine-tuning
    labels = [a["text"] for a in fig["layout"]["annotations"]]
    assert f"Full {kept(at)}%" in labels and "Library 100%" in labels
    assert any(s.get("type") == "rect" for s in fig["layout"]["shapes"])  # pretraining
    # The first tab below, open by default, compares the library with full fine-tuning.
    library = next(m for m in at.metric if m.label == "General skill, the super library")
    assert library.value == "100%" and library.delta.startswith("+")
    assert "Full specialist training" in at.dataframe[0].value.iloc[:, 0].tolist()


def test_sliders_retrain_the_network():
    at = revealed()
    before = kept(at)
    at.slider(key="forgetting_steps").set_value(40).run()
    assert not at.exception, at.exception
    assert kept(at) > before  # fewer steps, less forgotten
    fig = curve(at)
    assert max(values(fig["data"][1]["x"])) == 340  # 300 pretraining + 40 steps
    at.select_slider(key="forgetting_penalty").set_value(10_000).run()
    at.slider(key="forgetting_replay_fraction").set_value(0.9).run()
    at.select_slider(key="forgetting_learning_rate").set_value(1.0).run()
    at.slider(key="forgetting_seed").set_value(99).run()
    assert not at.exception, at.exception
    for trace in curve(at)["data"]:
        if trace.get("mode") == "lines+markers":
            y = values(trace["y"])
            assert np.isfinite(y).all() and (y >= 0).all() and (y <= 1).all()
    # Reset brings the lesson's settings back.
    at.button(key="forgetting_reset").click().run()
    assert at.slider(key="forgetting_steps").value == 300
    assert at.select_slider(key="forgetting_penalty").value == 500
    assert kept(at) == before


def test_a_slider_of_one_strategy_changes_only_its_line():
    at = revealed()

    def ends():
        return {
            a["text"].rsplit(" ", 1)[0]: a["text"]
            for a in curve(at)["layout"]["annotations"]
            if a.get("yref") == "y"
        }

    first = ends()
    at.slider(key="forgetting_replay_fraction").set_value(0.0).run()
    second = ends()
    changed = {k for k in first if first[k] != second[k]}
    assert changed <= {"Revising"}
    assert second["Revising"] != first["Revising"]


def test_strategy_pills_choose_the_lines():
    at = revealed()
    at.button_group(key="forgetting_strategies").set_value(["naive", "rag"]).run()
    assert not at.exception, at.exception
    names = {t["name"] for t in curve(at)["data"] if t.get("mode") == "lines+markers"}
    assert names == {"Full specialist training", "The super library"}


def test_every_step_forward_and_back():
    steps = load_lesson("forgetting_lab").steps
    assert 3 <= len(steps) <= 6
    at = revealed()
    for n, step in enumerate(steps, start=1):
        body = texts(at)
        assert f"Step {n} of {len(steps)}" in body and step.id
        assert at.slider(key="forgetting_steps")  # the sliders stay on every step
        assert curve(at)  # and so does the curve
        if n < len(steps):
            at.button(key="forgetting_lab_step_next").click().run()
            assert not at.exception, at.exception
    for n in range(len(steps), 1, -1):
        assert f"Step {n} of {len(steps)}" in texts(at)
        at.button(key="forgetting_lab_step_back").click().run()
    assert "Step 1 of 6 · Guess first" in texts(at)


def test_the_map_marks_wrong_answers_and_explains_its_number():
    at = revealed()
    assert not [t for t in charts(at) if "(run 1)" in t]  # the map's tab is closed
    open_tab(at, "Inside the network")
    maps = {t: c for t, c in charts(at).items() if "(run 1)" in t}
    ((title, end),) = maps.items()
    assert title.startswith("Full specialist training, end (run 1): general ")
    names = [t.get("name", "") for t in end["data"]]
    assert any(n.startswith("answered wrong (") for n in names)
    assert "network says answer 1" in names
    note = next(c.value for c in at.caption if "run 1 of 3" in c.value)
    assert f"their mean, {kept(at)}%, is the verdict" in note
    map_general = title.split("general ")[1].split("%")[0]
    assert f"its general skill is {map_general}%" in note

    at.select_slider(key="forgetting_map_moment").set_value(0).run()
    before = next(c for t, c in charts(at).items() if "before (run 1)" in t)
    heat_before = next(t for t in before["data"] if t["type"] == "heatmap")
    heat_end = next(t for t in end["data"] if t["type"] == "heatmap")
    changed = np.mean(values(heat_before["z"]) != values(heat_end["z"]))
    assert changed > 0.05, changed  # full fine-tuning redraws a good part of the map
    at.selectbox(key="forgetting_map_strategy").set_value("rag").run()
    at.select_slider(key="forgetting_map_moment").set_value(4).run()
    rag_end = next(c for t, c in charts(at).items() if "(run 1)" in t)
    assert next(t for t in rag_end["data"] if t["type"] == "heatmap")["z"] == heat_before["z"]
    assert any(t.get("name") == "in the library" for t in rag_end["data"])


def test_settings_come_from_a_shared_link():
    at = revealed(query={"forgetting_steps": "100", "forgetting_rank": "4"})
    assert at.slider(key="forgetting_steps").value == 100
    assert at.slider(key="forgetting_rank").value == 4
    assert max(values(curve(at)["data"][1]["x"])) == 400


def test_technical_vocabulary_and_sources_are_shown():
    at = revealed(query={"vocab": "Technical"})
    body = texts(at)
    for tab in ("Real models", "People forget too"):
        open_tab(at, tab)
        body += texts(at)
    names = {t["name"] for t in curve(at)["data"] if t.get("mode") == "lines+markers"}
    assert {"Full fine-tuning", "RAG", "LoRA adapter", "EWC"} <= names
    assert verdict(at).startswith("Full fine-tuning kept")
    assert at.slider(key="forgetting_rank").label == "LoRA rank"
    assert "Kirkpatrick et al. 2017" in body
    assert "Biderman et al. 2024" in body
    assert "Luo et al. 2023" in body
    assert "Ebbinghaus" in body and "simplification" in body
    assert "What this simplifies" in body
    assert ".csv" not in body


def test_analogy_vocabulary_reads_as_english():
    at = revealed()
    body = texts(at)
    labels = [s.label for s in at.slider] + [s.label for s in at.select_slider]
    assert "Notebook size" in labels and not any("LoRA" in x or "(" in x for x in labels)
    assert "{{" not in body and "a LoRA a" not in body


def test_warming_trains_what_the_next_notch_of_any_slider_needs():
    from dataclasses import replace

    from brainlab.forgetting_view import Settings
    from brainlab.ui import forgetting as lab

    store = lab._RunStore()
    s = Settings(steps=20, rank=3, seed=5)
    notches = lab.neighbours(s)
    assert replace(s, rank=2) in notches and replace(s, rank=4) in notches
    assert replace(s, learning_rate=0.05) in notches and replace(s, seed=4) in notches
    assert lab.warm_neighbours(s, store, stop=lambda: True) == 0  # asked to stop: nothing
    assert lab.warm_neighbours(s, store) > 0
    for seed in s.seeds:  # the settings themselves first
        assert all(
            store.get(lab._run_key(x, seed, s), s.steps) is not None for x in lab.fg.STRATEGIES
        )
    for n in notches:
        for seed in n.seeds:
            for strategy in lab.fg.STRATEGIES:
                assert store.get(lab._run_key(strategy, seed, n), n.steps) is not None
    assert lab.warm_neighbours(s, store) == 0  # everything kept: no training the second time
