"""AppTest of the Cost lab's stage: move a slider, edit a cell, choose a scenario, step through.

Each test drives the real widgets and asserts on what is shown: the verdict's text and the
data of the running-total chart beside it.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from brainlab import cost_view, costs
from brainlab.content import load_lesson
from brainlab.words import Words
from tests.apptest import run_page, texts

#: On the stage: the running total; below it, the open tab's chart (the first: each month).
CHARTS = 2
ROW = {key: i for i, key in enumerate(costs.specs())}


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


def main_chart(at) -> dict:
    return chart_data(at)[0]


def verdict(at) -> str:
    return at.info[0].value


def slider(at, key):
    return next(s for s in at.select_slider if s.key == key)


def table_key(at) -> str:
    return at.session_state["cost_state"].editor_key


def edit(at, changes: dict[str, float | None]) -> None:
    """Edit cells of the assumptions table (by assumption key) and rerun."""
    at.session_state[table_key(at)] = {
        "edited_rows": {ROW[k]: {"value": v} for k, v in changes.items()},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, at.exception


def shown_values(at):
    return at.dataframe[0].value.set_index("key")["value"]


@pytest.fixture
def at():
    page = run_page("cost_lab")
    assert not page.exception, page.exception
    return page


def test_the_stage_paints_the_verdict_the_chart_and_the_open_table(at):
    assert len(at.get("plotly_chart")) == CHARTS
    assert "At 30,000 questions a month" in verdict(at)
    assert "less than" in verdict(at) and "over 18 months" in verdict(at)
    assert len(at.dataframe) == 1  # the table is on the stage, not in an expander
    assert not at.expander or all("assumptions" not in e.label.lower() for e in at.expander)
    shown = at.dataframe[0].value
    assert list(shown["key"]) == list(costs.default_assumptions()["key"])
    title = main_chart(at)["layout"]["title"]["text"]
    assert title == "The super library stays cheaper for all 18 months"
    assert "<br>" not in title
    # The step card: step 1 of 5.
    assert "Step 1 of 5" in texts(at)
    # No internal file name anywhere a learner can see.
    assert ".md" not in texts(at) and "papers_and_prices" not in " ".join(shown["source"])


def test_editing_a_table_cell_updates_the_slider_the_verdict_and_the_chart(at):
    before = main_chart(at)
    edit(at, {"queries_per_month": 200000.0})
    assert slider(at, "cost_queries").value == 200000.0
    assert "At 200,000 questions a month" in verdict(at)
    rag = "The super library"
    assert (ys(main_chart(at), rag)[1:] > ys(before, rag)[1:]).all()
    # A second, unrelated rerun keeps the edit.
    at.run()
    assert slider(at, "cost_queries").value == 200000.0
    assert "At 200,000 questions a month" in verdict(at)


def test_moving_a_slider_updates_the_table_and_the_chart(at):
    before = main_chart(at)
    slider(at, "cost_top_k").set_value(20.0).run()
    assert not at.exception
    assert shown_values(at)["top_k"] == 20
    rag = "The super library"
    # 20 passages of 500 tokens: the library's running cost goes up every month.
    assert (ys(main_chart(at), rag)[1:] > ys(before, rag)[1:]).all()
    # The table's later edits still apply on top of the slider's value.
    edit(at, {"chunk_tokens": 100.0})
    values = shown_values(at)
    assert values["top_k"] == 20 and values["chunk_tokens"] == 100


def test_retraining_moves_only_the_specialist_line(at):
    before = main_chart(at)
    slider(at, "cost_retrains").set_value(52.0).run()
    after = main_chart(at)
    assert (ys(after, "Specialist training")[1:] > ys(before, "Specialist training")[1:]).all()
    assert np.allclose(ys(after, "The super library"), ys(before, "The super library"))


def test_a_negative_price_gets_a_clear_message_and_the_rest_is_kept(at):
    edit(at, {"queries_per_month": 5000.0})
    edit(at, {"queries_per_month": 5000.0, "base_input_price": -1.0})
    message = at.error[0].value
    assert "Base model input price" in message or "input price" in message
    assert "-1 is negative" in message
    default = costs.params(costs.default_assumptions())["base_input_price"]
    assert "last good value" in message and f"= {default:g}" in message
    # The rest is kept and drawn: the verdict and the charts use the other numbers.
    assert "At 5,000 questions a month" in verdict(at)
    assert len(at.get("plotly_chart")) == CHARTS
    assert shown_values(at)["queries_per_month"] == 5000
    edit(at, {"queries_per_month": 5000.0, "base_input_price": 0.3})
    assert not at.error
    assert "At 5,000 questions a month" in verdict(at)


def test_a_cleared_cell_is_reported_not_crashed(at):
    edit(at, {"output_tokens": None})
    assert "Answer length, output_tokens): the value is missing" in at.error[0].value.replace(
        "\\", ""
    )
    assert len(at.get("plotly_chart")) == CHARTS


def test_choosing_a_scenario_changes_the_numbers_and_reset_restores_them(at):
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
    assert shown_values(at)["ft_hosting_monthly"] == 0


def test_a_scenario_edit_survives_until_reset(at):
    at.selectbox(key="cost_preset").set_value("legal_analysis").run()
    slider(at, "cost_queries").set_value(10000.0).run()
    values = shown_values(at)
    assert values["queries_per_month"] == 10000 and values["base_input_price"] == 2.0
    at.button(key="cost_reset").click().run()
    values = shown_values(at)
    defaults = costs.params(costs.default_assumptions())
    assert values["queries_per_month"] == 30000
    assert values["base_input_price"] == defaults["base_input_price"]


def test_comparing_other_strategies_changes_the_verdict(at):
    at.selectbox(key="cost_compare").set_value("hybrid").run()
    assert not at.exception
    assert "both (hybrid)" in verdict(at)
    at.selectbox(key="cost_against").set_value("hybrid").run()
    assert verdict(at) == "Pick two different strategies to compare."
    assert len(at.get("plotly_chart")) == CHARTS


def test_technical_words_and_a_scenario_from_the_link():
    at = run_page("cost_lab", query={"vocab": "Technical", "cost_preset": "Legal analysis"})
    assert not at.exception
    assert at.selectbox(key="cost_preset").value == "legal_analysis"
    assert "RAG" in verdict(at)
    assert shown_values(at)["base_input_price"] == 2.0
    assert "{{" not in texts(at)


def test_stepping_forward_and_back_through_every_step(at):
    steps = load_lesson("cost_lab").steps
    assert 3 <= len(steps) <= 6
    for n, step in enumerate(steps, start=1):
        assert f"Step {n} of {len(steps)} · {step.title}" in texts(at)
        # The stage stays whole on every step.
        assert "questions a month" in verdict(at)
        if n < len(steps):
            at.button(key="cost_lab_step_next").click().run()
            assert not at.exception
    # The last step's Next opens the next page.
    assert any(b.key == "cost_lab_step_next_page" for b in at.button)
    for n in range(len(steps), 1, -1):
        at.button(key="cost_lab_step_back").click().run()
        assert f"Step {n - 1} of {len(steps)}" in texts(at)


def test_the_other_charts_are_in_tabs_below_the_stage(at):
    labels = [t.label for t in at.tabs]
    assert labels[:4] == ["Each month", "Cost per question", "Which number matters?", "How sure?"]
    monthly = chart_data(at)[1]
    assert monthly["layout"]["title"]["text"].startswith("A typical month")


def test_one_rerun_validates_once_and_computes_each_breakdown_once(at, monkeypatch):
    calls = {"validate": 0, "rows": 0, "specs": 0, "breakdown": 0, "params": 0}

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(costs, "validate", counting("validate", costs.validate))
    monkeypatch.setattr(costs, "_row_problems", counting("rows", costs._row_problems))
    monkeypatch.setattr(costs, "params", counting("params", costs.params))
    monkeypatch.setattr(costs, "specs", counting("specs", costs.specs))
    monkeypatch.setattr(costs, "breakdown", counting("breakdown", costs.breakdown))
    slider(at, "cost_queries").set_value(50000.0).run()
    assert not at.exception
    assert "At 50,000 questions a month" in verdict(at)
    # The table is checked once, into one Checked value that everything reads.
    assert calls["rows"] == 1 and calls["validate"] == 0 and calls["params"] == 0, calls
    # The stage and the open tab compute the strategies' breakdown once (was 60 a rerun).
    assert calls["breakdown"] == 1, calls
    assert calls["specs"] <= 6, calls  # content look-ups: the table, the scenarios


@pytest.mark.parametrize("months", [6, 12, 18, 24, 36, 48, 60])
@pytest.mark.parametrize("preset", [None, *costs.load_presets()])
def test_the_verdict_follows_the_numbers_at_every_horizon(months, preset):
    # Issue 14, item 4: the verdict is computed, never fixed; at any horizon the slider
    # allows it names the strategy that really costs less over that horizon.
    table = costs.default_assumptions()
    if preset is not None:
        table = costs.apply_preset(table, preset)
    table.loc[table.key == "months", "value"] = float(months)
    c = costs.checked(table)
    w = Words(vocab="technical")
    text = cost_view.verdict(c, "rag", "fine_tune", w)
    totals = costs.total_costs(table)
    cheaper = "RAG" if totals["rag"] < totals["fine_tune"] else "fine-tuning"
    assert text.startswith("At "), text
    assert f"**{cheaper}** costs" in text, (months, preset, text)
    assert f"over {months} months" in text


def test_a_crafted_csv_and_file_name_show_as_text(at):
    """Issue 10, defect 4: links, a red alert and a remote image from a CSV stay text."""
    crafted = "[click](https://evil.example) :red[SYSTEM ALERT] ![x](https://evil.example/p.png)"
    at.session_state["cost_tabs"] = "Save or load"
    at.run()
    csv = f"key,value\n{crafted},1\n".encode()
    at.get("file_uploader")[0].set_value((f"{crafted}.csv", csv, "text/csv")).run()
    assert not at.exception, at.exception
    shown = "\n".join(e.value for e in at.error)
    assert "Nothing was changed" in shown and "unknown assumption" in shown
    for live in ("](", "![", ":red[", "s://"):
        assert live not in shown, shown
    assert "\\:red\\[SYSTEM ALERT\\]" in shown  # shown, as text
