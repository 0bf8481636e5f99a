"""AppTest smoke test of every registered page, and the frame's shared controls."""

from __future__ import annotations

import pytest

from brainlab.content import load_lesson, load_site
from tests.apptest import run_page, texts

SLUGS = [spec.slug for spec in load_site()]


@pytest.mark.parametrize("slug", SLUGS)
def test_every_page_runs_and_shows_its_heading(slug):
    at = run_page(slug)
    assert not at.exception, at.exception
    assert at.title[0].value == next(s.title for s in load_site() if s.slug == slug)
    # Every page ends with the "what this simplifies" box.
    assert "What this simplifies" in texts(at)


def test_menu_lists_every_page_in_lesson_order():
    titles = [spec.title for spec in load_site()]
    assert titles == [
        "Two ways to upgrade a brain",
        "Retrieval lab",
        "Forgetting lab",
        "Cost lab",
        "Which path?",
        "References",
        "Lesson builder",
    ]


def test_the_app_opens_on_the_lesson():
    from streamlit.testing.v1 import AppTest

    from tests.apptest import APP

    at = AppTest.from_file(APP, default_timeout=30).run()
    assert at.title[0].value == "Two ways to upgrade a brain"


def _sent(monkeypatch, url_path: str = "", query: dict | None = None):
    """Run app.py on a page; return the AppTest and what the server sent, in order: each new
    element as (root container, element type) (root 0: main area, 1: sidebar), "menu" for
    st.navigation and ("config", favicon) for st.set_page_config. Empty placeholders left out."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext
    from streamlit.testing.v1 import AppTest

    from tests.apptest import APP

    sent: list = []
    enqueue = ScriptRunContext.enqueue

    def recording(self, msg):
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element.WhichOneof("type")
            if element != "empty":
                sent.append((msg.metadata.delta_path[0], element))
        elif kind == "navigation" and any(p.icon for p in msg.navigation.app_pages):
            sent.append("menu")  # the app's menu (not the file list of a legacy pages/ run)
        elif kind == "page_config_changed":
            sent.append(("config", msg.page_config_changed.favicon))
        return enqueue(self, msg)

    monkeypatch.setattr(ScriptRunContext, "enqueue", recording)
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if url_path:
        sent.clear()
        at.switch_page(next(s.script for s in load_site() if s.url_path == url_path))
        at.run()
    assert not at.exception, at.exception
    return at, sent


def _elements(sent: list) -> list:
    return [x for x in sent if isinstance(x, tuple) and x[0] != "config"]


def _icon_before_menu(sent: list) -> bool:
    """The tab's icon is set before the menu: the browser would otherwise take the page's
    Material icon from fonts.gstatic.com (offline classrooms cannot reach it)."""
    icon = next(i for i, x in enumerate(sent) if isinstance(x, tuple) and x[0] == "config" and x[1])
    return icon < sent.index("menu")


def test_the_opening_lesson_sends_its_title_before_the_sidebar(monkeypatch):
    """Issue 12: the browser paints the title first, while the sidebar is still being built.
    The title is drawn once (the page leaves out the one the frame drew)."""
    import streamlit.emojis  # noqa: F401  (a server that has run the app before)

    at, sent = _sent(monkeypatch)
    elements = _elements(sent)
    assert elements[0] == (0, "heading"), elements[:3]
    assert any(root == 1 for root, _ in elements[1:]), "the sidebar is drawn after it"
    assert [t.value for t in at.title] == ["Two ways to upgrade a brain"]
    assert _icon_before_menu(sent)


def test_on_a_fresh_server_the_title_goes_before_the_icon(monkeypatch):
    """The first visit to a just-started server: the emoji icon would load Streamlit's emoji
    table (once per server) before anything paints, so the home page's title goes first,
    and the icon still before the menu."""
    import sys

    from brainlab.ui import frame

    monkeypatch.delitem(sys.modules, "streamlit.emojis", raising=False)
    monkeypatch.setattr(frame, "_tab_icon", lambda: frame.FIRST_PAINT_ICON)  # numpy not loaded
    at, sent = _sent(monkeypatch)
    title = sent.index((0, "heading"))
    icon = next(i for i, x in enumerate(sent) if isinstance(x, tuple) and x[0] == "config" and x[1])
    assert title < icon, sent[:4]
    assert sent[0] == ("config", ""), "the wide layout comes before the title"
    assert _icon_before_menu(sent)
    assert [t.value for t in at.title] == ["Two ways to upgrade a brain"]


def test_in_presenter_mode_the_title_comes_after_its_css(monkeypatch):
    """Presenter mode's CSS (drawn with the sidebar) enlarges the title: drawn before it,
    the title would paint small first, then grow."""
    at, sent = _sent(monkeypatch, query={"present": "1"})
    assert at.toggle(key="presenter").value
    assert _elements(sent)[0][0] == 1, "the sidebar first"
    assert [t.value for t in at.title] == ["Two ways to upgrade a brain"]


def test_a_lab_keeps_its_title_in_its_stage(monkeypatch):
    """A lab's title sits in its stage's left column: the frame does not draw it first."""
    at, sent = _sent(monkeypatch, "cost_lab")
    assert _elements(sent)[0][0] == 1, "the sidebar comes first, the title with the lab's stage"
    assert [t.value for t in at.title] == ["Cost lab"]


def _svg(at) -> str:
    """The SVG picture on the lesson's stage, decoded from its data URL."""
    import base64
    import re

    # Drawn as an <img> of a data URL (st.image would import numpy before the first paint).
    tag = next(m.value for m in at.markdown if m.value.startswith("<img "))
    url = re.search(r'src="([^"]+)"', tag)[1]
    assert url.startswith("data:image/svg+xml;base64,")
    assert re.search(r'alt="[^"]+"', tag), "the picture has a text alternative"
    return base64.b64decode(url.split(",", 1)[1]).decode("utf-8")


