"""Classroom mode without a browser (issue 15): the guided lesson and a teacher's lesson
across pages, the lesson builder's link, and the hide/lock it carries; presenter mode's
address and its chart scale. The browser half is tests/browser/test_classroom_browser.py.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from brainlab import charts, lessons
from brainlab.content import ContentError, load_lesson, load_site, page_spec
from tests.apptest import APP, run_page

ADDRESS = "http://192.0.2.1:8501/lesson_builder"


def card_lines(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**")]


def progress_text(at: AppTest) -> str:
    bars = at.get("progress")
    return bars[0].proto.text if bars else ""


# --------------------------------------------------------------------------- pure


def test_the_guided_lesson_walks_every_lesson_page_in_menu_order():
    tour = lessons.load_guided()
    lesson_pages = [p.slug for p in load_site() if load_lesson(p.slug).steps]
    seen = list(dict.fromkeys(s.page for s in tour.steps))
    assert seen == lesson_pages
    for s in tour.steps:
        assert s.title and s.text and s.touch and s.notice
        assert len(s.text.split()) <= 60, s.title


def test_a_guided_step_on_a_missing_page_step_is_a_content_error(tmp_path):
    (tmp_path / "guided.toml").write_text(
        'title = "x"\n[[steps]]\npage = "two_ways"\nstep = "nope"\n'
        'title = "t"\ntext = "t"\ntouch = "t"\nnotice = "t"\n'
    )
    with pytest.raises(ContentError, match=r"two_ways\.nope"):
        lessons.load_guided(tmp_path)


def test_a_plan_keeps_known_steps_in_order_and_drops_the_rest():
    text = "cost_lab.volume,nowhere.x,two_ways.brain,two_ways.nope,two_ways"
    steps = lessons.parse_plan(text)
    assert [(s.page, s.step) for s in steps] == [("cost_lab", "volume"), ("two_ways", "brain")]
    assert lessons.plan_text(steps) == "cost_lab.volume,two_ways.brain"
    assert len(lessons.parse_plan(",".join(["two_ways.brain"] * 100))) == lessons.MAX_STEPS


def test_only_listed_controls_can_be_hidden_or_locked():
    allowed = {c.key for c in lessons.load_controls()}
    keys = lessons.parse_keys("retrieval_method,} body{x,retrieval_method,cost_table", allowed)
    assert keys == ("retrieval_method", "cost_table")


def test_presenter_charts_are_1_4x_with_axis_text_included():
    import plotly.graph_objects as go

    fig = charts.scale_fonts(go.Figure(go.Bar(x=[1], y=[2])), 1.4, floor=20)
    assert fig.layout.font.size == pytest.approx(21)
    assert fig.layout.xaxis.tickfont.size == pytest.approx(21)
    assert fig.layout.yaxis.title.font.size == pytest.approx(21)


# --------------------------------------------------------------------------- pages


def test_next_walks_the_guided_lesson_across_pages_and_back():
    at = run_page("two_ways", timeout=120, query={"lesson": "guided", "tour": "3"})
    tour = lessons.load_guided()
    assert tour.steps[2].title.split("{{")[0] in progress_text(at)
    assert "Step 3 of 12" in progress_text(at)
    at.button(key="tour_next").click().run()
    assert not at.exception
    assert at.title[0].value == page_spec(tour.steps[3].page).title
    assert "Step 4 of 12" in progress_text(at) and tour.steps[3].title in progress_text(at)
    assert at.query_params["lesson"] == "guided" and at.query_params["tour"] == "4"
    at.button(key="tour_back").click().run()
    assert at.title[0].value == page_spec("two_ways").title
    assert "Step 3 of 12" in progress_text(at)


def test_leaving_the_lesson_returns_to_the_pages_own_steps():
    at = run_page("two_ways", query={"lesson": "guided", "tour": "2"})
    at.button(key="tour_leave").click().run()
    assert not at.exception
    assert "lesson" not in at.query_params
    assert any("Step 2 of 6" in line for line in card_lines(at))


def test_presenter_mode_by_the_short_address_shows_a_progress_bar_and_no_read_more():
    at = run_page("two_ways", query={"present": "1", "two_ways_step": "2"})
    assert at.session_state["presenter"] is True
    assert "Step 2 of 6" in progress_text(at)
    assert not [e for e in at.expander if e.label == "Read more"]
    plain = run_page("two_ways", query={"two_ways_step": "2"})
    assert not plain.get("progress") and [e for e in plain.expander if e.label == "Read more"]


def builder_link(at: AppTest) -> str:
    links = [c.value for c in at.code if "lesson=" in c.value]
    assert len(links) == 1, [c.value for c in at.code]
    return links[0]


def test_the_builders_link_opens_the_lesson_with_its_controls_hidden_and_locked():
    at = AppTest.from_file(APP, default_timeout=30)
    at.context["url"] = ADDRESS
    at.run()
    at.switch_page("pages/lesson_builder.py").run()
    assert not at.exception
    assert any("Pick at least one step" in i.value for i in at.info)
    at.multiselect(key="builder_steps").set_value(["retrieval_lab.ask", "cost_lab.volume"])
    at.text_input(key="builder_question").set_value("How many days do I have to return it?")
    at.selectbox(key="builder_scenario").set_value("customer_service")
    at.multiselect(key="builder_hide").set_value(["retrieval_method"])
    at.multiselect(key="builder_lock").set_value(["retrieval_top_k", "cost_sliders"])
    at.toggle(key="builder_presenter").set_value(True).run()
    assert not at.exception
    link = builder_link(at)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://192.0.2.1:8501/retrieval_lab"
    query = dict(parse_qsl(parts.query))
    assert query["lesson"] == "retrieval_lab.ask,cost_lab.volume"
    assert query["hide"] == "retrieval_method" and query["lock"] == "retrieval_top_k,cost_sliders"
    assert query["presenter"] == "true"
    qr = [i for i in at.get("image") if i.value[0].startswith("data:image/svg+xml")]
    assert qr, "the QR code of the link"

    # The link, opened: the lesson's card, the question, the hidden and locked controls.
    lesson = run_page("retrieval_lab", timeout=120, query=query)
    assert not lesson.exception
    assert "Step 1 of 2" in progress_text(lesson)
    assert lesson.text_input(key="retrieval_query").value == query["retrieval_query"]
    assert lesson.slider(key="retrieval_top_k").disabled
    assert lesson.segmented_control(key="retrieval_method").disabled  # hidden: also locked
    assert not lesson.text_input(key="retrieval_query").disabled
    css = " ".join(str(h.proto) for h in lesson.get("html"))
    assert ".st-key-retrieval_method" in css and ".st-key-retrieval_top_k" not in css

    # Next: the Cost lab, in its scenario, with its quick sliders locked.
    lesson.button(key="tour_next").click().run()
    assert not lesson.exception
    assert lesson.title[0].value == "Cost lab"
    assert "Step 2 of 2" in progress_text(lesson)
    assert lesson.selectbox(key="cost_preset").value == "customer_service"
    assert all(s.disabled for s in lesson.select_slider if s.key in ("cost_queries", "cost_top_k"))
    assert not lesson.selectbox(key="cost_preset").disabled


def test_the_builder_in_chinese_builds_a_chinese_lesson_that_opens_in_chinese():
    at = AppTest.from_file(APP, default_timeout=30)
    at.context["url"] = ADDRESS
    at.query_params["lang"] = "zh"
    at.run()
    at.switch_page("pages/lesson_builder.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "备课工具"
    assert any("至少选择一个步骤" in i.value for i in at.info)
    steps = at.multiselect(key="builder_steps")
    assert steps.label == "这堂课的步骤"
    hide = at.multiselect(key="builder_hide")
    assert "检索实验室：匹配方式（按意思、按字词，或两者结合）" in hide.options
    steps.set_value(["retrieval_lab.ask", "which_path.answer"])
    hide.set_value(["retrieval_method"])
    at.toggle(key="builder_technical").set_value(True).run()
    assert not at.exception, at.exception
    assert "检索实验室 · 第 1 步：向图书馆提问" in at.multiselect(key="builder_steps").options
    summary = "共 2 步，涉及 2 个页面。隐藏：匹配方式（按意思、按字词，或两者结合）。锁定：无。"
    assert summary in [c.value for c in at.caption]
    # The lesson's link, then the page's own link onward (back to the first page).
    assert [p.proto.label for p in at.main.get("page_link")] == [
        "打开这堂课",
        "回到开头：给大脑升级的两种方法",
    ]
    query = dict(parse_qsl(urlsplit(builder_link(at)).query))
    # The link carries the builder's language: its Words switch is bound by its Chinese label.
    assert query["lang"] == "zh" and query["vocab"] == "术语"

    lesson = run_page("retrieval_lab", timeout=120, query=query)
    assert not lesson.exception, lesson.exception
    assert lesson.title[0].value == "检索实验室"
    assert "第 1 步，共 2 步" in progress_text(lesson)
    assert lesson.session_state["vocab"] == "technical"
    assert lesson.segmented_control(key="retrieval_method").disabled


def test_the_guided_lesson_in_chinese_shows_its_chinese_cards():
    at = run_page("two_ways", timeout=120, query={"lesson": "guided", "tour": "3", "lang": "zh"})
    assert not at.exception, at.exception
    assert "第 3 步，共 12 步 · 升级方法二：超级图书馆" in progress_text(at)
    assert "导览课" in " ".join(c.value for c in at.caption)
    at.button(key="tour_next").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "检索实验室"
    assert "第 4 步，共 12 步 · 亲自向图书馆提问" in progress_text(at)
    assert any("在一家小商店的文档里查找" in m.value for m in at.markdown)


def test_without_a_lesson_nothing_is_hidden_or_locked():
    at = run_page(
        "retrieval_lab", timeout=120, query={"hide": "retrieval_method", "lock": "retrieval_top_k"}
    )
    # A hide/lock address is honoured on its own too (the builder always adds a lesson).
    assert at.slider(key="retrieval_top_k").disabled
    plain = run_page("retrieval_lab", timeout=120)
    assert not plain.slider(key="retrieval_top_k").disabled
    css = " ".join(str(h.proto) for h in plain.get("html"))
    assert ".st-key-retrieval_method" not in css


# --------------------------------------------------------------------------- shared views


def test_a_cost_link_restores_the_scenario_and_the_quick_sliders():
    query = {"cost_preset": "customer_service", "cost_queries": "3,000,000", "cost_retrains": "52"}
    # The scenario box is bound by its shown title.
    from brainlab import costs

    query["cost_preset"] = costs.load_presets()["customer_service"].title
    at = run_page("cost_lab", query=query)
    assert not at.exception
    sliders = {s.key: s.value for s in at.select_slider}
    assert sliders["cost_queries"] == 3e6 and sliders["cost_retrains"] == 52.0
    assert "At 3,000,000 questions a month" in at.info[0].value
    plain = run_page("cost_lab", query={"cost_preset": query["cost_preset"]})
    assert {s.key: s.value for s in plain.select_slider}["cost_queries"] != 3e6


def test_a_forgetting_link_opens_on_the_revealed_verdict_with_its_strategies():
    at = run_page("forgetting_lab", timeout=120, query={"forgetting_steps": "100"})
    at.slider(key="forgetting_guess").set_value(30).run()
    at.button(key="forgetting_reveal").click().run()
    assert at.query_params["forgetting_revealed"] == "30"
    shared = run_page(
        "forgetting_lab",
        timeout=120,
        query={"forgetting_steps": "100", "forgetting_revealed": "30"},
    )
    assert not shared.exception
    mine = next(m.value for m in at.markdown if "kept **" in m.value)
    theirs = next(m.value for m in shared.markdown if "kept **" in m.value)
    assert mine == theirs and "your guess, 30%" in theirs
    fresh = run_page("forgetting_lab", timeout=120)
    assert not [m for m in fresh.markdown if "kept **" in m.value]
