"""AppTest of the cost lab: edit the table, move a slider, pick a preset, break the input."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from brainlab import costs
from tests.apptest import run_page, texts

CHARTS = 5


def chart_data(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def ys(spec: dict, name: str) -> np.ndarray:
    """The y values of the trace called ``name`` (decoding plotly 7's base64 arrays)."""
    for trace in spec["data"]:
        if trace.get("name") == name:
            y = trace["y"]
            if isinstance(y, dict):
                return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"])
            return np.asarray(y, dtype=float)
    raise AssertionError(f"no trace {name!r} in {[t.get('name') for t in spec['data']]}")


def verdict(at) -> str:
    return at.info[0].value


def slider(at, key):
    return next(s for s in at.select_slider if s.key == key)


def table_key(at) -> str:
    return f"cost_table_{at.session_state['cost_editor_version']}"


@pytest.fixture
def at():
    page = run_page("cost_lab")
    assert not page.exception, page.exception
    return page


def test_the_lab_paints_its_charts_and_verdict(at):
    assert len(at.get("plotly_chart")) == CHARTS
    assert "At 30,000 questions a month" in verdict(at)
    assert "less than" in verdict(at) and "over 18 months" in verdict(at)
    assert len(at.dataframe) == 1
    shown = at.dataframe[0].value
    assert list(shown["key"]) == list(costs.default_assumptions()["key"])
    body = texts(at)
    for heading in ("Running total", "Where the money goes", "Which assumption matters most"):
        assert heading in body
    # Every chart has a title that states a finding, and alt text.
    for spec in chart_data(at):
        assert spec["layout"]["title"]["text"]


def test_editing_a_table_cell_updates_sliders_and_every_chart(at):
    before = chart_data(at)
    at.session_state[table_key(at)] = {
        "edited_rows": {0: {"value": 200000.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert slider(at, "cost_queries").value == 200000.0
    assert "At 200,000 questions a month" in verdict(at)
    after = chart_data(at)
    rag = "The super library"
    assert not np.allclose(ys(before[0], rag), ys(after[0], rag))
    # The stacked bars, the tornado and the band changed too.
    assert before[1]["data"] != after[1]["data"]
    assert before[3]["data"] != after[3]["data"]
    assert before[4]["data"] != after[4]["data"]
    # A second, unrelated rerun keeps the edit.
    at.run()
    assert slider(at, "cost_queries").value == 200000.0


def test_moving_a_slider_updates_the_table_and_the_charts(at):
    before = chart_data(at)
    slider(at, "cost_top_k").set_value(20.0).run()
    assert not at.exception
    values = at.dataframe[0].value.set_index("key")["value"]
    assert values["top_k"] == 20
    rag = "The super library"
    # 20 passages of 500 tokens: RAG's running cost goes up every month.
    assert (ys(chart_data(at)[0], rag)[1:] > ys(before[0], rag)[1:]).all()
    # The table's later edits still apply on top of the slider's value.
    at.session_state[table_key(at)] = {
        "edited_rows": {5: {"value": 100.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    values = at.dataframe[0].value.set_index("key")["value"]
    assert values["top_k"] == 20 and values["chunk_tokens"] == 100
    assert slider(at, "cost_chunk").value == 100.0


def test_invalid_input_shows_messages_and_no_charts_then_recovers(at):
    key = table_key(at)
    at.session_state[key] = {
        "edited_rows": {1: {"value": 0.5}, 0: {"value": -3.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    message = at.error[0].value
    assert "Row 1 (Questions per month, queries_per_month): -3 is negative" in message
    assert "Row 2 (Horizon, months): 0.5 is below the minimum 1" in message
    assert len(at.get("plotly_chart")) == 0
    at.session_state[key] = {
        "edited_rows": {1: {"value": 24.0}, 0: {"value": 5000.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.error
    assert len(at.get("plotly_chart")) == CHARTS
    assert "At 5,000 questions a month" in verdict(at) and "over 24 months" in verdict(at)


def test_a_cleared_cell_is_reported_not_crashed(at):
    at.session_state[table_key(at)] = {
        "edited_rows": {3: {"value": None}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert "Answer length, output_tokens): the value is missing" in at.error[0].value


def test_presets_change_the_numbers_and_reset_restores_the_defaults(at):
    default_verdict = verdict(at)
    at.selectbox(key="cost_preset").set_value("open_weight").run()
    assert not at.exception
    values = at.dataframe[0].value.set_index("key")
    assert values.loc["ft_hosting_monthly", "value"] == 1500
    assert "Always-on GPU" in values.loc["ft_hosting_monthly", "source"]
    assert verdict(at) != default_verdict
    at.button(key="cost_reset").click().run()
    assert not at.exception
    assert at.selectbox(key="cost_preset").value == "defaults"
    assert verdict(at) == default_verdict
    values = at.dataframe[0].value.set_index("key")
    assert values.loc["ft_hosting_monthly", "value"] == 0


def test_a_preset_edit_survives_until_reset(at):
    at.selectbox(key="cost_preset").set_value("legal_analysis").run()
    slider(at, "cost_queries").set_value(10000.0).run()
    values = at.dataframe[0].value.set_index("key")["value"]
    assert values["queries_per_month"] == 10000 and values["base_input_price"] == 2.0
    at.button(key="cost_reset").click().run()
    values = at.dataframe[0].value.set_index("key")["value"]
    assert values["queries_per_month"] == 30000 and values["base_input_price"] == 0.15


def test_comparing_other_strategies_changes_the_verdict_and_tornado(at):
    tornado_before = chart_data(at)[3]["layout"]["xaxis"]["title"]["text"]
    at.selectbox(key="cost_compare").set_value("hybrid").run()
    assert not at.exception
    assert "both (hybrid)" in verdict(at)
    tornado_after = chart_data(at)[3]["layout"]["xaxis"]["title"]["text"]
    assert tornado_before != tornado_after
    at.selectbox(key="cost_against").set_value("hybrid").run()
    assert verdict(at) == "Pick two different strategies to compare."
    assert len(at.get("plotly_chart")) == CHARTS


def test_technical_words_and_a_preset_from_the_link():
    at = run_page("cost_lab", query={"vocab": "Technical", "cost_preset": "Legal analysis"})
    assert not at.exception
    assert at.selectbox(key="cost_preset").value == "legal_analysis"
    assert "RAG" in verdict(at)
    values = at.dataframe[0].value.set_index("key")["value"]
    assert values["base_input_price"] == 2.0


@pytest.mark.parametrize("months", [6, 12, 18, 24, 36, 48, 60])
@pytest.mark.parametrize("preset", [None, *costs.load_presets()])
def test_the_verdict_follows_the_numbers_at_every_horizon(months, preset):
    # Issue 14, item 4: the verdict is computed, never fixed; at any horizon the slider
    # allows it names the strategy that really costs less over that horizon.
    from brainlab.ui import costs as ui_costs

    table = costs.default_assumptions()
    if preset is not None:
        table = costs.apply_preset(table, preset)
    table.loc[table.key == "months", "value"] = float(months)
    p = costs.params(table)
    names = {"rag": "RAG", "fine_tune": "FT"}
    text = ui_costs.verdict(p, "rag", "fine_tune", names)
    totals = costs.total_costs(p)
    cheaper = "RAG" if totals["rag"] < totals["fine_tune"] else "FT"
    assert text.startswith("At "), text
    assert f"**{cheaper}** costs" in text, (months, preset, text)
    assert f"over {months} months" in text