def test_vocabulary_switch_changes_the_lesson_words():
    at = run_page("two_ways")
    analogy = texts(at)
    assert "two ways to upgrade it: specialist training or the super library" in analogy
    at.sidebar.button_group[0].set_value("technical").run()
    assert not at.exception
    technical = texts(at)
    assert "two ways to upgrade it: fine-tuning or RAG" in technical
    assert "specialist training or the super library" not in technical
    # The picture beside the step speaks the same words.
    assert "Fine-tuning" in _svg(at) and "Specialist training" not in _svg(at)


def test_vocabulary_can_come_from_the_url():
    # A shared link carries the choice; the URL holds the option's label.
    at = run_page("two_ways", query={"vocab": "Technical"})
    assert "two ways to upgrade it: fine-tuning or RAG" in texts(at)


def test_presenter_mode_enlarges_text():
    at = run_page("two_ways")

    def presenter_css():
        return [h for h in at.get("html") if "h1 { font-size: 66px" in str(h.proto)]

    assert not presenter_css()
    at.sidebar.toggle[0].set_value(True).run()
    assert presenter_css()


def _mermaid(at) -> list[str]:
    # AppTest sees st.mermaid_chart as a Markdown element holding a mermaid code block.
    return [m.value for m in at.markdown if m.value.startswith("````mermaid")]


def test_the_lesson_opens_on_the_brain_picture_not_a_wall_of_text():
    at = run_page("two_ways")
    svg = _svg(at)
    assert "<svg" in svg and "Specialist training" in svg and "The super library" in svg
    # No leftover placeholders in the picture, and no pipeline diagram yet.
    assert "{{" not in svg and not _mermaid(at)
    card = [m.value for m in at.markdown if m.value.startswith("A large language model is")]
    assert len(card[0].split()) <= 60


def test_the_lesson_steps_forward_through_pipelines_table_and_scenarios_and_back():
    at = run_page("two_ways", query={"vocab": "Technical"})
    shown = {}
    for n in range(1, 7):
        body = texts(at)
        assert f"Step {n} of 6" in body
        shown[n] = (body, _mermaid(at))
        if n < 6:
            at.button(key="two_ways_step_next").click().run()
            assert not at.exception
    assert "Fine-tuning" in shown[2][1][0] and "The retriever" not in shown[2][1][0]
    assert "The retriever" in shown[3][1][0]
    for row in ("Knowledge", "New fact", "Fresh until", "General skill", "Main cost", "Sources"):
        assert row in shown[4][0]
    for scenario in ("customer-service bot", "news-summary app", "Medical or legal support"):
        assert scenario in shown[5][0]
    # The last step: the takeaway, links to every lab, and Next goes on to the next page.
    assert "Fresh facts and sources: RAG" in shown[6][0]
    assert "RAG gives the model facts" in shown[5][0]
    onward = at.button(key="two_ways_step_next_page")
    assert onward.label == "Next page" and "Retrieval lab" in onward.help
    at.button(key="two_ways_step_back").click().run()
    assert "Step 5 of 6" in texts(at)


def test_the_full_comparison_stays_behind_read_more():
    at = run_page("two_ways", query={"two_ways_step": "4"})
    body = texts(at)
    for row in ("Where the knowledge lives", "Traceability", "Typical scenarios"):
        assert row in body  # drawn inside the step's "Read more" expander
    more = [e for e in at.expander if e.label == "Read more"]
    assert more and not more[0].proto.expanded


def test_the_lesson_paints_without_importing_torch():
    # In a fresh interpreter: other tests in this process may have imported torch already.
    import os
    import subprocess
    import sys

    from tests.apptest import ROOT

    code = (
        "import sys; from tests.apptest import run_page; at = run_page('two_ways');"
        "assert not at.exception; print(sorted(m for m in ('torch', 'sentence_transformers')"
        " if m in sys.modules))"
    )
    # The background model load (brainlab/preload.py) starts only after the page has run;
    # off here, so what is imported is the page's own doing, not a race with that thread.
    env = {**os.environ, "BRAINLAB_PRELOAD": "0"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr


@pytest.mark.parametrize("slug", [s.slug for s in load_site() if not load_lesson(s.slug).steps])
def test_a_page_without_steps_ends_with_a_link_onward(slug):
    """Issue 15: every page ends with a link onward (a stepper's last step has its own
    Next page button); the last page leads back to the first."""
    site = load_site()
    i = [s.slug for s in site].index(slug)
    target = site[(i + 1) % len(site)]
    at = run_page(slug)
    assert not at.exception
    last = at.main.get("page_link")[-1].proto
    assert target.title in last.label
    assert last.page == ("" if (i + 1) % len(site) == 0 else target.url_path)


def test_app_py_imports_little_before_the_title():
    """Issue 12: what app.py imports before it draws the page's title (the first paint).
    The widgets, the step card, the quiz, QR codes and the database load after it."""
    import subprocess
    import sys

    from tests.apptest import ROOT

    code = (
        "import sys; import brainlab.preload, brainlab.ui, brainlab.ui.frame, brainlab.ui.uploads;"
        "print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(out.stdout.split())
    assert "brainlab.ui.frame" in loaded
    later = {
        "brainlab.ui.widgets",
        "brainlab.ui.stage",
        "brainlab.ui.quiz",
        "brainlab.ui.workspace",
        "brainlab.diagrams",
        "brainlab.lessons",
        "brainlab.quiz",
        "brainlab.share",
        "segno",
        "sqlite3",
        "numpy",
    }
    assert loaded & later == set()
