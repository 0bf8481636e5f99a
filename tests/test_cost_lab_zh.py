"""AppTest of the Cost lab in Chinese (``?lang=zh``): the stage, the table, the charts and
the messages speak Chinese, and a slider or a table edit changes the Chinese verdict."""

from __future__ import annotations

import json
import re

import pytest

from brainlab import costs
from brainlab.content import set_language
from tests.apptest import run_page, texts
from tests.test_cost_lab_page import ROW, chart_data, slider
from tests.test_pages_zh import english_sentences


@pytest.fixture
def at():
    page = run_page("cost_lab", query={"lang": "zh"}, timeout=120)
    assert not page.exception, page.exception
    return page


def verdict(at) -> str:
    return at.info[0].value


def edit(at, changes: dict[str, float | None]) -> None:
    key = at.session_state["cost_state"].editor_key
    at.session_state[key] = {
        "edited_rows": {ROW[k]: {"value": v} for k, v in changes.items()},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, at.exception


def _chart_words(at) -> str:
    """Every title, axis title, trace name, label and hover text of the charts shown."""
    parts = []
    for spec in chart_data(at):
        layout = spec["layout"]
        parts.append(layout["title"]["text"])
        for axis in ("xaxis", "yaxis"):
            parts.append(str(layout.get(axis, {}).get("title", {}).get("text", "")))
        parts += [str(a.get("text", "")) for a in layout.get("annotations", [])]
        for trace in spec["data"]:
            parts += [str(trace.get("name") or ""), str(trace.get("hovertemplate") or "")]
            text = trace.get("text")
            parts += [str(t) for t in text] if isinstance(text, list) else []
    return "\n".join(parts)


def test_the_stage_table_and_charts_are_chinese(at):
    shown = texts(at)
    assert "这一页还没有中文版" not in shown
    opening = "每月 30,000 个问题时，在 18 个月里，**超级图书馆**比**专科培训**少花"
    assert verdict(at).startswith(opening)
    assert "US$" in verdict(at) and ". " not in verdict(at)
    assert english_sentences(shown) == []
    words = _chart_words(at)
    assert "整整 18 个月里，超级图书馆一直更便宜" in words and "第 %{x} 个月" in words
    assert english_sentences(words) == [], words
    table = at.dataframe[0].value
    assert list(table["key"]) == list(costs.specs())  # same rows, same order as in English
    assert table.set_index("key").loc["queries_per_month", "label"] == "每月问题数"
    for column in ("group", "label", "unit", "source"):
        assert english_sentences(" ".join(table[column])) == [], column
    tabs = [t.label for t in at.tabs][:4]
    assert tabs == ["每个月", "每个问题的成本", "哪个数字最关键？", "结论有多可靠？"]


def test_a_slider_changes_the_chinese_verdict_and_the_chart(at):
    before = verdict(at)
    slider(at, "cost_queries").set_value(3_000_000.0).run()
    assert not at.exception, at.exception
    after = verdict(at)
    assert after != before
    # Three million questions a month: the specialist's cheaper answers win.
    opening = "每月 3,000,000 个问题时，在 18 个月里，**专科培训**比**超级图书馆**少花"
    assert after.startswith(opening)
    assert "只有每月问题数少于大约" in after
    assert chart_data(at)[0]["layout"]["title"]["text"].startswith("从第")


def test_a_table_edit_changes_the_chinese_verdict_and_a_bad_value_says_so_in_chinese(at):
    edit(at, {"months": 6.0})
    assert "在 6 个月里" in verdict(at)
    edit(at, {"months": 6.0, "base_input_price": -1.0})
    message = at.error[0].value.replace("\\", "")
    assert "表格里有些数字不能用" in message
    assert "第 14 行（基础模型：输入价格，base_input_price）：-1 是负数" in message
    assert "上一次的有效值" in message
    assert english_sentences(message) == []
    assert "在 6 个月里" in verdict(at)  # the other numbers are kept
    edit(at, {"months": 6.0, "base_input_price": 0.3})
    assert not at.error


def test_the_technical_words_and_a_scenario_in_chinese():
    at = run_page("cost_lab", query={"lang": "zh", "vocab": "术语"}, timeout=120)
    assert not at.exception, at.exception
    assert "**RAG**比**微调**少花" in verdict(at)
    at.selectbox(key="cost_preset").set_value("open_weight").run()
    assert not at.exception, at.exception
    source = at.dataframe[0].value.set_index("key").loc["ft_hosting_monthly", "source"]
    assert "一直开着的 GPU" in source


def test_a_bad_csv_is_refused_in_chinese(at):
    at.session_state["cost_tabs"] = "保存或载入"
    at.run()
    csv = b"key,value\nfree_lunch,1\n"
    at.get("file_uploader")[0].set_value(("mine.csv", csv, "text/csv")).run()
    assert not at.exception, at.exception
    shown = "\n".join(e.value for e in at.error).replace("\\", "")
    assert "什么都没有改：mine.csv 无法使用" in shown
    assert "第 1 行：没有 'free_lunch' 这项假设" in shown
    assert "缺少一行：每月问题数（queries_per_month）" in shown


def test_the_cost_model_speaks_the_current_language():
    set_language("zh")
    try:
        assert costs.validate({"months": 0})[0] == "第 1 行（期限，months）：0 小于最小值 1。"
        assert costs.from_csv(b"")[1] == ["这个文件不是能读取的 CSV 表格（它是空的）。"]
    finally:
        set_language("en")
    assert costs.validate({"months": 0})[0] == "Row 1 (Horizon, months): 0 is below the minimum 1."


def test_the_chinese_charts_hover_in_chinese():
    at = run_page("cost_lab", query={"lang": "zh"}, timeout=120)
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)  # each month's parts
    hovers = [t.get("hovertemplate", "") for t in spec["data"] if t.get("hovertemplate")]
    assert hovers and all("每月 US$" in h for h in hovers)


def test_every_tab_below_the_stage_is_chinese(at):
    labels = [t.label for t in at.tabs]
    assert labels == [
        "每个月",
        "每个问题的成本",
        "哪个数字最关键？",
        "结论有多可靠？",
        "成本怎么算",
        "保存或载入",
    ]
    titles = []
    for label in labels:
        at.session_state["cost_tabs"] = label
        at.run()
        assert not at.exception, at.exception
        shown = texts(at) + "\n" + _chart_words(at)
        shown += "\n".join(str(b.label) for b in at.get("download_button"))
        assert english_sentences(shown) == [], (label, english_sentences(shown))
        if len(chart_data(at)) > 1:
            titles.append(chart_data(at)[1]["layout"]["title"]["text"])
    # The four tab charts, each with its Chinese finding as its title; Chinese punctuation.
    assert len(titles) == 4 and all(re.search(r"[\u4e00-\u9fff]{4}", t) for t in titles), titles
    assert titles[2].startswith("最先该核对：")  # the tornado names a Chinese assumption


def test_the_band_legend_uses_chinese_punctuation(at):
    at.session_state["cost_tabs"] = "结论有多可靠？"
    at.run()
    names = [t.get("name") for t in chart_data(at)[1]["data"] if t.get("name")]
    assert "超级图书馆：价格 ±25%" in names, names
