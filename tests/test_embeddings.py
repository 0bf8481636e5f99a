"""The embedding layer: the caching wrapper (fake base) and the real MiniLM (marked model)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from brainlab import embeddings


class Counting:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen.extend(texts)
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


def test_caching_encoder_embeds_each_text_once():
    base = Counting()
    enc = embeddings.CachingEncoder(base)
    first = enc.encode(["a", "bb", "a"])
    second = enc.encode(["bb", "ccc"])
    assert base.seen == ["a", "bb", "ccc"]
    np.testing.assert_array_equal(first[1], second[0])
    assert enc.encode([]).shape == (0, embeddings.DIM)


def test_caching_encoder_is_bounded():
    base = Counting()
    enc = embeddings.CachingEncoder(base, max_items=2)
    enc.encode(["a", "b", "c"])
    enc.encode(["a"])
    assert base.seen == ["a", "b", "c", "a"]


def test_caching_encoder_counts_words_without_a_tokenizer():
    assert embeddings.CachingEncoder(Counting()).count_tokens(["one two", ""]) == [2, 0]


@pytest.mark.model
def test_minilm_is_one_normalised_384_dimensional_singleton():
    threads = [threading.Thread(target=embeddings.load_encoder) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    enc = embeddings.load_encoder()
    assert enc is embeddings.load_encoder() and embeddings.encoder_loaded()
    out = enc.encode(["a kettle", "a teapot", "the tax code of Arvenia"])
    assert out.shape == (3, 384) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert out[0] @ out[1] > out[0] @ out[2]
    assert enc.encode([]).shape == (0, 384)


@pytest.mark.model
def test_minilm_counts_word_pieces_with_its_own_tokenizer():
    import torch

    enc = embeddings.load_encoder()
    assert torch.get_num_threads() == 1
    short, long = enc.count_tokens(["hello world", "word " * 400])
    assert short == 4  # [CLS] hello world [SEP]
    assert long == 402 > embeddings.MAX_WORD_PIECES
