"""Content loading and validation: the shipped content is valid; broken content is named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from brainlab import content, diagrams
from brainlab.content import ContentError, load_lesson, load_site


def test_shipped_content_is_valid():
    assert content.validate() == []


def test_every_page_has_its_required_sections():
    for spec in content.load_site():
        lesson = content.load_lesson(spec.slug)
        assert spec.sections, spec.slug
        for section_id in spec.sections:
            assert lesson.section(section_id).body.strip(), (spec.slug, section_id)


def test_every_link_points_to_a_registered_page():
    slugs = {spec.slug for spec in content.load_site()}
    links = [link for spec in content.load_site() for link in content.load_lesson(spec.slug).links]
    assert links, "the lesson links onward to the labs"
    assert {link.page for link in links} <= slugs
    # The opening lesson links to every lab (the References page is not a lab).
    labs = slugs - {"two_ways", "references", "lesson_builder"}  # a teachers' page
    assert {link.page for link in content.load_lesson("two_ways").links} == labs


def test_every_glossary_term_has_both_vocabularies():
    glossary = content.load_glossary()
    for key in ("fine_tuning", "rag", "retriever", "knowledge_base", "vector_index", "embedding"):
        assert key in glossary
    for term in glossary.values():
        assert term.analogy.strip() and term.technical.strip() and term.definition.strip()
        assert term.analogy != term.technical, term.key


def test_the_analogy_words_of_the_issue_are_in_the_glossary():
    words = {t.analogy for t in content.load_glossary().values()}
    assert {"specialist training", "the super library", "the quick-check assistant"} <= words


def test_render_swaps_vocabulary_and_capitalises():
    glossary = content.load_glossary()
    text = "{{Fine_tuning}} changes {{weights}}; {{rag}} does not."
    assert content.render(text, "analogy", glossary) == (
        "Specialist training changes brain connections; the super library does not."
    )
    assert content.render(text, "technical", glossary) == (
        "Fine-tuning changes weights; RAG does not."
    )


def test_render_leaves_unknown_terms_visible_and_rejects_unknown_vocab():
    assert content.render("{{nonsense}}", "analogy") == "{{nonsense}}"
    with pytest.raises(ValueError, match="unknown vocabulary"):
        content.render("x", "klingon")


def test_sections_and_front_matter_are_parsed():
    text = (
        '+++\ntitle = "T"\n+++\nIntro line.\n\n'
        "## First {#one}\nBody one.\n## Second {#two}\nBody two.\n"
    )
    meta, sections = content.parse_markdown(text, Path("x.md"))
    assert meta == {"title": "T"}
    assert list(sections) == ["intro", "one", "two"]
    assert sections["one"].heading == "First"
    assert sections["two"].body == "Body two."


def test_malformed_front_matter_names_the_file(tree: Path):
    path = tree / "pages" / "two_ways.md"
    path.write_text('+++\ntitle = "unclosed\n+++\n\nText\n', encoding="utf-8")
    with pytest.raises(ContentError, match=r"content/pages/two_ways\.md.*not valid TOML"):
        content.load_lesson("two_ways", tree)


def test_unclosed_front_matter_names_the_file(tree: Path):
    (tree / "pages" / "cost_lab.md").write_text("+++\ntitle = 'x'\n\nText\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"cost_lab\.md: front matter .* never closed"):
        content.load_lesson("cost_lab", tree)


def test_heading_without_id_names_the_file(tree: Path):
    (tree / "pages" / "which_path.md").write_text("Intro\n\n## No id here\nBody\n")
    with pytest.raises(ContentError, match=r"which_path\.md: heading '## No id here' needs an id"):
        content.load_lesson("which_path", tree)


def test_missing_section_is_reported_by_validate(tree: Path):
    path = tree / "pages" / "two_ways.md"
    path.write_text(path.read_text().replace("{#differences}", "{#other}"), encoding="utf-8")
    problems = content.validate(tree)
    assert any("two_ways.md: missing required section {#differences}" in p for p in problems)


def test_link_to_unregistered_page_is_reported(tree: Path):
    path = tree / "pages" / "two_ways.md"
    path.write_text(path.read_text().replace('page = "cost_lab"', 'page = "nowhere"'))
    problems = content.validate(tree)
    assert any("unregistered page 'nowhere'" in p and "two_ways.md" in p for p in problems)


def test_unknown_term_is_reported(tree: Path):
    path = tree / "pages" / "two_ways.md"
    path.write_text(path.read_text() + "\nAnd {{flux_capacitor}}.\n", encoding="utf-8")
    problems = content.validate(tree)
    assert any("{{flux_capacitor}} is not in the glossary" in p for p in problems)


def test_glossary_term_missing_a_vocabulary_names_the_file(tree: Path):
    path = tree / "glossary.toml"
    path.write_text(path.read_text().replace('technical = "the retriever"\n', ""))
    with pytest.raises(ContentError, match=r"content/glossary\.toml: terms\.retriever is missing"):
        content.load_glossary(tree)


def test_broken_toml_data_file_names_the_file(tree: Path):
    (tree / "ui.toml").write_text("[sidebar\nvocab_label = 'x'\n")
    with pytest.raises(ContentError, match=r"ui\.toml: is not valid TOML"):
        content.load_toml("ui.toml", tree)
    assert any("ui.toml" in p for p in content.validate(tree))


def test_missing_file_is_named(tree: Path):
    (tree / "pages" / "forgetting_lab.md").unlink()
    with pytest.raises(ContentError, match=r"forgetting_lab\.md: file not found"):
        content.load_lesson("forgetting_lab", tree)


def test_diagrams_become_mermaid_in_both_vocabularies():
    spec = diagrams.load("rag")
    analogy = diagrams.to_mermaid(spec, "analogy")
    technical = diagrams.to_mermaid(spec, "technical")
    assert "\nflowchart TD\n" in analogy
    assert '"fontSize": "19px"' in analogy  # readable on a projector
    assert "The quick-check assistant" in analogy
    assert "The retriever" in technical
    # Every node is coloured by its idea from the one palette.
    assert "classDef rag fill:#0072B2" in technical
    assert "{{" not in analogy + technical


def test_diagram_labels_are_escaped():
    spec = diagrams.Diagram(
        key="x",
        alt="",
        caption="",
        direction="LR",
        nodes=(diagrams.Node("a", 'say "hi" <b>', "base"),),
        edges=(),
    )
    source = diagrams.to_mermaid(spec, "analogy")
    assert "#quot;hi#quot; #lt;b#gt;" in source


def test_an_article_before_a_term_that_brings_its_own_is_reported(tree: Path):
    path = tree / "pages" / "two_ways.md"
    path.write_text(path.read_text() + "\nSend it to the {{retriever}}.\n", encoding="utf-8")
    problems = content.validate(tree)
    assert any("'the {{retriever}}' doubles an article" in p for p in problems)


def test_the_opening_lesson_credits_the_article_it_is_built_from():
    from brainlab.content import CONTENT_DIR

    text = " ".join((CONTENT_DIR / "pages" / "two_ways.md").read_text("utf-8").split())
    assert "Silas Grey" in text
    assert "which path should we choose?" in text
    assert "2025-06-20" in text


def test_a_chinese_paragraph_across_lines_reads_without_a_gap():
    """Markdown turns a line break inside a paragraph into a space; between two Chinese
    characters that is a stray gap. Headings, lists and English lines keep their breaks."""
    from brainlab.content import join_cjk_lines

    text = (
        "第一行，\n第二行。\n\n## 标题\n正文\n- 项一\n- 项二，\n  续行\n{{rag}}很好\nEnglish\nline"
    )
    assert join_cjk_lines(text) == (
        "第一行，第二行。\n\n## 标题\n正文\n- 项一\n- 项二，续行{{rag}}很好\nEnglish\nline"
    )


def test_no_chinese_lesson_shows_a_gap_between_two_chinese_characters():
    for spec in load_site(language="zh"):
        lesson = load_lesson(spec.slug, language="zh")
        for section in lesson.sections.values():
            assert not re.search(r"[\u4e00-\u9fff，。：；、]\n[\u4e00-\u9fff]", section.body), (
                spec.slug,
                section.id,
            )


def test_a_rerun_asks_the_disk_about_each_content_file_once(tmp_path, monkeypatch):
    """Within one rerun (content.begin_rerun) a file's state is read once; the next rerun,
    or the same one after _MEMO_SECONDS, sees a teacher's edit. Without begin_rerun every
    read checks the disk."""
    import os
    import threading

    (tmp_path / "words.toml").write_text('say = "one"\n', encoding="utf-8")
    monkeypatch.setattr(content, "_MEMO", threading.local())
    calls = []
    real_stat = Path.stat

    def counting_stat(self, *args, **kwargs):
        calls.append(self)
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", counting_stat)
    assert content.load_toml("words.toml", tmp_path, language="en")["say"] == "one"
    assert content.load_toml("words.toml", tmp_path, language="en")["say"] == "one"
    assert len(calls) >= 4  # no memo: the disk at every look (two a read)

    content.begin_rerun()
    calls.clear()
    for _ in range(5):
        content.load_toml("words.toml", tmp_path, language="en")
    assert len(calls) == 1  # one look per rerun
    path = tmp_path / "words.toml"
    path.write_text('say = "two"\n', encoding="utf-8")
    later = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(later, later))
    assert content.load_toml("words.toml", tmp_path, language="en")["say"] == "one"
    content.begin_rerun()  # the next rerun sees the edit
    assert content.load_toml("words.toml", tmp_path, language="en")["say"] == "two"
    path.write_text('say = "three"\n', encoding="utf-8")
    os.utime(path, ns=(later + 10**9, later + 10**9))
    monkeypatch.setattr(content, "_MEMO_SECONDS", 0.0)  # the same rerun, once it is old
    assert content.load_toml("words.toml", tmp_path, language="en")["say"] == "three"
