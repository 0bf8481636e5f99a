"""A real LoRA fine-tune of the small language model, and what it really stored.

The specialist of the lesson is SmolLM2-135M-Instruct (:mod:`brainlab.lm`) with a LoRA
adapter trained here on question/answer pairs about the toy library
(``content/lm_facts.toml``). :func:`evaluate` then asks what the training could not give:
the same facts in other words, backwards, about things it never saw, and general knowledge.

* :func:`train` runs the training loop (peft LoRA, AdamW, a fixed seed: the same seed gives
  the same losses). The loss counts only the answer's tokens; the question is formatted with
  the same chat template :meth:`brainlab.lm.LanguageModel.encode_chat` uses to answer. The
  adapter is trained on the shared model under a temporary name, holding the model's lock
  one step at a time (other questions are answered between steps), and removed at the end:
  the shared model is left as it was, and the result is an :class:`brainlab.lm.Adapter`.
* :func:`evaluate` asks the evaluation set and keeps every answer (a page shows examples).

No streamlit here; torch and peft are imported only when a function needs them.
"""

from __future__ import annotations

import math
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brainlab.content import CONTENT_DIR, load_toml
from brainlab.lm import Adapter, LanguageModel

FACTS_FILE = "lm_facts.toml"

#: The LoRA settings of every adapter trained here (rank 16 on every linear layer).
LORA = {
    "r": 16,
    "lora_alpha": 32,
    "lora_dropout": 0.0,
    "target_modules": [
        "down_proj",
        "gate_proj",
        "k_proj",
        "o_proj",
        "q_proj",
        "up_proj",
        "v_proj",
    ],
    "bias": "none",
    "task_type": "CAUSAL_LM",
}
BATCH_SIZE = 8
LEARNING_RATE = 1e-3
#: Tokens an evaluation answer may have: enough for "229 euros." or a short refusal.
EVAL_TOKENS = 16

#: The measures of :func:`evaluate`, in the order a page shows them.
MEASURES = ("verbatim", "paraphrase", "reversed", "invented", "general")

Pair = tuple[str, str]
Progress = Callable[[int, int, float], None]


# --------------------------------------------------------------------------- the facts


@dataclass(frozen=True)
class Fact:
    """One fact: trained with ``questions`` → ``answer``; right when ``expect`` appears."""

    doc: str
    questions: tuple[str, ...]
    answer: str
    expect: tuple[str, ...]
    paraphrase: str = ""
    reversed: str = ""
    reversed_expect: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """A question asked but never trained, with what a right answer says."""

    question: str
    expect: tuple[str, ...] = ()


@dataclass(frozen=True)
class FactSet:
    """The evaluation set of ``content/lm_facts.toml``."""

    facts: tuple[Fact, ...]
    never_seen: tuple[Question, ...]
    new_facts: tuple[Fact, ...]
    general: tuple[Question, ...]
    refs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rule: str = ""


def _fact(entry: dict[str, Any]) -> Fact:
    return Fact(
        doc=entry.get("doc", ""),
        questions=tuple(entry["questions"]),
        answer=entry["answer"],
        expect=tuple(entry["expect"]),
        paraphrase=entry.get("paraphrase", ""),
        reversed=entry.get("reversed", ""),
        reversed_expect=tuple(entry.get("reversed_expect", ())),
    )


def load_facts(root: Path = CONTENT_DIR) -> FactSet:
    """The shipped evaluation set (English: the model is asked in English)."""
    data = load_toml(FACTS_FILE, root)
    return FactSet(
        facts=tuple(_fact(e) for e in data["facts"]),
        never_seen=tuple(Question(e["question"]) for e in data["never_seen"]),
        new_facts=tuple(_fact(e) for e in data["new_facts"]),
        general=tuple(Question(e["question"], tuple(e["expect"])) for e in data["general"]),
        refs={k: tuple(v.get("refs", ())) for k, v in data.get("measures", {}).items()},
        rule=data.get("check", {}).get("rule", ""),
    )


def training_pairs(facts: FactSet | Sequence[Fact] | None = None) -> list[Pair]:
    """(question, answer) for every training question of ``facts`` (default: the library's)."""
    if facts is None:
        facts = load_facts()
    if isinstance(facts, FactSet):
        facts = facts.facts
    return [(q, f.answer) for f in facts for q in f.questions]


def says(answer: str, expect: Sequence[str]) -> bool:
    """True when one of ``expect`` appears in ``answer`` as a whole word or number.

    Case is ignored; "44" is found in "44 euros." and "costs 44," but not in "144" or "4.4".
    """
    for word in expect:
        pattern = r"(?<![\w.])" + re.escape(word) + r"(?![\w]|\.\d)"
        if re.search(pattern, answer, flags=re.IGNORECASE):
            return True
    return False


