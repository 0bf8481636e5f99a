"""The Cost lab's pure view: verdict text and figure assembly, in both vocabularies."""

from __future__ import annotations

import itertools
import re

import pandas as pd
import pytest

from brainlab import cost_charts, cost_view, costs
from brainlab.content import VOCABULARIES
from brainlab.words import Words

PAIRS = [("rag", "fine_tune"), ("prompt_only", "hybrid"), ("fine_tune", "hybrid")]


@pytest.fixture(scope="module")
def checked() -> costs.Checked:
    return costs.checked(costs.default_assumptions())


def _all_text(fig) -> list[str]:
    layout = fig.layout
    out = [layout.title.text or "", layout.xaxis.title.text or "", layout.yaxis.title.text or ""]
    out += [a.text or "" for a in layout.annotations]
    for trace in fig.data:
        out.append(trace.name or "")
        text = getattr(trace, "text", None)
        if text is not None and not isinstance(text, str):
            out.extend(str(t) for t in text)
    return out


def _fonts(fig) -> list[float]:
    """Every font size set in a figure (layout, title, annotations, traces)."""
    sizes = [fig.layout.font.size, fig.layout.title.font.size]
    sizes += [a.font.size for a in fig.layout.annotations if a.font.size]
    sizes += [t.textfont.size for t in fig.data if getattr(t, "textfont", None) and t.textfont.size]
    return [s for s in sizes if s is not None]


@pytest.mark.parametrize("vocab", VOCABULARIES)
@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_every_chart_and_the_verdict_read_as_english(checked, vocab, a, b):
    w = Words(vocab=vocab)
    words = [cost_view.verdict(checked, a, b, w)]
    for name in (cost_view.MAIN_CHART, *cost_view.TAB_CHARTS):
        drawn = cost_view.chart(name, checked, a, b, w)
        words += [*_all_text(drawn.figure), drawn.alt]
        title = drawn.figure.layout.title.text
        assert "<br>" not in title and len(title) <= 70, title  # one line, never wrapped
        assert min(_fonts(drawn.figure)) >= cost_charts.MIN_TEXT, (name, _fonts(drawn.figure))
    for text in words:
        assert "{" not in text and "}" not in text, text  # no leftover placeholder
        assert ".md" not in text and "§" not in text, text  # no internal file names
        plain = re.sub(r"<br>|\*\*", " ", text).lower().split()
        doubled = [x for x, y in itertools.pairwise(plain) if x == y and x.isalpha()]
        assert not doubled, (doubled, text)


def test_analogy_and_technical_names(checked):
    analogy = cost_view.verdict(checked, "rag", "fine_tune", Words(vocab="analogy"))
    technical = cost_view.verdict(checked, "rag", "fine_tune", Words(vocab="technical"))
    # The gap is computed from the defaults, never pinned: the defaults' prices change
    # whenever a provider retires a model (issue 14, item 5).
    gap = cost_view.money(checked.totals["fine_tune"] - checked.totals["rag"])
    assert checked.totals["rag"] < checked.totals["fine_tune"]
    assert f"**the super library** costs **{gap}** less than **specialist training**" in analogy
    assert f"**RAG** costs **{gap}** less than **fine-tuning**" in technical
    assert "RAG" not in analogy and "fine-tun" not in analogy.lower()


def test_the_verdict_names_the_crossing_volume(checked):
    text = cost_view.verdict(checked, "rag", "fine_tune", Words())
    crossing = checked.crossover("rag", "fine_tune")
    assert crossing is not None
    assert cost_view.about(crossing) in text and "pays back only above" in text
    assert cost_view.verdict(checked, "rag", "rag", Words()) == (
        "Pick two different strategies to compare."
    )


def test_the_main_chart_marks_break_even_and_labels_every_line(checked):
    drawn = cost_view.cumulative_chart(checked, "rag", "prompt_only", Words(), height=260)
    fig = drawn.figure
    assert fig.layout.height == 260 and fig.layout.showlegend is False
    labels = {a.text.replace("<br>", " ") for a in fig.layout.annotations}
    assert labels == set(cost_view.legend_names(Words()).values())
    ys = sorted(a.y for a in fig.layout.annotations)
    top = max(max(t.y) for t in fig.data)
    gap = top * 40 / (260 - 96)  # 40 px on a plot about 164 px tall
    assert all(b - a >= gap * 0.99 for a, b in itertools.pairwise(ys))
    assert "At the end:" in drawn.alt


def test_the_monthly_bars_are_labelled_directly(checked):
    fig = cost_view.monthly_chart(checked, Words(vocab="technical")).figure
    bars = [t for t in fig.data if t.type == "bar"]
    assert bars and all(t.showlegend is False for t in bars)
    assert all(not t.marker.pattern.shape for t in bars)  # no hatching to decode
    assert all(t.text[0].split(" $")[0] == t.name for t in bars)  # name and amount inside
    assert fig.layout.uniformtext.minsize >= 14
    totals = next(t for t in fig.data if t.type == "scatter")
    assert all(str(x).endswith("a month") for x in totals.text)


