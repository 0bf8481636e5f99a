"""The References page and the citations that point to it (issue 14, item 6).

Every figure from the world that content/ shows names its entry in content/references.toml;
every entry has an address and a date; no learner-visible string points to the project's
internal research notes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from brainlab.content import CONTENT_DIR, load_lesson, load_site, load_toml
from brainlab.references import cited_ids, load_references
from tests.apptest import run_page, texts

REFS = load_references()
IDS = {r.id for r in REFS}
SLUGS = {p.slug for p in load_site()}
DATA_FILES = sorted(
    p.name for p in CONTENT_DIR.glob("*.toml") if p.name not in ("references.toml",)
)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def _lesson_texts(slug: str) -> list[str]:
    lesson = load_lesson(slug)
    return [s.heading + "\n" + s.body for s in lesson.sections.values()] + list(
        _strings(lesson.meta)
    )


def _all_cited() -> dict[str, set[str]]:
    cited = {name: cited_ids(load_toml(name)) for name in DATA_FILES}
    for slug in SLUGS:
        cited[f"pages/{slug}.md"] = cited_ids(_lesson_texts(slug))
    return cited


def test_every_entry_has_a_title_an_address_a_date_and_a_page():
    assert len(REFS) >= 20
    for ref in REFS:
        assert re.fullmatch(r"[a-z0-9_]+", ref.id), ref.id
        assert ref.url.startswith("https://"), ref.id
        assert re.search(r"\b(1[89]|20)\d\d\b", ref.date), f"{ref.id}: no year in {ref.date!r}"
        assert ref.title and ref.authors, ref.id
        assert ref.used_by and set(ref.used_by) <= SLUGS, ref.id


def test_every_cited_id_exists_and_every_entry_is_cited():
    cited = _all_cited()
    for where, ids in cited.items():
        assert ids <= IDS, f"{where} cites unknown entries {sorted(ids - IDS)}"
    everything = set().union(*cited.values())
    assert everything >= IDS, f"entries no content cites: {sorted(IDS - everything)}"


def _sourced_tables(value, where: str = ""):
    """(where, source text, refs) for each sourced figure in a parsed TOML file.

    A table with a ``source`` string, or a ``sources`` table whose keys a sibling ``refs``
    table repeats (the cost presets).
    """
    if isinstance(value, dict):
        if isinstance(value.get("source"), str):
            yield where, value["source"], value.get("refs")
        if isinstance(value.get("sources"), dict):
            refs = value.get("refs", {})
            for key, text in value["sources"].items():
                yield f"{where}.sources.{key}", text, refs.get(key, [])
        for k, v in value.items():
            if k not in ("sources", "refs"):
                yield from _sourced_tables(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _sourced_tables(v, f"{where}[{i}]")


@pytest.mark.parametrize("name", DATA_FILES)
def test_every_source_names_its_entries(name):
    for where, text, refs in _sourced_tables(load_toml(name)):
        assert refs is not None, f"{name}{where}: a source without a refs list"
        for ref in REFS:
            if any(c in text for c in ref.cite_as):
                assert ref.id in refs, f"{name}{where} names {ref.cite_as} but not {ref.id!r}"
        # Only the app's own choices, with no year or publisher behind them, go uncited.
        if not text.startswith("Illustrative") and re.search(r"\b20\d\d\b|et al\.", text):
            assert refs, f"{name}{where}: a dated source with no entry: {text[:80]!r}"


def _tables(value):
    # A `sources` table is checked against its sibling `refs` table in the test above.
    if isinstance(value, dict):
        yield value
        for k, v in value.items():
            if k != "sources":
                yield from _tables(v)
    elif isinstance(value, list):
        for v in value:
            yield from _tables(v)


@pytest.mark.parametrize("name", DATA_FILES)
def test_a_string_that_names_a_paper_or_price_page_names_its_entry(name):
    for table in _tables(load_toml(name)):
        near = cited_ids(table.get("refs", [])) | set(table.get("refs", []) or [])
        for text in (v for v in table.values() if isinstance(v, str)):
            for ref in REFS:
                if any(c in text for c in ref.cite_as):
                    assert ref.id in near | cited_ids(text), f"{name}: {text[:90]!r} ({ref.id})"


@pytest.mark.parametrize("slug", sorted(SLUGS))
def test_a_lesson_that_names_a_source_links_to_its_entry(slug):
    for text in _lesson_texts(slug):
        for ref in REFS:
            if slug != "references" and any(c in text for c in ref.cite_as):
                assert ref.id in cited_ids(text), f"pages/{slug}.md: {ref.id} not linked"


def test_no_learner_visible_string_points_to_the_internal_notes():
    shown = [s for name in [*DATA_FILES, "references.toml"] for s in _strings(load_toml(name))]
    for slug in SLUGS:
        shown += _lesson_texts(slug)
    for text in shown:
        assert "papers_and_prices" not in text and "§" not in text, text[:120]


def test_the_content_files_do_not_name_the_internal_notes_even_in_comments():
    for path in Path(CONTENT_DIR).rglob("*"):
        if path.suffix in (".toml", ".md"):
            body = path.read_text(encoding="utf-8")
            assert "papers_and_prices" not in body and "§" not in body, path.name


def test_the_references_page_lists_every_entry_with_its_anchor_and_pages():
    at = run_page("references")
    assert not at.exception, at.exception
    anchors = [h.proto.anchor for h in at.subheader]
    assert anchors == [r.id for r in REFS]
    body = texts(at)
    for ref in REFS:
        assert ref.url in body and ref.date in body
    # Each entry links to the pages that use it.
    links = [p.proto.page for p in at.main.get("page_link")]  # not the sidebar's
    # ... and the page ends with the link onward, to the next page of the menu.
    assert links[-1] == "lesson_builder"
    assert len(links[:-1]) == sum(len(r.used_by) for r in REFS)


def test_the_references_page_is_last_in_the_menu_at_its_own_name():
    # The last page of the lessons; only the teachers' lesson builder comes after it.
    learners = [p for p in load_site() if p.slug != "lesson_builder"]
    assert load_site()[-1].slug == "lesson_builder"
    last = learners[-1]
    assert (last.slug, last.url_path, last.script) == (
        "references",
        "references",
        "pages/references.py",
    )


def test_cited_ids_reads_refs_lists_tables_and_links():
    data = {
        "a": {"source": "x", "refs": ["lewis2020"]},
        "p": {"refs": {"k": ["qi2023"]}},
        "text": "see [Ovadia](/references#ovadia2024) and /references#tofu2024.",
    }
    assert cited_ids(data) == {"lewis2020", "qi2023", "ovadia2024", "tofu2024"}
    assert cited_ids("no link here") == set()


def test_links_point_to_the_entries_and_refuse_an_unknown_id():
    from brainlab.content import ContentError
    from brainlab.references import links

    text = links(["biderman2024", "luo2023"])
    assert "(/references#biderman2024)" in text and "(/references#luo2023)" in text
    assert links([]) == ""
    with pytest.raises(ContentError, match="no entries"):
        links(["nobody2099"])


# --------------------------------------------------------------------------- in Chinese


def test_the_chinese_file_lists_the_same_entries_with_the_same_addresses_and_pages():
    chinese = load_references(language="zh")
    assert len(chinese) == len(REFS)
    for en, zh in zip(REFS, chinese, strict=True):
        assert (zh.id, zh.url, zh.used_by, zh.cite_as) == (en.id, en.url, en.used_by, en.cite_as)
        assert bool(zh.note) == bool(en.note), zh.id
        # Every year of the English date is in the Chinese one ("2024-11" -> "2024年11月").
        for year in re.findall(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)", en.date):
            assert year in zh.date, f"{zh.id}: {year} not in {zh.date!r}"
        assert re.search(r"[\u4e00-\u9fff]", zh.date), f"{zh.id}: date label not in Chinese"
        if zh.note:
            assert re.search(r"[\u4e00-\u9fff]", zh.note), f"{zh.id}: note not in Chinese"


def test_the_references_page_turns_chinese_with_the_language_switch():
    at = run_page("references")
    assert "Used in" in [c.value for c in at.caption]
    switch = next(b for b in at.sidebar.button_group if b.label.startswith("Language"))
    switch.set_value("zh").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "参考资料"
    chinese = load_references(language="zh")
    assert [h.proto.anchor for h in at.subheader] == [r.id for r in REFS]  # links still land
    assert [h.value for h in at.subheader] == [r.title for r in chinese]
    body = texts(at)
    assert f"共 {len(REFS)} 个出处" in body
    assert "**作者 / 发布者：** Silas Grey（article.woter.ai）" in body
    assert "**日期：** 2025年6月20日" in body and "2024年11月（EMNLP 2024" in body
    assert "本应用据以编写的文章" in body and "By:" not in body and "Used in" not in body
    captions = [c.value for c in at.caption]
    assert captions.count("用在") == len(REFS)
    # The pages each entry links to, by their Chinese titles.
    labels = [p.proto.label for p in at.main.get("page_link")]
    assert labels.count("检索实验室") == sum("retrieval_lab" in r.used_by for r in REFS)
    assert "Retrieval lab" not in labels
