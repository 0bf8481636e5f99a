"""The model-lifecycle table of the Cost lab (issue 14, item 5).

Every model the defaults and the scenarios use or name has a row with its dates and their
source; the status and "inside the horizon" are computed from those dates and the horizon,
and the "How it is counted" tab shows the table in English and in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import pytest

from brainlab import model_lifecycle as ml
from brainlab.content import CONTENT_DIR, ContentError, load_toml
from brainlab.references import load_references
from brainlab.words import Words
from tests.apptest import run_page

D = dt.date
LANGS = ["en", "zh"]
#: What a model's name looks like in a source: gpt-4o-mini, gpt-6.2-sol, o4-mini,
#: text-embedding-3-small, GLM 5.3 Flash, Llama-2-7B...
#: (A name starts after anything but a Latin letter or digit: Chinese text is \w to \b.)
MODEL_NAME = re.compile(
    r"(?<![A-Za-z0-9_.-])(?:"
    r"gpt-\d+(?:\.\d+)?[a-z]?(?:-[a-z]+)*"
    r"|o\d-mini"
    r"|text-embedding-[A-Za-z0-9-]*[a-z]"
    r"|GLM \d+(?:\.\d+)? [A-Z][a-z]+"
    r"|(?:Llama|Mistral|Qwen|Gemma|Claude|Gemini)[A-Za-z0-9.-]*"
    r")",
    flags=re.IGNORECASE,
)


def life_row(**kw) -> ml.ModelLife:
    base = dict(
        name="m",
        provider="p",
        kind="base",
        role="r",
        released=None,
        shutdown=None,
        shutdown_missing="none_announced",
        source="s",
        refs=("openai_deprecations",),
    )
    return ml.ModelLife(**(base | kw))


# ------------------------------------------------------------------ the computation


def test_add_months_counts_calendar_months_and_clamps_the_day():
    assert ml.add_months(D(2026, 10, 28), 18) == D(2028, 4, 28)
    assert ml.add_months(D(2026, 10, 28), 3) == D(2027, 1, 28)
    assert ml.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert ml.add_months(D(2027, 12, 31), 2) == D(2028, 2, 29)  # a leap year
    assert ml.add_months(D(2026, 10, 28), 0) == D(2026, 10, 28)


def test_the_status_follows_the_shutdown_date():
    on = D(2026, 10, 28)
    assert ml.status(life_row(), on) == "current"
    assert ml.status(life_row(shutdown=D(2027, 1, 14)), on) == "deprecated"
    assert ml.status(life_row(shutdown=D(2026, 10, 28)), on) == "shut_down"
    assert ml.status(life_row(shutdown=D(2025, 1, 1)), on) == "shut_down"


def test_inside_the_horizon_is_computed_from_the_horizon_and_the_dates():
    start = D(2026, 10, 28)
    jan = life_row(shutdown=D(2027, 1, 14), shutdown_missing="")
    assert ml.horizon_place(jan, start, 18) == "inside"
    assert ml.horizon_place(jan, start, 3) == "inside"  # ends 2027-01-28
    assert ml.horizon_place(jan, start, 2) == "outside"  # ends 2026-12-28
    assert ml.horizon_place(jan, start, 2.5) == "inside"  # a part month counts as one
    assert ml.horizon_place(jan, D(2027, 1, 14), 18) == "before"
    assert ml.horizon_place(jan, start, float("nan")) == "outside"  # nonsense: no months
    assert ml.horizon_place(life_row(), start, 60) == "outside"  # none announced
    assert ml.horizon_place(life_row(shutdown_missing="no_source"), start, 60) == "unknown"


def test_models_named_does_not_find_a_name_inside_a_longer_one():
    names = ["gpt-4.1", "gpt-4.1-mini", "gpt-4o", "gpt-4o-mini"]
    assert ml.models_named("gpt-4.1-mini shuts down", names) == {"gpt-4.1-mini"}
    assert ml.models_named("gpt-4.1 ($2.00) and gpt-4o-mini.", names) == {"gpt-4.1", "gpt-4o-mini"}
    assert ml.models_named("gpt-4.10", names) == set()


# ------------------------------------------------------------------ the content


@pytest.mark.parametrize("language", LANGS)
def test_the_table_loads_with_a_source_and_known_entries_for_every_row(language):
    life = ml.load(language=language)
    ids = {r.id for r in load_references()}
    assert life.as_of == D(2026, 10, 28)
    assert len(life.models) >= 8
    for m in life.models:
        assert m.source and m.refs and set(m.refs) <= ids, m.name
        assert m.released is None or m.released <= life.as_of, m.name


def test_the_chinese_table_has_the_english_models_dates_and_entries():
    en, zh = ml.load(language="en"), ml.load(language="zh")
    assert zh.as_of == en.as_of
    for a, b in zip(en.models, zh.models, strict=True):
        assert (a.name, a.kind, a.released, a.shutdown, a.shutdown_missing, a.refs) == (
            b.name,
            b.kind,
            b.released,
            b.shutdown,
            b.shutdown_missing,
            b.refs,
        )
        assert re.search(r"[\u4e00-\u9fff]", b.role), b.role  # the words are Chinese


def _sources(language: str) -> list[str]:
    """Every source string of the defaults and the scenarios, in ``language``."""
    out = [
        row["source"]
        for row in load_toml("cost_assumptions.toml", language=language)["assumptions"]
    ]
    for preset in load_toml("cost_presets.toml", language=language)["presets"].values():
        out += list(preset.get("sources", {}).values())
    return out


@pytest.mark.parametrize("language", LANGS)
def test_every_model_the_defaults_and_scenarios_name_has_a_row(language):
    rows = {m.name.lower() for m in ml.load(language=language).models}
    named = {n.lower() for text in _sources(language) for n in MODEL_NAME.findall(text)}
    assert named, "the pattern finds no model at all"
    assert named <= rows, f"models named in the sources with no row: {sorted(named - rows)}"
    # And no row for a model nothing names (the table lists the lab's models only).
    assert rows <= named, f"rows no source names: {sorted(rows - named)}"


def test_the_pattern_finds_the_names_as_sources_write_them():
    text = "gpt-6-luna model page; gpt-4.1 ($2.00) and gpt-4.1-mini shut down; GLM 5.3 Flash with"
    found = MODEL_NAME.findall(text + " text-embedding-3-small, o4-mini. 微调过的gpt-4o-mini")
    assert found == [
        "gpt-6-luna",
        "gpt-4.1",
        "gpt-4.1-mini",
        "GLM 5.3 Flash",
        "text-embedding-3-small",
        "o4-mini",
        "gpt-4o-mini",
    ]


def test_the_retired_models_shut_down_inside_the_default_horizon_and_the_defaults_do_not():
    life = ml.load(language="en")
    months = next(
        r["value"]
        for r in load_toml("cost_assumptions.toml", language="en")["assumptions"]
        if r["key"] == "months"
    )
    place = {m.name: ml.horizon_place(m, life.as_of, months) for m in life.models}
    stat = {m.name: ml.status(m, life.as_of) for m in life.models}
    for old in ("gpt-4o-mini", "gpt-4.1-mini", "gpt-4.1", "gpt-5-mini"):
        assert stat[old] == "deprecated" and place[old] == "inside", old
    # Every model a default or scenario uses now is current on the content's date.
    used = [m for m in life.models if m.kind in ("base", "fine_tuned", "embedding")]
    assert {m.name for m in used} >= {"gpt-6-luna", "GLM 5.3 Flash", "text-embedding-3-small"}
    for m in used:
        assert stat[m.name] == "current" and place[m.name] != "inside", m.name


def test_every_date_in_the_table_is_one_the_shipped_sources_state():
    """No invented date: each row's dates appear in the defaults', scenarios' or
    references' own texts."""
    stated = "\n".join(_sources("en"))
    stated += "\n".join(f"{r.date} {r.note}" for r in load_references())
    stated += (CONTENT_DIR / "pages" / "cost_lab.md").read_text(encoding="utf-8")
    for m in ml.load(language="en").models:
        for day in (m.released, m.shutdown):
            if day is not None:
                assert day.isoformat() in stated or day.isoformat() in m.source, (m.name, day)


