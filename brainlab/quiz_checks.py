"""Checks that tie quiz keys to the app's own models.

A quiz answer that states a fact about a model (which cost dominates, what a strategy
saves) names one of these functions in ``content/quiz.toml`` (``check = "..."``). Each
returns the ways the fact fails in the current model: an empty list means the key holds.
A test runs every named check, so editing a number in ``content/`` cannot silently make
a quiz key wrong.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from brainlab import costs, decision, forgetting, retrieval


def _fine_tune_splits() -> dict[str, dict[str, float]]:
    """Fine-tuning's cost split in the default scenario and in every preset."""
    base = costs.default_assumptions()
    out = {"default": costs.fine_tune_cost_split(base)}
    for name in costs.load_presets():
        out[name] = costs.fine_tune_cost_split(costs.apply_preset(base, name))
    return out


def fine_tune_cost_depends_on_scenario() -> list[str]:
    """Key of ``cost_lab/fine_tune_cost``.

    People's time (preparing, refreshing and evaluating data) is the largest part of
    fine-tuning's bill in every scenario but the self-hosted one, where hosting is; GPU
    compute is never the largest.
    """
    splits = _fine_tune_splits()
    top = {name: max(s, key=s.__getitem__) for name, s in splits.items()}
    found = []
    if top.get("open_weight") != "hosting":
        found.append(f"hosting should dominate the open-weight preset: {top}")
    others = {n: c for n, c in top.items() if n != "open_weight" and c != "people"}
    if others:
        found.append(f"people's time should dominate the other scenarios: {others}")
    # The distractor's explanation states two figures: compute is at most a third of the
    # bill in any preset, and about 5 % at the defaults.
    compute = {name: s["compute"] for name, s in splits.items()}
    if max(compute.values()) > 1 / 3:
        found.append(f"compute should be at most a third of every preset's bill: {compute}")
    if round(100 * compute["default"]) not in (4, 5, 6):
        found.append(f"compute should be about 5 % at the defaults: {compute['default']:.3f}")
    return found


# --------------------------------------------------------------------------- the retrieval lab


class _WordEncoder:
    """A bag of stable random word vectors: enough to run the retriever's plumbing (what
    an edit reaches, what a bigger top-k sends) without loading the real model, whose
    meaning the facts checked here do not depend on."""

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = np.zeros((len(texts), 64), dtype=np.float64)
        for i, text in enumerate(texts):
            for tok in retrieval.tokenize(text):
                rows[i] += np.random.default_rng(zlib.crc32(tok.encode())).standard_normal(64)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return (rows / np.where(norms == 0, 1, norms)).astype(np.float32)


def edit_reaches_rag_not_the_brain() -> list[str]:
    """Key of ``retrieval_lab/update_price``: an edited price reaches the next retrieval at
    once, while the trained brain keeps the version it was trained on."""
    encoder = _WordEncoder()
    docs = retrieval.load_library()
    old = next(d for d in docs if d.id == "kettle-k210")
    brain = retrieval.FineTunedBrain.train(docs, retrieval.training_date(), encoder=encoder)
    index = retrieval.Retriever(docs, encoder=encoder)
    new = replace(old, text=old.text.replace("Price: 44 euros", "Price: 47 euros"))
    found = []
    if new.text == old.text:
        return ["the K210 page no longer says 'Price: 44 euros'; update this check"]
    index.update(new)
    hits = index.search("What is the price of the K210 kettle?", k=3)
    texts = " ".join(h.text for h in hits if h.doc_id == "kettle-k210")
    if "47 euros" not in texts:
        found.append(f"the edited page is not retrieved at once: {[h.doc_id for h in hits]}")
    if brain.knows(new) or not brain.knows(old):
        found.append("the trained brain sees the edit without retraining")
    return found


def more_passages_longer_prompt() -> list[str]:
    """Key of ``retrieval_lab/more_passages``: raising top-k from 3 to 10 makes the prompt
    longer, and the extra passages are less similar than the first three."""
    index = retrieval.Retriever(retrieval.load_library(), encoder=_WordEncoder())
    question = "How long does the cordless vacuum run on one charge?"
    three, ten = index.search(question, k=3), index.search(question, k=10)
    found = []
    if len(retrieval.build_prompt(question, ten)) <= len(retrieval.build_prompt(question, three)):
        found.append("ten passages do not make the prompt longer than three")
    if [h.doc_id for h in ten[:3]] != [h.doc_id for h in three]:
        found.append("the first three of ten are not the three")
    if any(h.score > three[-1].score for h in ten[3:]):
        found.append("a passage past the third matches better than the third")
    return found


# --------------------------------------------------------------------------- the forgetting lab


def _final(strategy: str, **settings: float) -> tuple[float, float]:
    """Mean final (general, specialist) accuracy over the lab's three random starts."""
    finals = []
    for seed in range(3):
        curve = forgetting.simulate(strategy, seed=seed, **settings)
        last = curve[curve["phase"] == "finetune"].iloc[-1]
        finals.append((last["general_accuracy"], last["specialist_accuracy"]))
    general, specialist = np.mean(finals, axis=0)
    return float(general), float(specialist)


def replay_keeps_general_skill() -> list[str]:
    """Key of ``forgetting_lab/reduce_forgetting``: with replay at 30 %, the general skill
    ends far above plain fine-tuning's and the specialty within 10 points of it."""
    naive = _final("naive")
    replay = _final("replay", replay_fraction=0.3)
    found = []
    if replay[0] < naive[0] + 0.2:
        found.append(f"replay keeps too little general skill: {replay[0]:.2f} vs {naive[0]:.2f}")
    if replay[1] < naive[1] - 0.1:
        found.append(f"replay learns the specialty far worse: {replay[1]:.2f} vs {naive[1]:.2f}")
    return found