def test_the_log_axes_read_as_dollars_and_decades(checked):
    fig = cost_view.per_thousand_chart(checked, "rag", "fine_tune", Words()).figure
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert list(fig.layout.xaxis.ticktext) == ["100", "1k", "10k", "100k", "1M", "10M", "100M"]
    y = list(fig.layout.yaxis.ticktext)
    assert all(t.startswith("$") for t in y) and "$1" in y and "$10" in y
    assert cost_charts.log_ticks(0.3, 150, prefix="$")[1] == ["$0.1", "$1", "$10", "$100", "$1k"]


def test_the_tornado_has_a_labelled_baseline(checked):
    drawn = cost_view.tornado_chart(checked, "rag", "fine_tune", Words())
    base = checked.totals["rag"] - checked.totals["fine_tune"]
    note = next(a for a in drawn.figure.layout.annotations if a.text.startswith("Your numbers"))
    assert note.x == pytest.approx(base) and cost_view.money(base) in note.text
    assert drawn.figure.layout.shapes[0].x0 == pytest.approx(base)


def test_the_band_title_follows_the_overlap(checked):
    title = cost_view.band_chart(checked, "rag", "fine_tune", Words()).figure.layout.title.text
    bands = checked.band()
    last = bands[bands["month"] == checked.months].set_index("strategy")
    apart = last.loc["rag", "high"] < last.loc["fine_tune", "low"]
    assert ("stays cheaper" in title) == bool(apart)


def test_a_bad_row_falls_back_and_is_named():
    table = costs.default_assumptions()
    table.loc[table.key == "base_input_price", "value"] = -1.0
    table.loc[table.key == "queries_per_month", "value"] = 5000.0
    c = costs.checked(table, fallback={"base_input_price": 0.4})
    assert not c.valid and c.bad_keys == {"base_input_price"}
    assert c.p["base_input_price"] == 0.4 and c.p["queries_per_month"] == 5000
    text = cost_view.problems_text(c, Words())
    assert "\\-1 is negative" in text and "0.4" in text
    # Without a usable fallback, the default from content/ stands in.
    default = costs.params(costs.default_assumptions())["base_input_price"]
    assert costs.checked(table, fallback={"base_input_price": -5}).p["base_input_price"] == default


def test_checked_agrees_with_the_public_functions():
    table = costs.apply_preset(costs.default_assumptions(), "open_weight")
    c = costs.checked(table)
    assert c.valid
    assert c.totals == pytest.approx(costs.total_costs(table))
    pd.testing.assert_frame_equal(c.cumulative, costs.cumulative_costs(table))
    pd.testing.assert_frame_equal(c.monthly, costs.monthly_costs(table))
    pd.testing.assert_frame_equal(
        c.sensitivity("rag", "hybrid"), costs.sensitivity(table, "rag", "hybrid")
    )
    pd.testing.assert_frame_equal(c.band(), costs.band(table))
    assert c.crossover("rag", "fine_tune") == costs.crossover_volume(table, "rag", "fine_tune")
    assert c.break_even("fine_tune", "rag") == costs.break_even(table, "fine_tune", "rag")


def test_spread_labels_keeps_order_and_gap():
    out = cost_charts.spread_labels({"a": 10.0, "b": 10.5, "c": 30.0}, gap=5.0)
    assert out["b"] - out["a"] >= 5.0 and out["c"] - out["b"] >= 5.0
    assert out["a"] < out["b"] < out["c"]


#: What a crafted CSV put into the lab's messages (issue 10, defect 4): links, a red alert,
#: a remote image, raw HTML.
CRAFTED = (
    "[click](https://evil.example) :red[SYSTEM ALERT] ![x](https://evil.example/p.png) "
    "<img src=x onerror=alert(1)> www.evil.example admin@evil.example"
)


def inert(markdown: str) -> bool:
    """None of CRAFTED's links, image, directive, tag or autolinks is left unescaped."""
    live = ("](", "![", ":red[", " <img", "s://", "www.", "n@evil")
    return not any(fragment in markdown for fragment in live)


def test_a_crafted_file_name_and_cells_show_as_text():
    w = Words()
    table, problems = costs.from_csv(f"key,value\n{CRAFTED},1\nqueries_per_month,{CRAFTED}\n")
    assert table is None and problems
    refused = cost_view.import_note("error", CRAFTED + ".csv", w, problems=problems)
    loaded = cost_view.import_note("ok", CRAFTED + ".csv", w, rows=3)
    for text in (refused, loaded):
        assert inert(text), text
        assert "evil\\.example" in text  # still there, as text
    assert refused.startswith("- Nothing was changed") and refused.count("\n- ") == len(problems)


def test_problems_quoting_typed_values_show_as_text():
    table = costs.default_assumptions().astype({"value": object})
    table.loc[table.key == "queries_per_month", "value"] = CRAFTED
    c = costs.checked(table)
    assert not c.valid
    bad = [line for line in cost_view.problems_text(c, Words()).splitlines() if "evil" in line]
    assert bad and all(inert(line) for line in bad)
