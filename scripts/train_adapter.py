"""Train the specialist's LoRA adapter and precompute the forgetting experiment (issue 13).

    .venv/bin/python scripts/train_adapter.py            # train, evaluate, write assets/lm/
    .venv/bin/python scripts/train_adapter.py --first 3  # check: 3 steps reproduce training.json

The specialist: SmolLM2-135M-Instruct with a rank-16 LoRA adapter trained for STEPS steps
(seed SEED) on the training questions of content/lm_facts.toml. It is written in float16 to
assets/lm/specialist/ (adapter_config.json, adapter_model.safetensors) with training.json:
the seed, every loss, the wall time and the evaluation measured on the shipped (float16)
adapter.

The forgetting experiment: starting from the shipped adapter, fine-tune on the ten new facts
only, once alone and once with replay of the library's facts (half of every batch), asking
one training question per library fact (old) and the new facts (new) every EVERY steps.
Written to assets/lm/forgetting.json.

``--first N`` trains only N steps and compares the losses with training.json: exit status 1
when one differs by more than TOLERANCE (the shipped adapter is then not what this script
makes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from brainlab import lm, lm_forgetting, lm_train  # noqa: E402

SEED = 0
STEPS = 100
FORGET_STEPS = 30
EVERY = 5
REPLAY_SHARE = 0.5
#: Tokens of an answer in the forgetting checks ("229 euros." needs 5).
CHECK_TOKENS = 8
TOLERANCE = 1e-4
OUT = ROOT / "assets" / "lm"
SPECIALIST = OUT / "specialist"


def _today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")


def _printer(label: str):
    def progress(step: int, total: int, loss: float) -> None:
        print(f"{label} step {step}/{total} loss {loss:.6f}", flush=True)

    return progress


def check_first(model: lm.LanguageModel, n: int, out: Path = SPECIALIST) -> int:
    """Train ``n`` steps and compare the losses with ``out``/training.json (0: they match)."""
    recorded = json.loads((out / "training.json").read_text())
    if n > len(recorded["losses"]):
        print(f"training.json has only {len(recorded['losses'])} losses", file=sys.stderr)
        return 1
    result = lm_train.train(
        model,
        lm_train.training_pairs(),
        steps=n,
        seed=recorded["seed"],
        learning_rate=recorded["learning_rate"],
        batch_size=recorded["batch_size"],
        progress=_printer("check"),
    )
    bad = [
        (i + 1, got, want)
        for i, (got, want) in enumerate(zip(result.losses, recorded["losses"], strict=False))
        if abs(got - want) > TOLERANCE
    ]
    for step, got, want in bad:
        print(f"step {step}: loss {got:.6f}, training.json says {want:.6f}", file=sys.stderr)
    if not bad:
        print(f"the first {n} losses match training.json (within {TOLERANCE})")
    return 1 if bad else 0


def train_specialist(model: lm.LanguageModel, out: Path = SPECIALIST) -> lm.Adapter:
    """Train, save in float16, evaluate the saved adapter, write training.json."""
    facts = lm_train.load_facts()
    pairs = lm_train.training_pairs(facts)
    result = lm_train.train(model, pairs, steps=STEPS, seed=SEED, progress=_printer("specialist"))
    result.adapter.save(out)
    shipped = lm.Adapter.read(out)
    began = time.perf_counter()
    scores = lm_train.evaluate(model, shipped, facts)
    eval_seconds = time.perf_counter() - began
    for name, score in scores.measures.items():
        print(f"{name}: {score.count}/{score.total}")
    record = {
        "model": lm.MODEL_NAME,
        "date": _today(),
        "seed": SEED,
        "steps": STEPS,
        "batch_size": lm_train.BATCH_SIZE,
        "learning_rate": lm_train.LEARNING_RATE,
        "lora": lm_train.LORA,
        "pairs": len(pairs),
        "losses": [round(x, 6) for x in result.losses],
        "wall_time_s": round(result.seconds, 1),
        "eval_time_s": round(eval_seconds, 1),
        "eval_rule": facts.rule,
        "eval": scores.as_dict(),
    }
    (out / "training.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    return shipped


def forgetting(model: lm.LanguageModel, start: lm.Adapter, out: Path = OUT) -> dict:
    """Fine-tune ``start`` on the new facts only, without and with replay."""
    facts = lm_train.load_facts()
    new_pairs = lm_train.training_pairs(facts.new_facts)
    old_pairs = lm_train.training_pairs(facts)
    runs: dict[str, dict] = {}
    began = time.perf_counter()
    for label, replay in (("naive", ()), ("replay", old_pairs)):
        points: list[dict] = []

        def check(step: int, name: str, points: list[dict] = points, label: str = label) -> None:
            scores = lm_train.evaluate(
                model, name, facts, measures=("recall", "new"), max_new_tokens=CHECK_TOKENS
            )
            old, new = scores.measures["recall"], scores.measures["new"]
            points.append(lm_forgetting.point(step, old, new))
            print(f"{label} step {step}: old {old.count}/{old.total}, new {new.count}/{new.total}")

        result = lm_train.train(
            model,
            new_pairs,
            steps=FORGET_STEPS,
            seed=SEED,
            replay=replay,
            replay_share=REPLAY_SHARE,
            start=start,
            progress=_printer(label),
            checkpoint=check,
            checkpoint_every=EVERY,
        )
        runs[label] = {
            "points": points,
            "losses": [round(x, 6) for x in result.losses],
            "wall_time_s": round(result.seconds, 1),
        }
    record = {
        "model": lm.MODEL_NAME,
        "date": _today(),
        "seed": SEED,
        "steps": FORGET_STEPS,
        "every": EVERY,
        "batch_size": lm_train.BATCH_SIZE,
        "learning_rate": lm_train.LEARNING_RATE,
        "replay_share": REPLAY_SHARE,
        "start": "assets/lm/specialist",
        "old": f"one training question per library fact ({len(facts.facts)}), asked verbatim",
        "new": f"the new facts' questions ({len(new_pairs)}), trained in this run",
        "runs": runs,
        "wall_time_s": round(time.perf_counter() - began, 1),
    }
    (out / "forgetting.json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=int, help="train N steps, compare with training.json")
    parser.add_argument("--no-forgetting", action="store_true", help="skip the experiment")
    parser.add_argument(
        "--forgetting-only", action="store_true", help="the experiment from the shipped adapter"
    )
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    model = lm.load_lm()
    if args.first:
        return check_first(model, args.first)
    began = time.perf_counter()
    if args.forgetting_only:
        forgetting(model, lm.Adapter.read(SPECIALIST))
        print(f"done in {time.perf_counter() - began:.0f} s")
        return 0
    shipped = train_specialist(model)
    if not args.no_forgetting:
        forgetting(model, shipped)
    print(f"done in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