def _specialty_phase_drop(strategy: str, learning_rate: float) -> float:
    """How far the general skill falls during the specialty phase (mean of three starts):
    its value at the end of pretraining minus its lowest value after."""
    drops = []
    for seed in range(3):
        curve = forgetting.simulate(strategy, seed=seed, learning_rate=learning_rate)
        before = curve[curve["phase"] == "pretrain"]["general_accuracy"].iloc[-1]
        after = curve[curve["phase"] == "finetune"]["general_accuracy"].min()
        drops.append(before - after)
    return float(np.mean(drops))


def rag_general_skill_ignores_learning_rate() -> list[str]:
    """Key of ``forgetting_lab/rag_no_forgetting``: at the default and at the highest
    learning rate, RAG's general line stays flat through the specialty phase, while plain
    fine-tuning's falls, and falls further at the higher rate."""
    default = float(forgetting.DEFAULTS["learning_rate"])
    highest = float(forgetting.LIMITS["learning_rate"][1])
    found = []
    for lr in (default, highest):
        drop = _specialty_phase_drop("rag", lr)
        if abs(drop) > 1e-9:
            found.append(f"RAG's general line moves by {drop:.3f} at learning rate {lr}")
    naive = _specialty_phase_drop("naive", default), _specialty_phase_drop("naive", highest)
    if not naive[0] > 0.2 or not naive[1] >= naive[0]:
        found.append(f"plain fine-tuning's fall does not grow with the learning rate: {naive}")
    return found


# --------------------------------------------------------------------------- the cost lab


def rag_costs_more_per_question() -> list[str]:
    """Key of ``cost_lab/rag_volume``: at the defaults each extra question costs RAG more
    than fine-tuning (its fetched pages outweigh the fine-tuned model's dearer tokens), and
    the number of training runs does not depend on the volume."""
    base = costs.default_assumptions()
    p = costs.params(base)
    parts = costs.breakdown(p)
    found = []
    if not parts["rag"].per_query > parts["fine_tune"].per_query:
        found.append(
            f"RAG's cost per question {parts['rag'].per_query:.6f} is not above fine-tuning's "
            f"{parts['fine_tune'].per_query:.6f}"
        )
    fetched = p["top_k"] * p["chunk_tokens"]
    if abs(fetched - 2000) > 200:
        found.append(f"the defaults fetch {fetched:,.0f} tokens per question, not about 2,000")
    doubled = costs.breakdown({**p, "queries_per_month": 2 * p["queries_per_month"]})
    if doubled["fine_tune"].monthly["retraining"] != parts["fine_tune"].monthly["retraining"]:
        found.append("retraining costs change with the number of questions")
    return found


def retraining_grows_with_change() -> list[str]:
    """Key of ``cost_lab/monthly_facts``: going from 1 to 12 retrainings a year multiplies
    the retraining cost by 12 and leaves the price per question alone."""
    p = costs.params(costs.default_assumptions())
    yearly = costs.breakdown({**p, "retrains_per_year": 1})["fine_tune"]
    monthly = costs.breakdown({**p, "retrains_per_year": 12})["fine_tune"]
    found = []
    if not np.isclose(monthly.monthly["retraining"], 12 * yearly.monthly["retraining"]):
        found.append("monthly retraining does not cost 12 times yearly retraining")
    if yearly.monthly["retraining"] <= 0:
        found.append("a retraining costs nothing")
    if monthly.per_query != yearly.per_query:
        found.append("retraining more often changes the price per question")
    return found


# --------------------------------------------------------------------------- which path?


def big_budget_facts_get_a_library() -> list[str]:
    """Key of ``which_path/big_budget_facts``: daily facts with thousands of examples and
    plenty of budget still get RAG."""
    answers = {
        "knowledge_change": "daily",
        "need": "facts",
        "citations": False,
        "examples": "thousands",
        "gpu_budget": "plenty",
        "query_volume": "high",
    }
    path = decision.recommend(answers).path
    return [] if path == "rag" else [f"the hotel bot gets {path}, not rag"]


def customer_service_turns_hybrid() -> list[str]:
    """Key of ``which_path/what_makes_hybrid``: of the three changes to the Customer-service
    bot's answers, only adding a skill to learn makes the hybrid the recommendation."""
    start = next(p for p in decision.load_presets() if p.id == "customer_service").answers
    changes = {
        "skill": {"need": "both"},
        "examples_and_budget": {"examples": "thousands", "gpu_budget": "plenty"},
        "monthly": {"knowledge_change": "monthly"},
    }
    paths = {name: decision.recommend({**start, **c}).path for name, c in changes.items()}
    expected = {"skill": "hybrid", "examples_and_budget": "rag", "monthly": "rag"}
    return [] if paths == expected else [f"recommendations {paths}, expected {expected}"]


CHECKS: dict[str, Callable[[], list[str]]] = {
    "fine_tune_cost_depends_on_scenario": fine_tune_cost_depends_on_scenario,
    "edit_reaches_rag_not_the_brain": edit_reaches_rag_not_the_brain,
    "more_passages_longer_prompt": more_passages_longer_prompt,
    "replay_keeps_general_skill": replay_keeps_general_skill,
    "rag_general_skill_ignores_learning_rate": rag_general_skill_ignores_learning_rate,
    "rag_costs_more_per_question": rag_costs_more_per_question,
    "retraining_grows_with_change": retraining_grows_with_change,
    "big_budget_facts_get_a_library": big_budget_facts_get_a_library,
    "customer_service_turns_hybrid": customer_service_turns_hybrid,
}
