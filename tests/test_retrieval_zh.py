"""Retrieval in Chinese: jieba words, character chunks, 。！？ sentences, the Chinese toy
library mirroring the English one, and multilingual e5 on the labelled Chinese questions."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from brainlab import embeddings
from brainlab import retrieval as rt


def test_chinese_keywords_are_jieba_words_without_function_words():
    tokens = rt.tokenize("星辰咖啡机的售价是多少？", "zh")
    assert "咖啡机" in tokens and "咖啡" in tokens and "售价" in tokens
    assert not {"的", "是", "多少", "？"} & set(tokens)
    # Product codes inside Chinese are read as in English.
    assert rt.tokenize("BF-K210 多少钱", "zh")[:3] == ["bf-k210", "bf", "k210"]
    # English tokenizing is unchanged and still drops Chinese.
    assert rt.tokenize("退货 policy") == ["policy"]


def test_chinese_chunks_count_characters_and_keep_codes_whole():
    text = "产品编号：BF-K210。售价：44 欧元。"
    spans = rt.chunk_spans(text, size=8, overlap=2, language="zh")
    pieces = [text[s:e] for s, e, _ in spans]
    # Eight units: 产 品 编 号 ： BF-K210 。 售 (the code counts as one).
    assert pieces[0] == "产品编号：BF-K210。售"
    assert pieces[1].startswith("。售")  # two units of overlap
    assert all("BF-K2" not in p or "BF-K210" in p for p in pieces)
    # In English, the same text has 4 "words".
    assert len(rt.chunk_spans(text, size=8, overlap=2)) == 1


def test_chinese_sentences_split_on_full_width_marks():
    text = "水烧开会断电。真的吗？当然！English stays. Too."
    got = [text[s:e] for s, e in rt.split_sentences(text)]
    assert got == ["水烧开会断电。", "真的吗？", "当然！", "English stays.", "Too."]


def test_the_chinese_library_mirrors_the_english_one():
    en = tomllib.loads(rt.library_path("en").read_text(encoding="utf-8"))
    zh = tomllib.loads(rt.library_path("zh").read_text(encoding="utf-8"))
    assert zh["training_date"] == en["training_date"]
    assert list(zh["topics"]) == list(en["topics"])
    assert [d["id"] for d in zh["docs"]] == [d["id"] for d in en["docs"]]
    for a, b in zip(en["docs"], zh["docs"], strict=True):
        assert (a["topic"], a["updated"]) == (b["topic"], b["updated"]), a["id"]
        assert [p["updated"] for p in a.get("previous", [])] == [
            p["updated"] for p in b.get("previous", [])
        ], a["id"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in b["text"]), b["id"]
    # The update moment: the frozen brain's snapshot differs from today's library.
    date = rt.training_date(rt.library_path("zh"))
    then = {d.id: d for d in rt.library_at(date, rt.library_path("zh"))}
    now = {d.id: d for d in rt.load_library(rt.library_path("zh"))}
    assert then["policy-returns"].text != now["policy-returns"].text
    assert "14 天" in then["policy-returns"].text and "30 天" in now["policy-returns"].text
    assert "news-ceo" in then and "伊内丝" not in then["news-ceo"].text


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="language"):
        rt.Retriever([], language="fr", encoder=object())
    with pytest.raises(ValueError, match="language"):
        embeddings.load_encoder("fr")


@pytest.mark.model
def test_e5_embeds_questions_and_passages_with_their_prefixes():
    enc = embeddings.load_encoder("zh")
    assert enc is embeddings.load_encoder("zh") and embeddings.encoder_loaded("zh")
    q = enc.encode_query(["退货政策"])
    p = enc.encode(["退货政策"])
    assert q.shape == p.shape == (1, 384) and q.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert not np.allclose(q, p)  # "query: " and "passage: " differ
    rows = enc.encode(["顾客可在收货后 30 天内退货。", "煎锅可以进烤箱。"])
    assert float(rows[0] @ q[0]) > float(rows[1] @ q[0])


@pytest.fixture(scope="module")
def zh_index() -> rt.Retriever:
    return rt.Retriever(rt.load_library(rt.library_path("zh")), language="zh")


@pytest.mark.model
def test_chinese_questions_find_their_document(zh_index):
    questions = rt.load_eval_set(rt.eval_path("zh"), zh_index.docs.values())
    assert len(questions) >= 30
    rates = rt.hit_rates(zh_index, questions)
    assert rates["dense"].top1_rate >= 0.9, rates["dense"].misses
    assert rates["hybrid"].top1_rate >= 0.9, rates["hybrid"].misses
    hit = zh_index.search("退货要在几天内？", k=1, method="hybrid")[0]
    assert hit.doc_id == "policy-returns" and "30 天" in hit.sentence


@pytest.mark.model
def test_an_english_question_finds_the_chinese_document(zh_index):
    hits = zh_index.search("How many days do I have to return an unused product?", k=3)
    assert "policy-returns" in [h.doc_id for h in hits]


@pytest.mark.model
def test_the_update_moment_in_chinese(zh_index):
    from brainlab import content

    path = rt.library_path("zh")
    date = rt.training_date(path)
    brain = rt.FineTunedBrain.train(rt.library_at(date, path), date, language="zh")
    question = "K210 电热水壶多少钱？"
    content.set_language("zh")
    try:
        answer = rt.grounded_answer(question, zh_index.search(question, 3, "hybrid"), 0.86)
        assert "44 欧元" in answer.text and not answer.abstained
        assert "39 欧元" in brain.answer(question, 0.86)
        old = zh_index.docs["kettle-k210"]
        zh_index.update(
            rt.Doc(old.id, old.title, old.text.replace("44", "52"), old.topic, old.updated)
        )
        answer = rt.grounded_answer(question, zh_index.search(question, 3, "hybrid"), 0.86)
        assert "52 欧元" in answer.text
        assert "39 欧元" in brain.answer(question, 0.86)  # the specialist stays stale
        zh_index.update(old)
    finally:
        content.set_language("en")
