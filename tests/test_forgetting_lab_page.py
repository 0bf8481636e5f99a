"""AppTest of the forgetting lab: predict then reveal, the sliders retrain, the charts show it."""

from __future__ import annotations

import base64
import json

import numpy as np

from tests.apptest import run_page, texts

TIMEOUT = 120


def chart(at, index):
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def values(array):
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array, dtype=float)


def metric(at, label_start):
    return next(m for m in at.metric if m.label.startswith(label_start))


def revealed(query=None):
    at = run_page("forgetting_lab", timeout=TIMEOUT, query=query)
    assert not at.exception, at.exception
    at.button(key="forgetting_reveal").click().run()
    assert not at.exception, at.exception
    return at


def test_curves_stay_hidden_until_the_guess_is_committed():
    at = run_page("forgetting_lab", timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert "Make your guess above" in texts(at)
    assert not at.metric
    # Only the published-numbers chart and the human analogy are drawn before the reveal.
    titles = [chart(at, i)["layout"]["title"]["text"] for i in range(len(at.get("plotly_chart")))]
    assert not any("keeps" in t and "library" in t for t in titles)


def test_guess_then_reveal_shows_the_result_beside_the_guess():
    at = run_page("forgetting_lab", timeout=TIMEOUT)
    at.slider(key="forgetting_guess").set_value(80).run()
    at.button(key="forgetting_reveal").click().run()
    assert not at.exception, at.exception
    assert metric(at, "Your guess").value == "80 %"
    kept = metric(at, "General skill kept").value
    assert kept.endswith("%") and 0 <= int(kept.rstrip("%")) < 60  # plain fine-tuning forgets
    assert "points below your guess" in texts(at)
    # The reveal stays while the learner moves the sliders, until "Guess again".
    at.slider(key="forgetting_rank").set_value(2).run()
    assert metric(at, "Your guess").value == "80 %"
    at.button(key="forgetting_again").click().run()
    assert not at.metric
    assert "Make your guess above" in texts(at)


def test_the_curve_overlays_every_strategy_with_bands_and_the_rag_line_is_flat():
    at = revealed()
    fig = chart(at, 0)
    title = fig["layout"]["title"]["text"]
    assert "Full specialist training keeps" in title and "{" not in title
    lines = [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    names = {t["name"] for t in lines}
    assert {"Full specialist training", "Revising old lessons", "The super library"} <= names
    bands = [t for t in fig["data"] if t.get("fill") == "toself"]
    assert len(bands) == len(lines) == 10  # 5 strategies × (general, specialist)
    rag_general = next(t for t in lines if t["name"] == "The super library" and t["yaxis"] == "y")
    y = values(rag_general["y"])
    x = values(rag_general["x"])
    assert np.all(y[x >= 300] == y[x >= 300][0])  # exactly flat during fine-tuning
    naive_general = next(
        t for t in lines if t["name"] == "Full specialist training" and t["yaxis"] == "y"
    )
    assert values(naive_general["y"])[-1] < 0.6
    # The pretraining phase is marked.
    assert any(s.get("type") == "rect" for s in fig["layout"]["shapes"])
    assert metric(at, "General skill, the super library").value == "100%"


def test_sliders_retrain_the_network():
    at = revealed()
    before = metric(at, "General skill kept").value
    at.slider(key="forgetting_steps").set_value(40).run()
    assert not at.exception, at.exception
    after = metric(at, "General skill kept").value
    assert int(after.rstrip("%")) > int(before.rstrip("%"))  # fewer steps, less forgotten
    at.select_slider(key="forgetting_penalty").set_value(10_000).run()
    at.slider(key="forgetting_replay_fraction").set_value(0.9).run()
    at.select_slider(key="forgetting_learning_rate").set_value(1.0).run()
    at.slider(key="forgetting_seed").set_value(99).run()
    assert not at.exception, at.exception
    fig = chart(at, 0)
    for trace in fig["data"]:
        if trace.get("mode") == "lines+markers":
            y = values(trace["y"])
            assert np.isfinite(y).all() and (y >= 0).all() and (y <= 1).all()
    # Reset brings the lesson's settings back.
    at.button(key="forgetting_reset").click().run()
    assert at.slider(key="forgetting_steps").value == 300
    assert at.select_slider(key="forgetting_penalty").value == 500


def test_strategy_pills_choose_the_lines():
    at = revealed()
    at.button_group(key="forgetting_strategies").set_value(["naive", "rag"]).run()
    assert not at.exception, at.exception
    names = {t["name"] for t in chart(at, 0)["data"] if t.get("mode") == "lines+markers"}
    assert names == {"Full specialist training", "The super library"}


def test_decision_regions_change_between_before_and_end():
    at = revealed()
    at.select_slider(key="forgetting_map_moment").set_value("before").run()
    before = chart(at, 1)
    at.select_slider(key="forgetting_map_moment").set_value("end").run()
    end = chart(at, 1)
    heat_before = next(t for t in before["data"] if t["type"] == "heatmap")
    heat_end = next(t for t in end["data"] if t["type"] == "heatmap")
    # Naive fine-tuning redraws a good part of the map.
    changed = np.mean(values(heat_before["z"]) != values(heat_end["z"]))
    assert changed > 0.05, changed
    assert "before" in before["layout"]["title"]["text"]
    # The library's map never changes, and shows its library points at the end.
    at.selectbox(key="forgetting_map_strategy").set_value("rag").run()
    rag_end = chart(at, 1)
    assert next(t for t in rag_end["data"] if t["type"] == "heatmap")["z"] == heat_before["z"]
    assert any(t.get("name") == "in the library" for t in rag_end["data"])


def test_settings_come_from_a_shared_link_and_are_clamped():
    at = revealed(query={"forgetting_steps": "100", "forgetting_rank": "4"})
    assert at.slider(key="forgetting_steps").value == 100
    assert at.slider(key="forgetting_rank").value == 4


def test_technical_vocabulary_and_sources_are_shown():
    at = revealed(query={"vocab": "Technical"})
    body = texts(at)
    names = {t["name"] for t in chart(at, 0)["data"] if t.get("mode") == "lines+markers"}
    assert "Full fine-tuning" in names and "RAG" in names
    assert "Kirkpatrick et al. 2017" in body
    assert "Biderman et al. 2024" in body
    assert "Luo et al. 2023" in body
    assert "Ebbinghaus" in body and "simplification" in body
    assert "What this simplifies" in body
