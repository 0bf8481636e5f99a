"""Every translation mirrors the English content: the same files, keys, steps, sections
and links (content/<language>/ beside content/)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from brainlab.content import CONTENT_DIR, LANGUAGES, load_lesson, load_toml, parse_markdown

TRANSLATIONS = [lang for lang in LANGUAGES if lang != "en"]
#: Data files checked by their own tests (the Chinese library mirrors the English one in
#: tests/test_retrieval_zh.py; each language's evaluation set has its own questions).
DATA_FILES = {"library.toml", "retrieval_eval.toml"}


def _translated_files(language: str, pattern: str) -> list[Path]:
    return sorted((CONTENT_DIR / language).rglob(pattern))


def key_differences(english, other, where: str = "") -> list[str]:
    """Where two TOML values differ in shape: a key only in one, a list of another length."""
    if isinstance(english, dict) and isinstance(other, dict):
        out = [f"{where}.{k}: only in English" for k in english if k not in other]
        out += [f"{where}.{k}: only in the translation" for k in other if k not in english]
        for k in english.keys() & other.keys():
            out += key_differences(english[k], other[k], f"{where}.{k}")
        return out
    if isinstance(english, list) and isinstance(other, list):
        if len(english) != len(other):
            return [f"{where}: {len(english)} items in English, {len(other)} translated"]
        return [
            d
            for i, (a, b) in enumerate(zip(english, other, strict=True))
            for d in key_differences(a, b, f"{where}[{i}]")
        ]
    if isinstance(english, dict) != isinstance(other, dict):
        return [f"{where}: a table in one language only"]
    if not isinstance(english, str) and english != other:
        # Numbers and switches are data, not words: a translation keeps them as they are.
        return [f"{where}: {english!r} in English, {other!r} translated"]
    return []


def test_key_differences_finds_a_missing_key_either_way():
    assert key_differences({"a": "A", "b": {"c": "C"}}, {"a": "x", "b": {"c": "y"}}) == []
    assert key_differences({"a": 1, "b": 2}, {"a": 1}) == [".b: only in English"]
    assert key_differences({"a": 1}, {"a": 1, "z": 2}) == [".z: only in the translation"]
    assert key_differences({"l": [1, 2]}, {"l": [1]}) == [".l: 2 items in English, 1 translated"]
    assert key_differences({"n": 0.3, "t": "a"}, {"n": 0.5, "t": "b"}) == [
        ".n: 0.3 in English, 0.5 translated"
    ]


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_translated_toml_file_has_the_english_keys_and_no_others(language):
    files = _translated_files(language, "*.toml")
    assert files, f"content/{language}/ has no translated files"
    problems = []
    for path in files:
        relative = path.relative_to(CONTENT_DIR / language)
        if relative.name in DATA_FILES:
            continue
        english_path = CONTENT_DIR / relative
        assert english_path.is_file(), f"{path} translates a file English does not have"
        english = tomllib.loads(english_path.read_text(encoding="utf-8"))
        other = tomllib.loads(path.read_text(encoding="utf-8"))
        if relative.name == "quiz.toml":
            # A quiz translation may cover some pages so far; those must match exactly.
            pages = {q["page"] for q in other["questions"]}
            english["questions"] = [q for q in english["questions"] if q["page"] in pages]
        problems += [f"{relative}{d}" for d in key_differences(english, other)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_translated_lesson_has_the_english_steps_sections_and_links(language):
    problems = []
    for path in _translated_files(language, "*.md"):
        slug = path.stem
        english = load_lesson(slug, language="en")
        _meta, sections = parse_markdown(path.read_text(encoding="utf-8"), path)
        translated = load_lesson(slug, language=language)
        assert translated.path == path
        if [s.id for s in translated.steps] != [s.id for s in english.steps]:
            problems.append(f"{slug}: steps differ")
        for a, b in zip(english.steps, translated.steps, strict=False):
            for name in ("touch", "notice", "more"):
                if bool(getattr(a, name)) != bool(getattr(b, name)) or (
                    name == "more" and a.more != b.more
                ):
                    problems.append(f"{slug}: step {a.id} {name} differs")
        if list(sections) != list(english.sections):
            problems.append(f"{slug}: sections {list(sections)} != {list(english.sections)}")
        if [link.page for link in translated.links] != [link.page for link in english.links]:
            problems.append(f"{slug}: links differ")
    assert not problems, "\n".join(problems)


def test_the_reader_language_picks_the_translation_and_falls_back_to_english(tmp_path):
    assert load_toml("ui.toml", language="zh")["steps"]["next"] == "下一步"
    assert load_toml("ui.toml", language="en")["steps"]["next"] == "Next"
    assert load_toml("cost_words.toml", language="zh")["stage"]["tabs"]["files"] == "保存或载入"
    # Not translated yet: the English file (in a content folder of its own, since every
    # shipped file may be translated one day).
    (tmp_path / "zh").mkdir()
    (tmp_path / "both.toml").write_text('word = "hello"\n', encoding="utf-8")
    (tmp_path / "zh" / "both.toml").write_text('word = "你好"\n', encoding="utf-8")
    (tmp_path / "only.toml").write_text('word = "English"\n', encoding="utf-8")
    assert load_toml("both.toml", tmp_path, language="zh") == {"word": "你好"}
    assert load_toml("only.toml", tmp_path, language="zh") == {"word": "English"}
    with pytest.raises(ValueError, match="language"):
        load_toml("ui.toml", language="fr")


def test_dates_numbers_and_money_follow_the_language():
    from brainlab.words import Words

    en, zh = Words(language="en"), Words(language="zh")
    assert en.date("2025-04-02") == "2025-04-02"  # English pages are unchanged
    assert zh.date("2025-04-02") == "2025年4月2日"
    assert zh.date("not a date") == "not a date" and zh.date("") == ""
    assert en.number(1234567.891, 2) == "1,234,567.89"
    assert zh.number(1234.5) == "1,234"  # rounded half to even, grouped
    assert en.money(1234.5) == "US$1,234.50" or en.money(1234.5) == "$1,234.50"
    assert zh.money(1234.5) == "US$1,234.50"


def test_answers_and_error_messages_follow_the_language():
    from brainlab import content
    from brainlab import retrieval as rt

    assert rt.validate_doc("", "") == ["The title is required.", "The text is required."]
    content.set_language("zh")
    try:
        assert rt.validate_doc("", "") == ["标题是必填的。", "正文是必填的。"]
        assert "日期" in rt.validate_doc("标题", "正文", updated="2025-13-01")[0]
        with pytest.raises(rt.LibraryError, match="不是有效的 JSON"):
            rt.library_from_json("{")
        assert rt.grounded_answer("", [], 0.3).text == "请先提一个问题。"
        assert rt.build_prompt("问题？", []).endswith("问题：问题？\n回答：")
    finally:
        content.set_language("en")
    assert rt.grounded_answer("", [], 0.3).text == "Ask a question first."