def test_a_row_without_a_shutdown_date_must_say_why(tmp_path):
    text = (CONTENT_DIR / ml.FILE).read_text(encoding="utf-8")
    (tmp_path / ml.FILE).write_text(
        text.replace('shutdown_missing = "none_announced"', "", 1), encoding="utf-8"
    )
    with pytest.raises(ContentError, match="shutdown_missing"):
        ml.load(tmp_path, language="en")


def test_the_table_words_the_cells_and_titles_in_the_reader_language():
    en, titles = ml.table(ml.load(language="en"), 18)
    row = en.set_index("model").loc["gpt-4o-mini"]
    assert (row["status"], row["shutdown"], row["inside"]) == ("deprecated", "2027-01-14", "yes")
    assert row["entry"] == "/references#openai_deprecations"
    assert titles["inside"] == "Within 18 months?"
    assert en.set_index("model").loc["gpt-6.2-sol", "released"] == "no published date"
    short, titles = ml.table(ml.load(language="en"), 2)
    assert short.set_index("model").loc["gpt-4o-mini", "inside"] == "no"
    assert short.set_index("model").loc["gpt-5-mini", "inside"] == "yes"
    assert titles["inside"] == "Within 2 months?"
    w = Words(language="zh")
    zh, titles = ml.table(ml.load(language="zh"), 18, date_text=w.date)
    row = zh.set_index("model").loc["gpt-4o-mini"]
    assert (row["status"], row["shutdown"], row["inside"]) == ("已弃用", "2027年1月14日", "是")
    assert titles["status"] == "2026年10月28日的状态"
    assert row["role"].startswith("旧模型：")


