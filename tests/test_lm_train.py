"""The LoRA training loop (brainlab/lm_train.py) on a tiny random Llama, trained in seconds;
the evaluation set's checking rule; and that the shipped adapter is what the script makes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from brainlab import lm, lm_train

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    ("What is the price of the Brightfield K210?", "44 euros."),
    ("What is the price of the Brightfield K220?", "59 euros."),
    ("What is the price of the Brightfield T110?", "35 euros."),
    ("What is the price of the Brightfield L60?", "49 euros."),
    ("Who is the chief executive of Brightfield Home?", "Ines Varga."),
]
OLD = [
    ("What is the price of the Brightfield V900?", "229 euros."),
    ("What is the price of the Brightfield P28?", "32 euros."),
    ("What is the price of the Brightfield F30?", "69 euros."),
]
#: A tiny network's settings: every LoRA target of the real model, so the real config works.
TINY = {**lm_train.LORA, "r": 4, "lora_alpha": 8}


@pytest.fixture(scope="module")
def tiny() -> lm.LanguageModel:
    """A 2-layer random Llama (hidden size 32) with the real model's tokenizer.

    The real model's LoRA targets exist in it, so the loop runs with the real settings."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    torch.set_num_threads(1)
    folder = lm.model_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(folder), gguf_file=lm.MODEL_FILE)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=True,
        # Embeddings large enough that a trained network can make confident logits.
        initializer_range=0.5,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    model.eval()
    return lm.LanguageModel(model, tokenizer)


def _weights(model: lm.LanguageModel) -> dict:
    return {k: v.detach().clone() for k, v in model.model.state_dict().items()}


def _train(model, pairs=PAIRS, **kw):
    kw.setdefault("steps", 5)
    kw.setdefault("learning_rate", 1e-2)
    return lm_train.train(model, pairs, config=TINY, **kw)


def test_the_losses_fall_and_the_result_is_a_lora_adapter(tiny):
    seen = []
    result = lm_train.train(
        tiny, PAIRS, steps=15, learning_rate=1e-2, progress=lambda *a: seen.append(a)
    )
    losses = result.losses
    assert len(losses) == 15
    assert sum(losses[-3:]) / 3 < 0.5 * losses[0], losses
    assert [s[:2] for s in seen] == [(i, 15) for i in range(1, 16)]
    assert [s[2] for s in seen] == list(losses)
    adapter = result.adapter
    assert adapter.config["r"] == 16
    assert any(".lora_A." in k for k in adapter.tensors)
    assert any(".lora_B." in k for k in adapter.tensors)
    assert all("_train_" not in k for k in adapter.tensors)
    # B started at zero and was trained: the adapter is not a no-op.
    assert any(float(v.abs().max()) > 0 for k, v in adapter.tensors.items() if "lora_B" in k)


def test_the_same_seed_gives_the_same_losses_and_another_seed_others(tiny):
    a = lm_train.train(tiny, PAIRS, steps=6, seed=3, learning_rate=1e-2).losses
    b = lm_train.train(tiny, PAIRS, steps=6, seed=3, learning_rate=1e-2).losses
    c = lm_train.train(tiny, PAIRS, steps=6, seed=4, learning_rate=1e-2).losses
    assert a == b
    assert a != c


def test_the_shared_model_is_left_as_it_was(tiny):
    before = _weights(tiny)
    tiny.clear_cache()
    answer = tiny.generate(PAIRS[0][0], 6)
    result = lm_train.train(tiny, PAIRS, steps=5, learning_rate=1e-2)
    assert tiny.adapters == []
    after = _weights(tiny)
    assert before.keys() == after.keys()
    assert all(bool((before[k] == after[k]).all()) for k in before)
    tiny.clear_cache()
    assert tiny.generate(PAIRS[0][0], 6) == answer
    # The trained adapter, added and removed, changes the answer only while it is there.
    tiny.add_adapter("trained", result.adapter)
    try:
        assert tiny.adapters == ["trained"]
    finally:
        tiny.remove_adapter("trained")
    assert tiny.adapters == []


def test_an_adapter_the_model_already_holds_is_untouched_by_training(tiny):
    tiny.add_adapter("kept", _train(tiny, steps=3).adapter)
    try:
        held = {k: v.clone() for k, v in tiny.adapter("kept").tensors.items()}
        lm_train.train(tiny, PAIRS, steps=4, learning_rate=1e-2)
        assert tiny.adapters == ["kept"]
        now = tiny.adapter("kept").tensors
        assert all(bool((held[k] == now[k]).all()) for k in held)
    finally:
        tiny.remove_adapter("kept")


