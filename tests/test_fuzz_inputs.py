"""Inputs that cannot break the core (issue 10): every entry point a user's text or file
reaches either works or raises that module's own clear error, for any text, including what
hypothesis's default text leaves out: lone surrogates, NUL and other control characters,
right-to-left text, huge numbers and 100,000-character strings."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainlab import costs
from brainlab import forgetting as fg
from brainlab import retrieval as rt
from brainlab.words import escape
from tests.test_retrieval import FIXTURE, FakeEncoder

#: Every code point, surrogates and control characters included.
ANY_CHAR = st.characters(blacklist_categories=())
NASTY = st.sampled_from(
    [
        "\ud800",
        "a\udfffb",
        "\x00",
        "nul\x00inside",
        "\u202eevil\u202c",  # right-to-left override
        "שלום עולם",
        "مرحبا بالعالم",
        "9" * 5000,
        "-" + "1" * 4301,
        "x" * 100_000,
        "<img src=x onerror=alert(1)>",
        "[a](javascript:alert(1))",
        "",
        " ",
        "NaN",
        "Infinity",
        "1e999",
    ]
)
TEXT = st.one_of(st.text(alphabet=ANY_CHAR, max_size=300), NASTY)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _doc_json(title: str, text: str, topic: str, updated: str, doc_id: str = "d1") -> str:
    doc = {"id": doc_id, "title": title, "text": text, "topic": topic, "updated": updated}
    return json.dumps([doc])  # ensure_ascii: a lone surrogate goes in as \ud800


@FAST
@given(title=TEXT, text=TEXT, topic=TEXT, updated=TEXT, doc_id=TEXT)
def test_library_json_either_loads_valid_text_or_says_why(title, text, topic, updated, doc_id):
    try:
        docs = rt.library_from_json(_doc_json(title, text, topic, updated, doc_id))
    except rt.LibraryError as exc:
        assert str(exc)
        return
    for doc in docs:
        for value in (doc.id, doc.title, doc.text, doc.topic, doc.updated):
            assert rt.invalid_text(value) == ""
            value.encode("utf-8")  # what the model and the page will need


@FAST
@given(raw=st.one_of(st.text(alphabet=ANY_CHAR, max_size=500), NASTY, st.binary(max_size=500)))
def test_any_file_content_is_a_library_or_a_clear_message(raw):
    try:
        rt.library_from_json(raw)
    except rt.LibraryError as exc:
        assert str(exc)


@pytest.mark.parametrize("number", ["9" * 5000, "-" + "1" * 4301, "1" + "0" * 10_000])
def test_a_huge_number_anywhere_in_the_file_is_a_clear_message(number):
    payload = '{"docs": [{"id": "a", "title": "t", "text": "x", "n": ' + number + "}]}"
    with pytest.raises(rt.LibraryError, match="digits long"):
        rt.library_from_json(payload)


@FAST
@given(title=TEXT, text=TEXT, updated=TEXT, topic=TEXT)
def test_validate_doc_returns_sentences_for_any_text(title, text, updated, topic):
    problems = rt.validate_doc(title, text, updated=updated, topic=topic)
    assert all(isinstance(p, str) and p for p in problems)
    if not problems:
        assert all(rt.invalid_text(v) == "" for v in (title, text, updated, topic))


@FAST
@given(data=st.one_of(st.text(alphabet=ANY_CHAR, max_size=500), NASTY, st.binary(max_size=500)))
def test_any_csv_is_a_table_or_a_list_of_problems(data):
    table, problems = costs.from_csv(data)
    if table is None:
        assert problems and all(isinstance(p, str) and p for p in problems)
    else:
        assert problems == [] and costs.validate(table) == []


@FAST
@given(key=st.sampled_from(list(costs.specs())), value=TEXT)
def test_any_csv_cell_is_a_number_in_range_or_a_problem(key, value):
    defaults = costs.default_assumptions()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["key", "value"])
    for row_key, default in zip(defaults.key, defaults.value, strict=True):
        writer.writerow([row_key, value if row_key == key else default])
    table, problems = costs.from_csv(buffer.getvalue())
    if table is None:
        assert problems
    else:
        assert problems == [] and all(math.isfinite(v) for v in table["value"])  # no NaN


class StrictEncoder(FakeEncoder):
    """The fake encoder, refusing what the real model's tokenizer cannot take (text that is
    not valid UTF-8, such as a lone surrogate)."""

    def encode(self, texts: list[str]) -> np.ndarray:
        for text in texts:
            text.encode("utf-8")
        return super().encode(texts)


@pytest.fixture(scope="module")
def index() -> rt.Retriever:
    return rt.Retriever(FIXTURE, encoder=StrictEncoder(), chunk_size=20, chunk_overlap=5)


@FAST
@given(query=TEXT, k=st.integers(min_value=-5, max_value=50), method=st.sampled_from(rt.METHODS))
def test_search_answers_any_question(index, query, k, method):
    hits = index.search(query, k=k, method=method)
    assert len(hits) <= max(1, k)
    assert all(math.isfinite(h.score) and math.isfinite(h.similarity) for h in hits)


@FAST
@given(text=TEXT)
def test_escaped_text_has_no_live_markdown(text):
    # Past every backslash-escaped character, nothing that starts a link, an image, a
    # directive, a tag, an entity or an autolink is left.
    bare = re.sub(r"\\.", "", escape(text), flags=re.DOTALL)
    assert not set(bare) & set("[]()!<>:@&`*_#|~$\\"), bare


@FAST
@given(
    seed=st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        TEXT,
    )
)
def test_any_seed_names_a_valid_run(seed):
    s = fg.clamp_seed(seed)
    assert isinstance(s, int) and 0 <= s <= fg.MAX_SEED


def test_a_seed_from_anywhere_trains(seed=float("nan")):
    curve = fg.simulate("naive", seed=seed, steps=2, pretrain_steps=2, eval_every=1)
    assert isinstance(curve, pd.DataFrame) and curve.notna().all().all()