def invents(answer: str) -> bool:
    """True when an answer to a never-seen question states a number (any digit)."""
    return bool(re.search(r"\d", answer))


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` made: the adapter, the loss of every step, the wall time."""

    adapter: Adapter
    losses: tuple[float, ...]
    seconds: float


def _encode(model: LanguageModel, pair: Pair) -> tuple[list[int], list[int]]:
    """(input ids, labels) of one pair: the chat-formatted question, then the answer and
    the end-of-turn token; labels are -100 on the question (no loss there)."""
    tok = model.tokenizer
    prompt = [int(i) for i in model.encode_chat(pair[0])[0]]
    answer = tok(pair[1], add_special_tokens=False)["input_ids"]
    end = tok.convert_tokens_to_ids("<|im_end|>")
    if not isinstance(end, int) or end == tok.unk_token_id:
        end = tok.eos_token_id
    answer = [*answer, end]
    return prompt + answer, [-100] * len(prompt) + answer


def _stream(n: int, rng: random.Random) -> Iterator[int]:
    """Indices 0..n-1 in a fresh shuffled order each epoch, forever."""
    while True:
        order = list(range(n))
        rng.shuffle(order)
        yield from order


def batches(
    pairs: Sequence[Pair],
    steps: int,
    *,
    seed: int = 0,
    batch_size: int = BATCH_SIZE,
    replay: Sequence[Pair] = (),
    replay_share: float = 0.5,
) -> list[list[Pair]]:
    """The pairs of every step: epochs of ``pairs`` in a seeded order, and with ``replay``
    a share of each batch (``replay_share``, at least one pair) drawn from the replay pairs."""
    if not pairs:
        raise ValueError("nothing to train on")
    rng = random.Random(seed)
    n_replay = 0
    if replay:
        n_replay = min(batch_size - 1, max(1, round(batch_size * replay_share)))
    n_new = batch_size - n_replay
    new = _stream(len(pairs), rng)
    old = _stream(len(replay), random.Random(seed + 1)) if replay else iter(())
    out = []
    for _ in range(steps):
        batch = [pairs[next(new)] for _ in range(n_new)]
        batch += [replay[next(old)] for _ in range(n_replay)]
        out.append(batch)
    return out


def _init_lora(params: dict[str, Any], seed: int) -> None:
    """Seeded LoRA start (peft's own: A Kaiming-uniform, B zero), not the global RNG."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for key in sorted(params):
            if "lora_A" in key:
                torch.nn.init.kaiming_uniform_(params[key], a=math.sqrt(5), generator=gen)
            elif "lora_B" in key:
                params[key].zero_()


def train(
    model: LanguageModel,
    pairs: Sequence[Pair],
    *,
    steps: int = 100,
    seed: int = 0,
    learning_rate: float = LEARNING_RATE,
    batch_size: int = BATCH_SIZE,
    replay: Sequence[Pair] = (),
    replay_share: float = 0.5,
    config: dict[str, Any] | None = None,
    start: Adapter | None = None,
    progress: Progress | None = None,
    checkpoint: Callable[[int, str], None] | None = None,
    checkpoint_every: int = 0,
) -> TrainResult:
    """Train a LoRA adapter on ``pairs`` (question, answer) for ``steps`` steps.

    Parameters
    ----------
    model
        The shared model; it is left unchanged (the adapter is trained under a temporary
        name and removed).
    pairs
        The training pairs; each step takes ``batch_size`` of them in a seeded order.
    steps, seed, learning_rate, batch_size
        The run: AdamW, the same seed gives the same losses.
    replay, replay_share
        Old pairs mixed into every batch (that share of it), against forgetting.
    config
        The LoRA settings of a fresh adapter (peft ``LoraConfig`` keywords; default
        :data:`LORA`), started from ``seed``.
    start
        An adapter to continue from instead (its settings and tensors).
    progress
        Called after each step with (step, steps, loss).
    checkpoint, checkpoint_every
        Called as ``checkpoint(step, name)`` at step 0 and every ``checkpoint_every``
        steps, with the temporary adapter's name, so a caller can ask it questions
        mid-run (the forgetting experiment); the lock is not held then.

    Returns
    -------
    TrainResult
        The adapter (float32 tensors), the loss of every step and the wall time.
    """
    import torch

    torch.set_num_threads(1)
    began = time.perf_counter()
    plan = batches(
        pairs, steps, seed=seed, batch_size=batch_size, replay=replay, replay_share=replay_share
    )
    encoded = {p: _encode(model, p) for p in {*pairs, *replay}}
    pad = model.tokenizer.pad_token_id
    if pad is None:
        pad = model.tokenizer.eos_token_id
    name = f"_train_{uuid.uuid4().hex[:12]}"
    if start is not None:
        settings = dict(start.config)
    else:
        settings = dict(config if config is not None else LORA)
    model.add_adapter(name, Adapter(settings, dict(start.tensors) if start else {}))
    losses: list[float] = []
    try:
        params = model.adapter_parameters(name)
        if start is None:
            _init_lora(params, seed)
            model.adapter_changed(name)
        ordered = [params[k] for k in sorted(params)]
        optimizer = torch.optim.AdamW(ordered, lr=learning_rate, weight_decay=0.0)
        if checkpoint is not None:
            checkpoint(0, name)
        for step, batch in enumerate(plan, start=1):
            ids, labels, mask = _pad([encoded[p] for p in batch], pad)
            with model.lock:
                net, selected = model.selected(name)
                for p in ordered:
                    p.requires_grad_(True)
                with selected:
                    logits = net(input_ids=ids, attention_mask=mask).logits
                loss = torch.nn.functional.cross_entropy(
                    logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                    labels[:, 1:].reshape(-1),
                    ignore_index=-100,
                )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
            model.adapter_changed(name)
            losses.append(float(loss.detach()))
            if progress is not None:
                progress(step, steps, losses[-1])
            if checkpoint is not None and checkpoint_every and step % checkpoint_every == 0:
                checkpoint(step, name)
        adapter = model.adapter(name)
    finally:
        model.remove_adapter(name)
    return TrainResult(adapter, tuple(losses), time.perf_counter() - began)


def _pad(rows: list[tuple[list[int], list[int]]], pad: int) -> tuple[Any, Any, Any]:
    """Right-padded input ids, labels (-100 on the padding: no loss) and attention mask."""
    import torch

    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (row, lab) in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
        labels[i, : len(lab)] = torch.tensor(lab)
        mask[i, : len(row)] = 1
    return ids, labels, mask


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Answered:
    """One question asked: the model's answer, what it should say, and the verdict."""

    question: str
    answer: str
    expect: tuple[str, ...]
    ok: bool
    doc: str = ""


@dataclass(frozen=True)
class Score:
    """One measure: ``count`` of ``total`` answers passed it, every answer kept.

    For "invented", ``count`` is the number of invented answers (lower is more honest).
    """

    name: str
    count: int
    total: int
    answers: tuple[Answered, ...]

    @property
    def fraction(self) -> float:
        return self.count / self.total if self.total else 0.0

    def as_dict(self, *, answers: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "count": self.count,
            "total": self.total,
            "fraction": round(self.fraction, 6),
        }
        if answers:
            out["answers"] = [
                {"question": a.question, "answer": a.answer, "ok": a.ok} for a in self.answers
            ]
        return out


@dataclass(frozen=True)
class Scores:
    """The measures of :func:`evaluate`, by name (see :data:`MEASURES`)."""

    measures: dict[str, Score]

    def __getattr__(self, name: str) -> Score:
        try:
            return self.__dict__["measures"][name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self, *, answers: bool = True) -> dict[str, Any]:
        return {k: v.as_dict(answers=answers) for k, v in self.measures.items()}


def _questions(facts: FactSet, measure: str) -> list[tuple[str, tuple[str, ...], str]]:
    """(question, expect, doc) of one measure."""
    if measure == "verbatim":
        return [(q, f.expect, f.doc) for f in facts.facts for q in f.questions]
    if measure == "paraphrase":
        return [(f.paraphrase, f.expect, f.doc) for f in facts.facts if f.paraphrase]
    if measure == "reversed":
        return [(f.reversed, f.reversed_expect, f.doc) for f in facts.facts if f.reversed]
    if measure == "invented":
        return [(q.question, (), "") for q in facts.never_seen]
    if measure == "general":
        return [(q.question, q.expect, "") for q in facts.general]
    if measure == "new":
        return [(q, f.expect, f.doc) for f in facts.new_facts for q in f.questions]
    if measure == "recall":
        # One training question per fact: the quick check of the forgetting experiment.
        return [(f.questions[0], f.expect, f.doc) for f in facts.facts]
    raise ValueError(f"unknown measure {measure!r}")


def evaluate(
    model: LanguageModel,
    adapter: Adapter | str | None,
    facts: FactSet | None = None,
    *,
    measures: Sequence[str] = MEASURES,
    max_new_tokens: int = EVAL_TOKENS,
) -> Scores:
    """Ask the evaluation set with ``adapter`` (an :class:`Adapter`, the name of one the
    model holds, or ``None`` for the base model) and score every measure.

    Measures: "verbatim" (the training questions), "paraphrase", "reversed", "invented"
    (never-seen questions answered with a number), "general", and for the forgetting
    experiment "new" (the new facts) and "recall" (one training question per fact).
    """
    if facts is None:
        facts = load_facts()
    name = adapter if isinstance(adapter, str) or adapter is None else None
    temporary = None
    if isinstance(adapter, Adapter):
        temporary = name = f"_eval_{uuid.uuid4().hex[:12]}"
        model.add_adapter(name, adapter)
    try:
        out = {}
        for measure in measures:
            answered = []
            for question, expect, doc in _questions(facts, measure):
                text = model.generate(question, max_new_tokens, adapter=name).strip()
                ok = invents(text) if measure == "invented" else says(text, expect)
                answered.append(Answered(question, text, expect, ok, doc))
            count = sum(a.ok for a in answered)
            out[measure] = Score(measure, count, len(answered), tuple(answered))
        return Scores(out)
    finally:
        if temporary is not None:
            model.remove_adapter(temporary)