def test_the_file_keeps_dates_as_dates():
    raw = tomllib.loads((CONTENT_DIR / ml.FILE).read_text(encoding="utf-8"))
    assert isinstance(raw["as_of"], dt.date)
    assert all(isinstance(m.get("shutdown", D.min), dt.date) for m in raw["models"])


# ------------------------------------------------------------------ the page


def _open_counted_tab(language: str):
    query = {"lang": language} if language != "en" else None
    at = run_page("cost_lab", query=query, timeout=120)
    assert not at.exception, at.exception
    w = Words(language=language)
    label = w(load_toml("cost_words.toml", language=language)["stage"]["tabs"]["model"])
    at.session_state["cost_tabs"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def _lifecycle_frame(at):
    frames = [d.value for d in at.dataframe if "model" in d.value.columns]
    assert len(frames) == 1, [list(d.value.columns) for d in at.dataframe]
    return frames[0].set_index("model")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ("deprecated", "2027-01-14", "yes", "current", "Which models, and for how long")),
        ("zh", ("已弃用", "2027年1月14日", "是", "在用", "用的是哪些模型，还能用多久")),
    ],
)
def test_the_how_it_is_counted_tab_shows_the_table(language, expected):
    at = _open_counted_tab(language)
    frame = _lifecycle_frame(at)
    assert list(frame.index) == [m.name for m in ml.load(language=language).models]
    old = frame.loc["gpt-4o-mini"]
    assert (old["status"], old["shutdown"], old["inside"]) == expected[:3]
    assert frame.loc["gpt-6-luna", "status"] == expected[3]
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert f"**{expected[4]}**" in shown
    assert "/references#openai_deprecations" in shown  # the rows' entries, linked
    assert "/references#glm53_flash_price" in shown


def test_the_horizon_column_follows_the_horizon_in_the_table():
    at = _open_counted_tab("en")
    keys = list(at.session_state["cost_state"].values)
    at.session_state[at.session_state["cost_state"].editor_key] = {
        "edited_rows": {keys.index("months"): {"value": 2}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, at.exception
    frame = _lifecycle_frame(at)
    assert frame.loc["gpt-4o-mini", "inside"] == "no"
    assert frame.loc["gpt-5-mini", "inside"] == "yes"
    assert "within the 2 months" in "\n".join(c.value for c in at.caption)
