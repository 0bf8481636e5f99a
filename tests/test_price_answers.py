"""A question about a price is answered with the sentence carrying the amount (issue 10).

The classroom benchmark asked "What does the K210 kettle cost?" and got the kettle's
description: the cosine puts "Price: 44 euros." and the description within 0.01 of each
other, and the description shares more of the question's words. The price words of
content/answers.toml ``[price]`` (English and Chinese) now make the amount's sentence win.
The tests marked ``model`` use the real MiniLM / e5 over the shipped libraries."""

from __future__ import annotations

import pytest

from brainlab import retrieval as rt


@pytest.mark.parametrize(
    "question",
    [
        "What does the K210 kettle cost?",
        "How much does the K210 kettle cost?",
        "how MUCH is it",
        "What is the price of the K210?",
        "Is the blender expensive?",
        "K210 电热水壶多少钱？",
        "K220 的售价是多少",
    ],
)
def test_price_questions_are_recognised(question):
    assert rt.asks_price(question)


@pytest.mark.parametrize(
    "question",
    [
        "How many days do I have to return a product?",
        "What is the return period for a product?",
        "Does the kettle switch itself off?",
        "Who is the costume designer?",  # "cost" inside a word is not the word
        "退货期限是多久？",
    ],
)
def test_other_questions_are_not_price_questions(question):
    assert not rt.asks_price(question)


def test_an_amount_needs_a_figure_and_a_currency():
    assert rt.carries_amount("Price: 44 euros.")
    assert rt.carries_amount("It costs €44.")
    assert rt.carries_amount("售价 44 欧元，产品编号 BF-K210。")
    assert not rt.carries_amount("The Brightfield K210 is a 1.7 litre electric kettle.")
    assert not rt.carries_amount("Prices are in euros.")  # a currency without a figure
    assert not rt.carries_amount("Product code: BF-K210.")


# --------------------------------------------------------------------------- the real model

PHRASINGS = [
    "What does the K210 kettle cost?",
    "How much does the K210 kettle cost?",
    "How much does the K210 kettle cost, please?",
    "What is the price of the K210?",
    "How much is the K210?",
]


@pytest.fixture(scope="module")
def real():
    return rt.Retriever(rt.load_library())


@pytest.mark.model
@pytest.mark.parametrize("method", rt.METHODS)
@pytest.mark.parametrize("question", PHRASINGS)
def test_real_model_every_phrasing_of_the_price_gets_the_price(real, question, method):
    hits = real.search(question, k=3, method=method)
    answer = rt.grounded_answer(question, hits, 0.3, docs=real.docs)
    assert answer.text.startswith("Price: 44 euros. ["), (question, method, answer.text)
    assert "1.7 litre" not in answer.text


@pytest.mark.model
def test_real_model_without_the_price_words_the_description_would_win(real):
    """The old choice, on the same chunk: the price is closer in meaning, but the
    description holds "K210" and "kettle" too, and the shared-word bonus tipped it."""
    q = "What does the K210 kettle cost?"
    chunk = real.chunks_of("kettle-k210")[0]
    qvec = real.query_vector(q)
    terms = set(rt.tokenize(q))
    text = real.docs["kettle-k210"].text
    old = {}
    for (s, e), v in zip(
        real._sent_spans["kettle-k210"], real._sent_vecs["kettle-k210"], strict=True
    ):
        words = len(terms & set(rt.tokenize(text[s:e]))) / len(terms)
        old[text[s:e]] = float(v @ qvec) + rt.SENTENCE_WORD_BONUS * words
    best_old = max(old, key=old.get)
    assert best_old.startswith("The Brightfield K210 is a 1.7 litre")
    assert old[best_old] - old["Price: 44 euros."] < 0.05  # neck and neck
    assert real.best_sentence(q, chunk) == "Price: 44 euros."


@pytest.mark.model
def test_real_model_a_how_much_about_something_else_is_not_answered_with_a_price(real):
    q = "How much does the S5 scale weigh?"
    hits = real.search(q, k=3)
    assert hits[0].doc_id == "scale-s5"
    assert "5 kilograms" in hits[0].sentence
    assert not rt.carries_amount(hits[0].sentence)


@pytest.mark.model
@pytest.mark.parametrize(
    "product,price",
    [("K220", 59), ("T110", 35), ("V900", 229), ("P28", 32), ("S5", 19), ("A200", 149)],
)
def test_real_model_other_products_are_answered_with_their_own_price(real, product, price):
    """T110: a recall notice about the T110 ranks first, and its "September 2024" was once
    taken for a rival figure; V900: "A spare battery costs 59 euros." shares "cost" with the
    question. Each answer is the product's own price now."""
    q = f"What does the {product} cost?"
    answer = rt.grounded_answer(q, real.search(q, k=3), 0.3, docs=real.docs)
    assert answer.text.startswith(f"Price: {price} euros. ["), answer
    assert [n.kind for n in answer.notes] == []


@pytest.fixture(scope="module")
def zh_index():
    return rt.Retriever(rt.load_library(rt.library_path("zh")), language="zh")


@pytest.mark.model
@pytest.mark.parametrize(
    "question,amount",
    [("K210 电热水壶多少钱？", "44 欧元"), ("K220 水壶的价格是多少？", "59 欧元")],
)
def test_real_model_chinese_price_questions_quote_the_amount(zh_index, question, amount):
    answer = rt.grounded_answer(question, zh_index.search(question, k=3), 0.3, docs=zh_index.docs)
    assert amount in answer.text, answer.text