def test_replay_mixes_old_pairs_into_every_batch():
    plan = lm_train.batches(PAIRS, 10, seed=0, batch_size=8, replay=OLD, replay_share=0.5)
    assert all(len(b) == 8 for b in plan)
    assert all(sum(p in OLD for p in b) == 4 for b in plan)
    plain = lm_train.batches(PAIRS, 10, seed=0, batch_size=8)
    assert all(p in PAIRS for b in plain for p in b)
    # Every pair comes once an epoch: 80 draws of 5 pairs, 16 times each.
    assert Counter(p for b in plain for p in b) == {p: 16 for p in PAIRS}
    # A small share still replays one pair a batch.
    few = lm_train.batches(PAIRS, 3, seed=0, batch_size=8, replay=OLD, replay_share=0.01)
    assert all(sum(p in OLD for p in b) == 1 for b in few)
    with pytest.raises(ValueError):
        lm_train.batches([], 3)


def test_replay_changes_the_training(tiny):
    plain = _train(tiny, steps=4).losses
    mixed = _train(tiny, steps=4, replay=OLD).losses
    assert plain != mixed


def test_the_loss_counts_only_the_answer_tokens(tiny):
    ids, labels = lm_train._encode(tiny, PAIRS[0])
    prompt = [int(i) for i in tiny.encode_chat(PAIRS[0][0])[0]]
    assert ids[: len(prompt)] == prompt
    assert labels[: len(prompt)] == [-100] * len(prompt)
    answer = ids[len(prompt) :]
    assert labels[len(prompt) :] == answer
    assert tiny.tokenizer.decode(answer) == "44 euros.<|im_end|>"


def test_the_checking_rule_finds_whole_numbers_and_words():
    assert lm_train.says("44 euros.", ["44"])
    assert lm_train.says("It costs 44, with tax.", ["44"])
    assert not lm_train.says("144 euros.", ["44"])
    assert not lm_train.says("4.4 euros", ["4"])
    assert not lm_train.says("44.5 euros", ["44"])
    assert lm_train.says("the capital is PARIS", ["Paris"])
    assert lm_train.says("Roma.", ["Rome", "Roma"])
    assert lm_train.invents("About 79 euros.")
    assert not lm_train.invents("I don't know that product.")


def test_the_evaluation_set_covers_every_measure_and_quotes_the_current_library():
    from brainlab.retrieval import load_library

    facts = lm_train.load_facts()
    docs = {d.id: d for d in load_library()}
    pairs = lm_train.training_pairs(facts)
    assert 35 <= len(pairs) <= 45
    assert len(facts.never_seen) >= 8 and len(facts.new_facts) == 10 and facts.general
    for fact in facts.facts:
        # The expected answer is on the page as it is now (not an older version).
        assert any(lm_train.says(docs[fact.doc].text, [e]) for e in fact.expect), fact.doc
        assert fact.paraphrase and fact.paraphrase not in fact.questions
    reversed_ = [f for f in facts.facts if f.reversed]
    assert len(reversed_) >= 5
    names = " ".join(d.text + d.title for d in docs.values())
    for q in facts.never_seen:
        product = q.question.split("Brightfield ")[1].split()[0]
        assert product not in names, product
    for fact in facts.new_facts:
        product = fact.questions[0].split("Brightfield ")[1].split()[0]
        assert product not in names, product
    assert set(facts.refs) == set(lm_train.MEASURES)


def test_evaluate_scores_every_measure_and_keeps_the_answers(tiny):
    facts = lm_train.FactSet(
        facts=(lm_train.Fact("kettle-k210", (PAIRS[0][0],), "44 euros.", ("44",), "K210 price?"),),
        never_seen=(lm_train.Question("What is the price of the Z77?"),),
        new_facts=(),
        general=(lm_train.Question("Capital of France?", ("Paris",)),),
    )
    scores = lm_train.evaluate(tiny, None, facts, max_new_tokens=4)
    assert set(scores.measures) == set(lm_train.MEASURES)
    assert scores.verbatim.total == 1 and scores.reversed.total == 0
    answer = scores.verbatim.answers[0]
    assert answer.question == PAIRS[0][0] and answer.expect == ("44",)
    assert answer.ok == lm_train.says(answer.answer, ["44"])
    assert scores.as_dict()["invented"]["total"] == 1
    assert tiny.adapters == []


@pytest.mark.lm
def test_the_script_reproduces_the_shipped_losses():
    """scripts/train_adapter.py --first 3 trains 3 real steps (about a minute) and compares
    them with assets/lm/specialist/training.json."""
    recorded = json.loads((ROOT / "assets/lm/specialist/training.json").read_text())
    assert len(recorded["losses"]) == recorded["steps"]
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts/train_adapter.py"), "--first", "3"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "match training.json" in run.stdout
