"""AppTest smoke test of every registered page, and the frame's shared controls."""

from __future__ import annotations

import pytest

from brainlab.content import load_glossary, load_site
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
    ]


def test_the_app_opens_on_the_lesson():
    from streamlit.testing.v1 import AppTest

    from tests.apptest import APP

    at = AppTest.from_file(APP, default_timeout=30).run()
    assert at.title[0].value == "Two ways to upgrade a brain"


def test_vocabulary_switch_changes_the_lesson_words():
    at = run_page("two_ways")
    analogy = texts(at)
    assert "super library" in analogy
    at.sidebar.button_group[0].set_value("technical").run()
    technical = texts(at)
    assert not at.exception
    glossary = load_glossary()
    # The technical words replace the analogy's in the lesson's running text.
    assert glossary["fine_tuning"].technical.capitalize() in technical
    assert "the super library gives the model facts" in analogy
    assert "RAG gives the model facts" in technical
    assert "the super library gives the model facts" not in technical


def test_vocabulary_can_come_from_the_url():
    # A shared link carries the choice; the URL holds the option's label.
    at = run_page("two_ways", query={"vocab": "Technical"})
    assert "RAG gives the model facts" in texts(at)


def test_presenter_mode_enlarges_text():
    at = run_page("two_ways")
    assert not [h for h in at.get("html") if "Presenter mode" in str(h.proto)]
    at.sidebar.toggle[0].set_value(True).run()
    assert any("Presenter mode" in str(h.proto) for h in at.get("html"))


def test_lesson_shows_both_pipelines_and_the_comparison_table():
    at = run_page("two_ways", query={"vocab": "Technical"})
    # AppTest sees st.mermaid_chart as a Markdown element holding a mermaid code block.
    diagrams = [m.value for m in at.markdown if m.value.startswith("````mermaid")]
    assert len(diagrams) == 2
    assert "The retriever" in diagrams[1] and "Fine-tuning" in diagrams[0]
    body = texts(at)
    for row in (
        "Where the knowledge lives",
        "How it is updated",
        "Freshness",
        "General ability",
        "Resources",
        "Traceability",
        "Typical scenarios",
    ):
        assert row in body
    for scenario in (
        "customer-service bot",
        "news-summary app",
        "Medical diagnosis",
        "Legal document analysis",
    ):
        assert scenario in body


def test_the_lesson_paints_without_importing_torch():
    # In a fresh interpreter: other tests in this process may have imported torch already.
    import subprocess
    import sys

    from tests.apptest import ROOT

    code = (
        "import sys; from tests.apptest import run_page; at = run_page('two_ways');"
        "assert not at.exception; print(sorted(m for m in ('torch', 'sentence_transformers')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
