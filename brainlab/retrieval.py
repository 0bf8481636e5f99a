"""The retrieval lab's core: toy library, chunking, dense / lexical / hybrid search, the
augmented prompt, an extractive grounded answer, and the fine-tuned brain's frozen snapshot.

Pure Python and numpy (plus rank-bm25); no streamlit. The encoder is passed in (any object
with ``encode(list[str]) -> float32 (n, d)`` and unit rows), so tests can use a small fake
and the app the real all-MiniLM-L6-v2 (:func:`brainlab.embeddings.load_encoder`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import threading
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

from brainlab.embeddings import Encoder

#: The shipped toy library.
LIBRARY_PATH = Path(__file__).resolve().parent.parent / "content" / "library.toml"
#: The languages a library can be searched in: English, and Chinese (words segmented by
#: jieba, chunks counted in characters, multilingual e5 for the meaning).
LANGUAGES: tuple[str, ...] = ("en", "zh")

METHODS: tuple[str, ...] = ("dense", "lexical", "hybrid")
#: Default chunking, in words: a few sentences per chunk, a sentence of overlap.
DEFAULT_CHUNK_SIZE = 60
DEFAULT_CHUNK_OVERLAP = 15
#: Chinese has no spaces between words: its chunks count characters (a run of Latin letters
#: or digits, such as a product code, counts as one). About two characters carry what one
#: English word does, so the defaults are twice the English ones.
DEFAULT_CHUNK_SIZE_ZH = 120
DEFAULT_CHUNK_OVERLAP_ZH = 30
#: Hybrid search fuses the dense and the lexical ranking by reciprocal rank fusion (Cormack,
#: Clarke & Büttcher, SIGIR 2009): a chunk scores 1 / (RRF_K + rank) in each ranking it is
#: in, summed. Ranks, not raw scores, so a BM25 score inflated by a common word cannot
#: outweigh meaning; k = 60 is the value the paper found robust.
RRF_K = 60
#: Deprecated: the hybrid used to blend HYBRID_WEIGHT × cosine with the max-normalised BM25
#: score; kept so outside code importing it does not break. Hybrid search no longer uses it.
HYBRID_WEIGHT = 0.5
#: The labelled evaluation set of the shipped library (questions with their answering doc).
EVAL_PATH = LIBRARY_PATH.parent / "retrieval_eval.toml"


def check_language(language: str) -> None:
    """Raise :class:`ValueError` unless ``language`` is one of :data:`LANGUAGES`."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")


def library_path(language: str = "en") -> Path:
    """The shipped library of ``language``: ``content/library.toml`` or
    ``content/zh/library.toml`` (the same invented shop, written in Chinese)."""
    check_language(language)
    return LIBRARY_PATH if language == "en" else LIBRARY_PATH.parent / language / "library.toml"


def eval_path(language: str = "en") -> Path:
    """The labelled evaluation set of ``language``'s shipped library."""
    check_language(language)
    return EVAL_PATH if language == "en" else EVAL_PATH.parent / language / "retrieval_eval.toml"


def default_chunking(language: str = "en") -> tuple[int, int]:
    """The default (chunk size, overlap) of ``language``: words in English, characters in
    Chinese."""
    check_language(language)
    if language == "zh":
        return DEFAULT_CHUNK_SIZE_ZH, DEFAULT_CHUNK_OVERLAP_ZH
    return DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_OVERLAP


#: Limits of what a user may put in the library (the form and JSON import both check them).
MAX_TEXT_CHARS = 5_000
MAX_TITLE_CHARS = 200
MAX_DOCS = 300
MAX_QUESTION_CHARS = 1_000
#: Most texts (chunks plus sentences) one import may embed. At the limits above a library
#: could ask for ~18,000 model inputs (~20 minutes of one core); 2,000 is ~10x the shipped
#: library and ~1-3 minutes here, shown with a progress bar and a cancel button.
MAX_IMPORT_TEXTS = 2_000
#: Texts per encoder call while building an index: between two calls the progress is
#: reported (and a cancel honoured), and the model's lock is free for other sessions.
EMBED_BATCH = 16
#: Weight of the shared-word share in choosing a hit's best sentence (added to the cosine):
#: enough to break near-ties, small enough that "Price: 44 euros." beats the sentence that
#: merely repeats the product's name.
SENTENCE_WORD_BONUS = 0.2
#: Added to the score of a sentence that carries an amount ("Price: 44 euros.") when the
#: question asks a price (content/answers.toml ``[price]``). The cosine alone puts such a
#: sentence and the product's description within 0.01 of each other for "What does the K210
#: kettle cost?", and the shared words then tip it to the description; 0.15 is more than the
#: words can add there, and less than the gap to a sentence that answers another "how much"
#: ("How much does the S5 scale weigh?" still quotes the weight).
PRICE_BONUS = 0.15
#: How many sentences the extractive answer quotes at most, and how far below the best hit's
#: similarity another hit may be and still be quoted (further off, it is more noise than help).
ANSWER_SENTENCES = 2
ANSWER_MARGIN = 0.05

JSON_FORMAT = "brain-upgrade-lab/library"
JSON_VERSION = 1


class LibraryError(ValueError):
    """A library (file, JSON import or form input) is invalid; the message says why."""


class BuildCancelled(LibraryError):
    """Building an index was cancelled through its ``progress`` callback."""


#: ``progress(done, total)`` after each batch of texts embedded; return ``False`` to cancel.
Progress = Callable[[int, int], "bool | None"]


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Doc:
    """One document of the library."""

    id: str
    title: str
    text: str
    topic: str = ""
    updated: str = ""


def _doc_from_raw(raw: dict[str, Any], where: str) -> Doc:
    missing = [k for k in ("id", "title", "text") if not isinstance(raw.get(k), str)]
    if missing:
        raise LibraryError(f"{where} is missing {', '.join(missing)}")
    return Doc(
        id=raw["id"],
        title=raw["title"],
        text=raw["text"],
        topic=str(raw.get("topic", "")),
        updated=str(raw.get("updated", "")),
    )


def _read_library_file(path: Path) -> dict[str, Any]:
    """The parsed TOML of ``path``, parsed once per version of the file (callers only read
    it): every session's first run reads the library three times, and parsing it was a
    fifth of that run's time."""
    try:
        stat = path.stat()
        return _parse_library_file(path, stat.st_mtime_ns, stat.st_size)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LibraryError(f"{path.name}: cannot read the library ({exc})") from None


@functools.lru_cache(maxsize=32)
def _parse_library_file(path: Path, _mtime_ns: int, _size: int) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def load_library(path: Path = LIBRARY_PATH) -> list[Doc]:
    """The shipped toy library: the current version of every document, in file order.

    Raises
    ------
    LibraryError
        When the file is missing, not TOML, or a document lacks id, title or text.
    """
    data = _read_library_file(path)
    docs = [_doc_from_raw(raw, f"{path.name} docs[{i}]") for i, raw in enumerate(data["docs"])]
    if len({d.id for d in docs}) != len(docs):
        raise LibraryError(f"{path.name}: two documents share an id")
    return docs


def library_topics(path: Path = LIBRARY_PATH) -> dict[str, str]:
    """Topic keys of the shipped library and their display names, in file order."""
    return dict(_read_library_file(path).get("topics", {}))


def training_date(path: Path = LIBRARY_PATH) -> str:
    """The date the lab's fine-tuned brain was trained on the library (ISO)."""
    return str(_read_library_file(path)["training_date"])


def library_at(date: str, path: Path = LIBRARY_PATH) -> list[Doc]:
    """The shipped library as it stood on ``date``: for every document, its newest version
    dated on or before ``date`` (documents with no such version did not exist yet).
    """
    data = _read_library_file(path)
    out = []
    for raw in data["docs"]:
        current = _doc_from_raw(raw, path.name)
        versions = [current]
        for old in raw.get("previous", []):
            versions.append(
                Doc(
                    id=current.id,
                    title=old.get("title", current.title),
                    text=old["text"],
                    topic=current.topic,
                    updated=str(old["updated"]),
                )
            )
        known = [v for v in versions if v.updated <= date]
        if known:
            out.append(max(known, key=lambda v: v.updated))
    return out


# --------------------------------------------------------------------------- chunking


@dataclass(frozen=True)
class Chunk:
    """A piece of one document: ``text`` is ``doc.text[start:end]``.

    ``overlap_end`` is where the words shared with the previous chunk end (equal to
    ``start`` for a document's first chunk or when there is no overlap).
    """

    doc_id: str
    index: int
    text: str
    start: int
    end: int
    overlap_end: int


def _error_words() -> dict[str, Any]:
    from brainlab.content import load_toml

    return load_toml("answers.toml")["errors"]


def _error(key: str, **values: Any) -> str:
    """One message of ``content/answers.toml`` ``[errors]``, in the reader's language."""
    text = _error_words()[key]
    return text.format(**values) if values else text


def check_chunking(size: int, overlap: int) -> None:
    """Raise :class:`ValueError` with a plain message unless ``0 <= overlap < size``."""
    if size < 1:
        raise ValueError(_error("chunk_size", size=size))
    if overlap < 0:
        raise ValueError(_error("chunk_overlap_negative", overlap=overlap))
    if overlap >= size:
        raise ValueError(_error("chunk_overlap_too_big", overlap=overlap, size=size))


_WORD = re.compile(r"\S+")
#: A unit of Chinese chunking: one character, or a whole run of Latin letters and digits
#: ("BF-K210", "1.7") so a code is never cut in two.
_ZH_UNIT = re.compile(r"[A-Za-z0-9]+(?:[-.,][A-Za-z0-9]+)*|\S")


def chunk_spans(
    text: str, size: int, overlap: int, language: str = "en"
) -> list[tuple[int, int, int]]:
    """Cut ``text`` into windows of ``size`` words that share ``overlap`` words (in Chinese,
    characters: see :data:`DEFAULT_CHUNK_SIZE_ZH`).

    Returns
    -------
    list of (start, end, overlap_end)
        Character offsets into ``text``; empty for a blank text. The last window ends at
        the last word; windows never start past it.

    Raises
    ------
    ValueError
        When ``overlap >= size`` or either is out of range.
    """
    check_chunking(size, overlap)
    unit = _ZH_UNIT if language == "zh" else _WORD
    words = [(m.start(), m.end()) for m in unit.finditer(text)]
    spans: list[tuple[int, int, int]] = []
    step = size - overlap
    first = 0
    while first < len(words):
        last = min(first + size, len(words)) - 1
        shared = min(overlap, last - first + 1) if spans else 0
        overlap_end = words[first + shared - 1][1] if shared else words[first][0]
        spans.append((words[first][0], words[last][1], overlap_end))
        if last == len(words) - 1:
            break
        first += step
    return spans


def chunk_units(text: str, language: str = "en") -> int:
    """How many units chunking counts in ``text``: words, or in Chinese characters."""
    return len((_ZH_UNIT if language == "zh" else _WORD).findall(text))


def chunk_doc(doc: Doc, size: int, overlap: int, language: str = "en") -> list[Chunk]:
    """The chunks of one document (none for an empty document)."""
    return [
        Chunk(doc.id, i, doc.text[s:e], s, e, o)
        for i, (s, e, o) in enumerate(chunk_spans(doc.text, size, overlap, language))
    ]


# --------------------------------------------------------------------------- words


# English stop words (NLTK's list, as split by the tokenizer below: "don't" gives "don" and
# "t"). BM25's idf discounts common words, but rank-bm25 floors the idf of words in over
# half the corpus at a positive epsilon and gives the rest full weight, so "can", "at" or
# "out" in a question would still pull in any chunk that happens to hold them.
_STOP_WORDS = """
    a about above after again against ain all am an and any are aren as at be because been
    before being below between both but by can couldn d did didn do does doesn doing don
    down during each few for from further had hadn has hasn have haven having he her here
    hers herself him himself his how i if in into is isn it its itself just ll m ma me
    mightn more most mustn my myself needn no nor not now o of off on once only or other
    our ours ourselves out over own re s same shan she should shouldn so some such t than
    that the their theirs them themselves then there these they this those through to too
    under until up ve very was wasn we were weren what when where which while who whom why
    will with won wouldn y you your yours yourself yourselves
"""
_STOP = frozenset(_STOP_WORDS.split())
# Product codes like "BF-K210" stay one token (and also give their parts).
_TOKEN = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")


def stem(word: str) -> str:
    """Harman's "S" stemmer (JASIS 1991): plural endings only, so "prices" meets "price" and
    "batteries" meets "battery", while codes and most words stay as written.

    ``-ies`` -> ``-y`` (not ``-eies``, ``-aies``); ``-es`` -> ``-e`` (not ``-aes``, ``-ees``,
    ``-oes``); ``-s`` -> ``""`` (not ``-us``, ``-ss``). Words with a digit are left alone.
    """
    if len(word) < 4 or any(ch.isdigit() for ch in word):
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


# Chinese function words and question words: as common in questions as "what" and "the".
_ZH_STOP_WORDS = """
    的 了 是 吗 呢 吧 啊 呀 么 在 有 和 与 及 或 并 而 我 你 您 他 她 它 我们 你们 他们
    什么 多少 怎么 怎样 如何 哪 哪个 哪些 哪里 哪儿 几 为什么 这 那 这个 那个 这些 那些
    就 都 也 还 会 能 可以 要 想 个 一 把 被 给 对 从 到 上 下 中 里 请问 一下 现在 时候
"""
_ZH_STOP = frozenset(_ZH_STOP_WORDS.split())
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_JIEBA_LOCK = threading.Lock()
_JIEBA: Any = None


def _jieba() -> Any:
    """jieba, initialised once per process and quietly (its dictionary loads in about a
    second from the cache it writes to the temp folder on first use)."""
    global _JIEBA
    if _JIEBA is None:
        with _JIEBA_LOCK:
            if _JIEBA is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _JIEBA = jieba
    return _JIEBA


def _tokenize_zh(text: str) -> list[str]:
    lowered = text.lower()
    out = _tokenize_en(lowered)
    # Latin words and codes are taken by the English rules; jieba segments the rest and
    # its search mode adds the shorter words inside long ones (咖啡机 gives 咖啡 too).
    rest = _TOKEN.sub(" ", lowered)
    for word in _jieba().lcut_for_search(rest):
        word = word.strip()
        if word and _CJK.search(word) and word not in _ZH_STOP:
            out.append(word)
    return out


def tokenize(text: str, language: str = "en") -> list[str]:
    """Lower-case word tokens for BM25: stop words dropped, plurals folded (:func:`stem`),
    hyphenated codes kept whole (``"BF-K210"`` gives ``bf-k210``, ``bf`` and ``k210``).

    In Chinese (``language="zh"``) the words are found by jieba's segmentation, and Latin
    words and codes among them as in English."""
    if len(text) > _TOKEN_CACHE_CHARS:  # a long text: not kept (the cache stays small)
        return _tokenize_zh(text) if language == "zh" else _tokenize_en(text)
    return list(_tokens(text, language))


#: Texts up to this long have their tokens remembered (chunks, sentences, questions): at
#: most 8,192 of them, some 16 MB in the worst case.
_TOKEN_CACHE_CHARS = 2_000


@functools.lru_cache(maxsize=8_192)
def _tokens(text: str, language: str) -> tuple[str, ...]:
    # Remembered per text: every session's index of the shipped library tokenizes the same
    # chunks, which was a quarter of a session's first run.
    return tuple(_tokenize_zh(text) if language == "zh" else _tokenize_en(text))


def _tokenize_en(text: str) -> list[str]:
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if tok in _STOP:
            continue
        out.append(stem(tok))
        if "-" in tok:
            out.extend(stem(p) for p in tok.split("-") if p and p not in _STOP)
    return out


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (split after . ! ? followed by a space,
    and after Chinese 。！？ and ；; "1.7" and "BF-K210." stay whole)."""
    spans = []
    start = 0
    for m in re.finditer(r"[.!?]+(?=\s|$)|[。！？；]+[”’」』）)]?", text):
        end = m.end()
        if text[start:end].strip():
            spans.append(_strip_span(text, start, end))
        start = end
    if text[start:].strip():
        spans.append(_strip_span(text, start, len(text)))
    return spans


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --------------------------------------------------------------------------- prices

_PRICE_LOCK = threading.Lock()
_PRICE: dict[str, tuple[re.Pattern[str], re.Pattern[str], frozenset[str]]] = {}


def _word_pattern(words: Iterable[str]) -> re.Pattern[str]:
    # An English entry ("cost", "how much") stands as a whole word; a Chinese one or a
    # symbol ("多少钱", "€") may stand anywhere, "€44" and "44欧元" included.
    parts = []
    for word in sorted({w.strip().lower() for w in words if w.strip()}, key=len, reverse=True):
        body = r"\s+".join(re.escape(p) for p in word.split())
        if re.fullmatch(r"[a-z ]+", word):
            body = rf"(?<![a-z0-9]){body}(?![a-z0-9])"
        parts.append(body)
    return re.compile("|".join(parts) or r"(?!)")


def _price_patterns() -> tuple[re.Pattern[str], re.Pattern[str], frozenset[str]]:
    """(question words, amount words, the question words' tokens) of
    ``content/answers.toml`` ``[price]`` in every language: an English question may search
    the Chinese library (e5 is multilingual)."""
    from brainlab.content import load_toml

    key = "all"
    with _PRICE_LOCK:
        cached = _PRICE.get(key)
        if cached is None:
            asks: list[str] = []
            amounts: list[str] = []
            for language in LANGUAGES:
                words = load_toml("answers.toml", language=language).get("price", {})
                asks += re.split(r"[,，]", str(words.get("question_words", "")))
                amounts += re.split(r"[,，]", str(words.get("amount_words", "")))
            tokens = frozenset(
                t for w in asks for language in LANGUAGES for t in tokenize(w, language)
            )
            cached = _PRICE[key] = (_word_pattern(asks), _word_pattern(amounts), tokens)
        return cached


def asks_price(question: str) -> bool:
    """Whether ``question`` asks a price or a cost ("How much…", "What does it cost?",
    "多少钱"), by the words of ``content/answers.toml`` ``[price]``."""
    return bool(_price_patterns()[0].search(question.lower()))


def carries_amount(sentence: str) -> bool:
    """Whether ``sentence`` states an amount of money: a figure and an amount word
    ("Price: 44 euros.", "售价 44 欧元"). "1.7 litre" is a figure, not an amount."""
    lowered = sentence.lower()
    return bool(re.search(r"\d", lowered)) and bool(_price_patterns()[1].search(lowered))


# --------------------------------------------------------------------------- the retriever


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk. ``text`` is the chunk's text; ``score`` the method's score
    (dense: cosine; lexical: BM25; hybrid: the reciprocal-rank-fusion score, see
    :func:`rrf_scores`); ``rank`` starts at 1.

    ``similarity`` is always the cosine similarity of question and chunk in the full
    384-dimensional space (``None`` for a hit made by hand); ``sentence`` the chunk's
    sentence that best matches the question.
    """

    doc_id: str
    text: str
    score: float
    rank: int
    title: str = ""
    updated: str = ""
    topic: str = ""
    chunk_index: int = 0
    similarity: float | None = None
    sentence: str = ""
    method: str = "dense"


def rank_positions(scores: np.ndarray, *, positive_only: bool = False) -> np.ndarray:
    """Each item's 1-based rank by ``scores``, best first (ties keep their order).

    With ``positive_only``, items scoring 0 or less are in no ranking: rank ``inf``.
    """
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=float)
    ranks[order] = np.arange(1, len(scores) + 1)
    if positive_only:
        ranks[scores <= 0] = np.inf
    return ranks


def rrf_scores(dense: np.ndarray, lexical: np.ndarray, k: int = RRF_K) -> np.ndarray:
    """Reciprocal rank fusion of a dense and a lexical score array over the same chunks.

    ``sum over rankings of 1 / (k + rank)``: every chunk is in the dense ranking; only the
    chunks sharing a word with the question (BM25 > 0) are in the lexical one, so BM25
    cannot promote a chunk it does not match at all. The result lies in ``(0, 2 / (k + 1)]``.
    """
    fused = 1.0 / (k + rank_positions(dense))
    fused += 1.0 / (k + rank_positions(lexical, positive_only=True))
    return fused


class Retriever:
    """A vector index and a BM25 index over the chunks of a library, updated in place.

    Parameters
    ----------
    docs
        The library.
    encoder
        Turns texts into unit-length rows; ``None`` loads the shared encoder of
        ``language``. An encoder with ``encode_query`` (e5) embeds questions with it.
    chunk_size, chunk_overlap
        Chunking in words, or characters in Chinese (``0 <= overlap < size``); ``None``
        takes :func:`default_chunking` of ``language``.
    language
        ``"en"`` or ``"zh"``: how words, chunks and sentences are found, and which
        encoder is the default.
    """

    def __init__(
        self,
        docs: Iterable[Doc],
        *,
        encoder: Encoder | None = None,
        chunk_size: int | None = None,
        chunk_overlap: int | None = None,
        language: str = "en",
        progress: Progress | None = None,
    ) -> None:
        check_language(language)
        size, overlap = default_chunking(language)
        chunk_size = size if chunk_size is None else chunk_size
        chunk_overlap = overlap if chunk_overlap is None else chunk_overlap
        check_chunking(chunk_size, chunk_overlap)
        if encoder is None:
            from brainlab.embeddings import shared_encoder

            encoder = shared_encoder(language)
        self.encoder = encoder
        self.language = language
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.docs: dict[str, Doc] = {}
        self.chunks: list[Chunk] = []
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self._tokens: list[list[str]] = []
        self._bm25: BM25Okapi | None = None
        self._queries: dict[str, np.ndarray] = {}
        self._sent_spans: dict[str, list[tuple[int, int]]] = {}
        self._sent_vecs: dict[str, np.ndarray | None] = {}
        docs = list(docs)
        seen: set[str] = set()
        for doc in docs:
            if doc.id in seen:
                raise LibraryError(f"two documents share the id {doc.id!r}")
            seen.add(doc.id)
        self._insert(docs, progress)

    # ---------------------------------------------------------------- index upkeep

    def _chunk_input(self, chunk: Chunk) -> str:
        # The title goes in front of the chunk: a chunk from the middle of a document
        # still says which product or policy it is about.
        return f"{self.docs[chunk.doc_id].title}{self._title_end} {chunk.text}"

    @property
    def _title_end(self) -> str:
        return "。" if self.language == "zh" else "."

    def _encode(self, texts: list[str], progress: Progress | None) -> np.ndarray | None:
        # In batches: the model's lock is free between two of them (another session's
        # query waits one batch, not the whole library), and progress/cancel is honoured.
        if not texts:
            return None
        parts = []
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start : start + EMBED_BATCH]
            parts.append(np.asarray(self.encoder.encode(batch), dtype=np.float32))
            if progress is not None and progress(start + len(batch), len(texts)) is False:
                raise BuildCancelled("building the index was cancelled")
        return np.vstack(parts)

    def _insert(self, docs: Sequence[Doc], progress: Progress | None = None) -> None:
        new = [
            c
            for d in docs
            for c in chunk_doc(d, self.chunk_size, self.chunk_overlap, self.language)
        ]
        spans = {d.id: split_sentences(d.text) for d in docs}
        # Each sentence is embedded with its document's title, as chunks are: "Price: 44
        # euros." alone says nothing about which product it prices.
        sentences = [
            f"{d.title}{self._title_end} {d.text[s:e]}" for d in docs for s, e in spans[d.id]
        ]
        # One encoder call per change: the new chunks and the new documents' sentences
        # (sentences let a hit show its best-matching sentence without a model call).
        titles = {d.id: d.title for d in docs}
        texts = [f"{titles[c.doc_id]}{self._title_end} {c.text}" for c in new] + sentences
        # Embedded before anything changes: a cancelled build leaves the index as it was.
        rows = self._encode(texts, progress)
        for doc in docs:
            self.docs[doc.id] = doc
        if new and rows is not None:
            block = rows[: len(new)]
            self.matrix = block if not self.matrix.size else np.vstack([self.matrix, block])
        at = len(new)
        for d in docs:
            n = len(spans[d.id])
            self._sent_spans[d.id] = spans[d.id]
            self._sent_vecs[d.id] = rows[at : at + n] if rows is not None and n else None
            at += n
        self.chunks.extend(new)
        self._tokens.extend(tokenize(self._chunk_input(c), self.language) for c in new)
        self._bm25 = None

    def _delete(self, doc_id: str) -> None:
        keep = [i for i, c in enumerate(self.chunks) if c.doc_id != doc_id]
        self.chunks = [self.chunks[i] for i in keep]
        self._tokens = [self._tokens[i] for i in keep]
        if self.matrix.size:
            self.matrix = self.matrix[keep]
        del self.docs[doc_id]
        self._sent_spans.pop(doc_id, None)
        self._sent_vecs.pop(doc_id, None)
        self._bm25 = None

    def add(self, doc: Doc) -> None:
        """Add one document, embedding only its chunks.

        Raises
        ------
        LibraryError
            If a document with the same id is already in the library.
        """
        if doc.id in self.docs:
            raise LibraryError(f"a document with id {doc.id!r} is already in the library")
        self._insert([doc])

    def update(self, doc: Doc) -> None:
        """Replace the document with ``doc.id``, embedding only the new version's chunks."""
        if doc.id not in self.docs:
            raise LibraryError(f"no document with id {doc.id!r} to update")
        self._delete(doc.id)
        self._insert([doc])

    def remove(self, doc_id: str) -> None:
        """Remove a document and its chunks (no embedding at all)."""
        if doc_id not in self.docs:
            raise LibraryError(f"no document with id {doc_id!r} to remove")
        self._delete(doc_id)

    def _lexical_index(self) -> BM25Okapi | None:
        # rank-bm25 has no incremental update; rebuilding its word statistics for a few
        # hundred chunks takes well under a millisecond, and no embedding is involved.
        if self._bm25 is None and self._tokens:
            # An empty token list would make rank-bm25 divide by zero in its averages.
            self._bm25 = BM25Okapi([t or ["\x00"] for t in self._tokens])
        return self._bm25

    # ---------------------------------------------------------------- scoring

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding (the last few are remembered)."""
        vec = self._queries.get(query)
        if vec is None:
            # A lone surrogate or a NUL (from a link or a caller) would break the model's
            # tokenizer: they count as spaces here.
            embed = getattr(self.encoder, "encode_query", None) or self.encoder.encode
            vec = np.asarray(embed([clean_text(query)])[0], dtype=np.float32)
            if len(self._queries) > 32:
                self._queries.pop(next(iter(self._queries)))
            self._queries[query] = vec
        return vec

    def similarities(self, query: str) -> np.ndarray:
        """Cosine similarity of ``query`` to every chunk, in the full embedding space."""
        if not self.chunks:
            return np.zeros(0, dtype=np.float32)
        return self.matrix @ self.query_vector(query)

    def lexical_scores(self, query: str) -> np.ndarray:
        """BM25 score of ``query`` against every chunk (0 when no word is shared)."""
        index = self._lexical_index()
        terms = tokenize(query, self.language)
        if index is None or not terms:
            return np.zeros(len(self.chunks))
        return np.asarray(index.get_scores(terms), dtype=float)

    def scores(self, query: str, method: str = "dense") -> np.ndarray:
        """Every chunk's score under ``method`` (see :class:`Hit`)."""
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {method!r}")
        if method == "dense":
            return self.similarities(query).astype(float)
        lexical = self.lexical_scores(query)
        if method == "lexical":
            return lexical
        return rrf_scores(self.similarities(query).astype(float), lexical)

    def search(self, query: str, k: int = 3, method: str = "dense") -> list[Hit]:
        """The ``k`` best chunks for ``query``, best first.

        Lexical search returns only chunks that share at least one word with the query, so
        it may return fewer than ``k``. Ties keep library order.
        """
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {method!r}")
        k = max(1, int(k))
        if not query.strip() or not self.chunks:
            return []
        scores = self.scores(query, method)
        sims = self.similarities(query)
        if method == "hybrid":
            # Equal fused scores (a chunk first in one ranking and second in the other
            # against the reverse) go to the closer meaning.
            order = np.lexsort((-sims, -scores))
        else:
            order = np.argsort(-scores, kind="stable")
        if method == "lexical":
            order = [i for i in order if scores[i] > 0]
        hits = []
        for rank, i in enumerate(order[:k], start=1):
            chunk = self.chunks[i]
            doc = self.docs[chunk.doc_id]
            hits.append(
                Hit(
                    doc_id=chunk.doc_id,
                    text=chunk.text,
                    score=float(scores[i]),
                    rank=rank,
                    title=doc.title,
                    updated=doc.updated,
                    topic=doc.topic,
                    chunk_index=chunk.index,
                    similarity=float(sims[i]),
                    sentence=self.best_sentence(query, chunk),
                    method=method,
                )
            )
        return hits

    def best_sentence(self, query: str, chunk: Chunk) -> str:
        """The part of ``chunk`` that is the sentence closest in meaning to ``query``
        (cosine), plus a small bonus for the share of the query's words it holds, and
        :data:`PRICE_BONUS` for a sentence carrying an amount when the query asks a price;
        ties go to the earlier sentence. A sentence cut by the chunk's edge is clipped to the
        chunk."""
        doc = self.docs[chunk.doc_id]
        spans = self._sent_spans.get(chunk.doc_id, [])
        vecs = self._sent_vecs.get(chunk.doc_id)
        qvec = self.query_vector(query)
        terms = set(tokenize(query, self.language))
        price = asks_price(query)
        # "cost" in "A spare battery costs 59 euros." is not the V900's price: for a price
        # question the amount counts (PRICE_BONUS), the asking words do not (they still
        # count in the share's denominator, so the product's name weighs as before).
        counted = terms - _price_patterns()[2] if price else terms
        best, best_score = "", -math.inf
        for j, (s, e) in enumerate(spans):
            s, e = max(s, chunk.start), min(e, chunk.end)
            if e <= s:
                continue
            piece = doc.text[s:e].strip()
            if not piece:
                continue
            overlap = (
                len(counted & set(tokenize(piece, self.language))) / len(terms) if terms else 0.0
            )
            closeness = float(vecs[j] @ qvec) if vecs is not None else 0.0
            score = closeness + SENTENCE_WORD_BONUS * overlap
            if price and carries_amount(piece):
                score += PRICE_BONUS
            if score > best_score + 1e-9:
                best, best_score = piece, score
        return best

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """The chunks of one document, in order."""
        return [c for c in self.chunks if c.doc_id == doc_id]


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class EvalQuestion:
    """One labelled question of the evaluation set: ``doc`` is the id that answers it."""

    question: str
    doc: str


def load_eval_set(
    path: Path = EVAL_PATH, library: Iterable[Doc] | None = None
) -> list[EvalQuestion]:
    """The labelled questions of ``content/retrieval_eval.toml``, checked against the library.

    Raises
    ------
    LibraryError
        When the file is unreadable, a question lacks its text or doc, a question repeats,
        or a doc id is not in ``library`` (the shipped library by default).
    """
    data = _read_library_file(path)
    ids = {d.id for d in (load_library() if library is None else library)}
    out: list[EvalQuestion] = []
    for i, raw in enumerate(data.get("questions", [])):
        where = f"{path.name} questions[{i}]"
        question, doc = raw.get("question"), raw.get("doc")
        if not isinstance(question, str) or not question.strip() or not isinstance(doc, str):
            raise LibraryError(f"{where} needs a 'question' and a 'doc'")
        if doc not in ids:
            raise LibraryError(f"{where}: no document {doc!r} in the library")
        out.append(EvalQuestion(question.strip(), doc))
    if not out:
        raise LibraryError(f"{path.name}: no [[questions]]")
    if len({q.question for q in out}) != len(out):
        raise LibraryError(f"{path.name}: a question appears twice")
    return out


@dataclass(frozen=True)
class HitRate:
    """How one method does on the evaluation set.

    ``top1``: questions whose first hit is the expected document; ``top_k``: questions
    where it is among the first ``k``; ``misses``: (question, expected, first hit or "")
    for every question the first hit got wrong.
    """

    method: str
    questions: int
    top1: int
    top_k: int
    k: int
    misses: tuple[tuple[str, str, str], ...] = ()

    @property
    def top1_rate(self) -> float:
        """Share of questions answered by the first hit (0..1)."""
        return self.top1 / self.questions if self.questions else 0.0

    @property
    def top_k_rate(self) -> float:
        """Share of questions whose document is among the first ``k`` hits (0..1)."""
        return self.top_k / self.questions if self.questions else 0.0


def hit_rates(
    retriever: Retriever | None = None,
    questions: Sequence[EvalQuestion] | None = None,
    *,
    k: int = 3,
    methods: Sequence[str] = METHODS,
) -> dict[str, HitRate]:
    """Each method's hit rate on the labelled evaluation set.

    Parameters
    ----------
    retriever
        The index to search; by default one over the shipped library with the MiniLM.
    questions
        The labelled questions; by default :func:`load_eval_set` of the retriever's docs.
    k
        The cut-off of the top-k hit rate.
    methods
        The methods to score, in :data:`METHODS` by default.

    Returns
    -------
    dict of method -> HitRate
        In the order of ``methods``. A hit counts when any of the document's chunks is
        ranked there (the first hit is one chunk; the top ``k`` are ``k`` chunks).
    """
    retriever = Retriever(load_library()) if retriever is None else retriever
    if questions is None:
        questions = load_eval_set(library=retriever.docs.values())
    out = {}
    for method in methods:
        top1 = top_k = 0
        misses = []
        for q in questions:
            ids = [h.doc_id for h in retriever.search(q.question, k=k, method=method)]
            if ids and ids[0] == q.doc:
                top1 += 1
            else:
                misses.append((q.question, q.doc, ids[0] if ids else ""))
            top_k += q.doc in ids
        out[method] = HitRate(method, len(questions), top1, top_k, k, tuple(misses))
    return out


# --------------------------------------------------------------------------- prompt and answer

PROMPT_INSTRUCTIONS = (
    "You answer questions using only the numbered sources below. After each fact, cite its "
    "source number in square brackets, like [1]. If the sources do not contain the answer, "
    "say that the library does not contain it. If two sources disagree, prefer the one "
    "updated most recently."
)


def answer_words() -> dict[str, str]:
    """The words answers and prompts are written in (``content/answers.toml``, in the
    reader's language)."""
    from brainlab.content import load_toml

    return load_toml("answers.toml")


def build_prompt(question: str, hits: Sequence[Hit]) -> str:
    """The augmented prompt, exactly as an LLM would be sent it: instructions, every
    retrieved chunk with its ``[n]`` source marker, title and date, then the question."""
    w = answer_words()
    lines = [w["prompt_instructions"], "", w["sources"]]
    if not hits:
        lines.append(w["no_sources"])
    for n, hit in enumerate(hits, start=1):
        title = hit.title or hit.doc_id
        date = w["updated"].format(date=hit.updated) if hit.updated else ""
        lines += [f"[{n}] {title} ({hit.doc_id}{date})", hit.text, ""]
    if hits:
        lines.pop()
    lines += ["", w["question"].format(question=question.strip()), w["answer"]]
    return "\n".join(lines)


@dataclass(frozen=True)
class Source:
    """A citation of the grounded answer: marker ``[n]`` is the hit's place in the prompt."""

    n: int
    doc_id: str
    title: str
    updated: str
    sentence: str


@dataclass(frozen=True)
class Note:
    """A warning that goes with an answer; the view turns it into the reader's words.

    ``kind`` is one of

    - ``"other_product"``: fetched pages ``n`` are about ``names`` (another product or
      version than the question's ``asked``), so the answer leaves them out;
    - ``"no_page"``: no fetched page is about ``asked`` at all, so the answer abstains;
    - ``"conflict"``: the pages ``n`` say different things; the answer goes by the newest,
      ``chosen`` (dated ``date``), as the prompt's instruction says;
    - ``"ambiguous"``: the question names no product and the pages ``n`` are about different
      ones (``names``);
    - ``"instruction"``: the fetched pages ``n`` hold text that speaks to the model as an
      instruction (see :func:`injected_instructions`): it reaches the model with the prompt.
    """

    kind: str
    n: tuple[int, ...] = ()
    asked: str = ""
    names: tuple[str, ...] = ()
    chosen: int = 0
    date: str = ""


@dataclass(frozen=True)
class Answer:
    """A grounded answer: ``text`` with ``[n]`` citations, the ``sources`` cited, whether
    it ``abstained`` because nothing retrieved was close enough (or about the thing asked),
    and the ``notes`` that flag fetched pages about something else or that disagree."""

    text: str
    sources: tuple[Source, ...] = ()
    abstained: bool = False
    best_similarity: float | None = None
    notes: tuple[Note, ...] = ()


NOT_IN_LIBRARY = "The library does not contain this."


def _closeness(hit: Hit) -> float:
    return hit.similarity if hit.similarity is not None else hit.score


# Product and version names: letters then digits, as in "K220", "BF-K220", "TM-350", "V900"
# (hyphens dropped, so "TM-350" and "TM350" are one name). "1.7" or "2-year" are not names.
_NAME = re.compile(r"[a-z]+[0-9]+[a-z0-9]*")
# A figure stands alone: the "210" of "K210" is part of a name, not a figure.
_NUMBER = re.compile(r"(?<![A-Za-z0-9])\d+(?:[.,]\d+)*(?![A-Za-z0-9])")


def product_names(text: str) -> set[str]:
    """The product or version names ``text`` mentions, lower case, hyphens dropped.

    A code like ``"BF-K210"`` gives ``bfk210`` and ``k210``, so a question that says "K210"
    meets a page that says "BF-K210".
    """
    out = set()
    for tok in _TOKEN.findall(text.lower()):
        for part in (tok, *tok.split("-")):
            flat = part.replace("-", "").replace(".", "")
            if _NAME.fullmatch(flat):
                out.add(flat)
    return out


def _display_name(names: set[str]) -> str:
    # The shortest form reads best ("k220" rather than "bfk220"), upper case as in codes.
    return min(names, key=lambda n: (len(n), n)).upper() if names else ""


def page_names(title: str, text: str) -> set[str]:
    """The products a page is *about*: the names in its title, else the names in its text
    when that text names one product only (a catalogue listing many is about none)."""
    in_title = product_names(title)
    if in_title:
        return in_title
    in_text = product_names(text)
    return in_text if len(_canonical(in_text)) == 1 else set()


def _canonical(names: set[str]) -> set[str]:
    # "bfk210" and "k210" are one product: keep only the names that end with no other.
    return {n for n in names if not any(m != n and n.endswith(m) for m in names)}


def _hit_page_names(hit: Hit, docs: dict[str, Doc] | None) -> tuple[set[str], set[str]]:
    """(names the hit's page is about, names its page mentions anywhere)."""
    doc = docs.get(hit.doc_id) if docs else None
    title = hit.title or (doc.title if doc else "")
    text = doc.text if doc else hit.text
    return page_names(title, text), product_names(f"{title} {text}")


def _numbers(sentence: str) -> tuple[str, ...]:
    return tuple(sorted(set(_NUMBER.findall(sentence))))


def grounded_answer(
    question: str, hits: Sequence[Hit], min_score: float, *, docs: dict[str, Doc] | None = None
) -> Answer:
    """An extractive answer: the best-matching sentence of the closest hits, each with its
    citation; abstains when no hit's similarity reaches ``min_score``.

    It is honest about what it fetched, as the prompt's instructions ask of an LLM:

    - when the question names a product or version ("K220") and a close page is about
      another one ("K210"), that page is left out and a ``"other_product"`` :class:`Note`
      says so; when no fetched page is about the named product, it abstains (``"no_page"``);
    - when the quoted pages give different figures, it keeps the most recently updated one
      and says so (``"conflict"``);
    - when the question names no product and the quoted pages are about different ones, it
      says the question is ambiguous (``"ambiguous"``).

    Parameters
    ----------
    question
        The question asked.
    hits
        The retrieved chunks, in prompt order (their ``[n]`` markers).
    min_score
        The minimum cosine similarity (``Hit.similarity``, else ``Hit.score``) a hit needs
        for the answer to quote it.
    docs
        The library by id (``Retriever.docs``): a page's whole text tells what it is about
        even when the fetched chunk is only part of it. Without it, the chunk's text is used.
    """
    w = answer_words()
    if not question.strip():
        return Answer(w["ask_first"], abstained=True)
    if not hits:
        return Answer(w["not_in_library"] + " " + w["nothing_retrieved"], abstained=True)
    best = max(_closeness(h) for h in hits)
    if best < min_score:
        return Answer(
            w["not_in_library"] + " " + w["below_minimum"].format(best=best, minimum=min_score),
            abstained=True,
            best_similarity=best,
        )
    notes: list[Note] = []
    # Every fetched page goes into the prompt, quoted or not: one that speaks to the model as
    # an instruction is flagged whatever the answer quotes.
    carrying = tuple(n for n, h in enumerate(hits, start=1) if injected_instructions(h.text))
    if carrying:
        notes.append(Note("instruction", carrying))
    asked = product_names(question)
    numbered = list(enumerate(hits, start=1))
    close = [(n, h) for n, h in numbered if _closeness(h) >= min_score]
    own: list[tuple[int, Hit]] = []
    if asked:
        about = {n: _hit_page_names(h, docs)[0] for n, h in numbered}
        own = [(n, h) for n, h in close if about[n] & asked]
        # Without a page about the product, a passage that names it will do (a catalogue's
        # "Blenders: Vortex (BF-X415)."), but not a page about another product.
        named = own or [
            (n, h) for n, h in close if product_names(h.text) & asked and not about[n] - asked
        ]
        # Close pages about another product: they would have been quoted, and would have
        # answered for the wrong product.
        others = [
            n
            for n, h in numbered
            if about[n]
            and not about[n] & asked
            and _closeness(h) >= max(min_score, best - ANSWER_MARGIN)
        ]
        if others:
            names = sorted({_display_name(about[n]) for n in others})
            notes.append(Note("other_product", tuple(others), _display_name(asked), tuple(names)))
        if not named:
            notes.append(Note("no_page", asked=_display_name(asked)))
            return Answer(
                w["not_in_library"], abstained=True, best_similarity=best, notes=tuple(notes)
            )
        numbered = named
        best = max(_closeness(h) for _, h in numbered)
    numbered = sorted(
        ((n, h) for n, h in numbered if _closeness(h) >= max(min_score, best - ANSWER_MARGIN)),
        key=lambda nh: -_closeness(nh[1]),
    )
    price = asks_price(question)
    if price:
        # A price question is answered by the close pages that state an amount first: a
        # recall notice about the T110 ranks above the T110's own page, but not its price.
        numbered.sort(key=lambda nh: not carries_amount(nh[1].sentence))
    sources = _quote(question, numbered)
    if not sources:
        return Answer(w["not_in_library"], abstained=True, best_similarity=best, notes=tuple(notes))
    if price and any(carries_amount(s.sentence) for s in sources):
        sources = [s for s in sources if carries_amount(s.sentence)]
    if own:
        # Every close page about the product counts, however far below the best it ranks:
        # an older page with another price is a conflict, not noise (for a price question,
        # only pages stating an amount: "September 2024" is not a rival price).
        rivals = _quote(question, own, limit=len(own))
        if price:
            rivals = [s for s in rivals if carries_amount(s.sentence)] or rivals
        sources, more = _conflict(question, sources, rivals)
    else:
        sources, more = _settle(sources, dict(numbered), docs)
    notes += more
    text = " ".join(f"{s.sentence} [{s.n}]" for s in sources)
    return Answer(text, tuple(sources), abstained=False, best_similarity=best, notes=tuple(notes))


# --------------------------------------------------------------------------- RAG's own risks

RISKS_FILE = "rag_risks.toml"


def _injection_patterns(language: str | None = None) -> tuple[re.Pattern[str], ...]:
    from brainlab.content import load_toml

    raw = load_toml(RISKS_FILE, language=language).get("injection", {}).get("patterns", [])
    return tuple(re.compile(p, re.IGNORECASE) for p in raw)


def injected_instructions(text: str, language: str | None = None) -> list[str]:
    """The sentences of ``text`` that speak to the model as instructions ("Ignore all
    previous instructions and ..."), by the patterns of ``content/rag_risks.toml``.

    A retrieved page is data: whatever it says reaches the model inside the prompt, so a
    sentence that reads as a command to the model is a prompt injection to flag.
    """
    patterns = _injection_patterns(language)
    out = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        if any(p.search(sentence) for p in patterns):
            out.append(sentence)
    return out


@dataclass(frozen=True)
class RiskCase:
    """One case of the lab's "RAG's own risks" tab: a page planted in a copy of the
    library, the question asked of it, and what the demo must show (``expect``)."""

    id: str
    title: str
    question: str
    explain: str
    doc: Doc
    expect: str
    method: str = "dense"


@dataclass(frozen=True)
class RiskRun:
    """What the real retriever and grounded answer did with a :class:`RiskCase`."""

    case: RiskCase
    hits: tuple[Hit, ...]
    answer: Answer
    prompt: str
    planted_rank: int | None
    planted_cited: bool
    instructions: tuple[str, ...]

    @property
    def shows_the_risk(self) -> bool:
        """Whether the run shows what the case is about (its ``expect``)."""
        if self.case.expect == "cited":
            return self.planted_cited
        if self.case.expect == "fetched":
            return self.planted_rank is not None
        if self.case.expect == "flagged":
            return self.planted_rank is not None and any(
                n.kind == "instruction" for n in self.answer.notes
            )
        return False


RISK_EXPECTATIONS = ("cited", "fetched", "flagged")


def risk_cases(language: str | None = None) -> list[RiskCase]:
    """The cases of ``content/rag_risks.toml`` in ``language``.

    Raises
    ------
    ContentError
        Naming the file, when a case lacks a field or expects something unknown.
    """
    from brainlab.content import CONTENT_DIR, ContentError, load_toml

    out = []
    for i, raw in enumerate(load_toml(RISKS_FILE, language=language).get("cases", [])):
        where = f"cases[{i}]"
        missing = [k for k in ("id", "title", "question", "explain", "expect") if not raw.get(k)]
        if missing or not isinstance(raw.get("doc"), dict):
            raise ContentError(CONTENT_DIR / RISKS_FILE, f"{where} is missing {missing or 'doc'}")
        if raw.get("method", "dense") not in METHODS:
            raise ContentError(
                CONTENT_DIR / RISKS_FILE, f"{where}: method must be one of {', '.join(METHODS)}"
            )
        if raw["expect"] not in RISK_EXPECTATIONS:
            raise ContentError(
                CONTENT_DIR / RISKS_FILE,
                f"{where}: expect must be one of {', '.join(RISK_EXPECTATIONS)}",
            )
        out.append(
            RiskCase(
                id=str(raw["id"]),
                title=str(raw["title"]),
                question=str(raw["question"]),
                explain=str(raw["explain"]),
                doc=_doc_from_raw(raw["doc"], f"{where}.doc"),
                expect=str(raw["expect"]),
                method=str(raw.get("method", "dense")),
            )
        )
    return out


def run_risk_case(
    case: RiskCase,
    library: Sequence[Doc],
    *,
    encoder: Encoder | None = None,
    language: str = "en",
    k: int = 3,
    min_score: float = 0.3,
    method: str | None = None,
    chunk_size: int | None = None,
    chunk_overlap: int | None = None,
) -> RiskRun:
    """Plant ``case.doc`` in a copy of ``library`` (``library`` itself is not changed), ask
    ``case.question`` with the real retriever (by ``method``, else the case's), and answer
    as the lab does."""
    docs = [d for d in library if d.id != case.doc.id] + [case.doc]
    r = Retriever(
        docs,
        encoder=encoder,
        language=language,
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
    )
    hits = r.search(case.question, k, method or case.method)
    answer = grounded_answer(case.question, hits, min_score, docs=r.docs)
    ranks = [n for n, h in enumerate(hits, start=1) if h.doc_id == case.doc.id]
    lines = tuple(
        line for h in hits if h.doc_id == case.doc.id for line in injected_instructions(h.text)
    )
    return RiskRun(
        case=case,
        hits=tuple(hits),
        answer=answer,
        prompt=build_prompt(case.question, hits),
        planted_rank=ranks[0] if ranks else None,
        planted_cited=any(s.doc_id == case.doc.id for s in answer.sources),
        instructions=lines,
    )


def _quote(
    question: str, numbered: Sequence[tuple[int, Hit]], limit: int = ANSWER_SENTENCES
) -> list[Source]:
    """The best sentence of each hit, in the given order, without repeats, at most ``limit``."""
    sources: list[Source] = []
    seen: set[str] = set()
    for n, hit in numbered:
        sentence = hit.sentence or _overlap_sentence(question, hit.text)
        if not sentence or sentence in seen:
            continue
        seen.add(sentence)
        sources.append(Source(n, hit.doc_id, hit.title or hit.doc_id, hit.updated, sentence))
        if len(sources) == limit:
            break
    return sources


def _conflict(
    question: str, sources: list[Source], rivals: list[Source]
) -> tuple[list[Source], list[Note]]:
    """Pages about the same product whose sentences give different figures: answer with the
    most recently updated one (the prompt's instruction) and say which pages disagree."""
    figured = [s for s in rivals if _numbers(s.sentence)]
    by_doc: dict[str, Source] = {}
    for s in figured:
        by_doc.setdefault(s.doc_id, s)
    if len(by_doc) < 2 or len({_numbers(s.sentence) for s in by_doc.values()}) < 2:
        return sources, []
    pages = sorted(by_doc.values(), key=lambda s: s.n)
    newest = max(pages, key=lambda s: (s.updated, -s.n))
    note = Note("conflict", tuple(s.n for s in pages), chosen=newest.n, date=newest.updated)
    return [newest], [note]


def _settle(
    sources: list[Source], hit_of: dict[int, Hit], docs: dict[str, Doc] | None
) -> tuple[list[Source], list[Note]]:
    """Two quoted pages from different documents, for a question that names no product: if
    they are about different products, flag the ambiguity; if they give different figures,
    keep the newest page's sentence and flag the conflict."""
    if len({s.doc_id for s in sources}) < 2:
        return sources, []
    about = [_hit_page_names(hit_of[s.n], docs)[0] for s in sources]
    if all(about) and len({frozenset(_canonical(a)) for a in about}) > 1:
        names = tuple(sorted({_display_name(a) for a in about}))
        return sources, [Note("ambiguous", tuple(s.n for s in sources), names=names)]
    figures = [_numbers(s.sentence) for s in sources]
    if not all(figures) or len(set(figures)) < 2:
        return sources, []
    newest = max(sources, key=lambda s: (s.updated, -s.n))
    note = Note("conflict", tuple(s.n for s in sources), chosen=newest.n, date=newest.updated)
    return [newest], [note]


def _overlap_sentence(question: str, text: str) -> str:
    terms = set(tokenize(question))
    sentences = [text[s:e] for s, e in split_sentences(text)]
    if not sentences:
        return ""
    return max(sentences, key=lambda s: len(terms & set(tokenize(s))))


# --------------------------------------------------------------------------- the fine-tuned brain


@dataclass(frozen=True)
class Recall:
    """The fine-tuned brain's answer from memory and what is wrong with it.

    ``doc_id``: the remembered page (``""`` when it remembers nothing); ``unknown``: the
    product the question names, when no page it learned mentions it (it answers anyway,
    about something else); ``stale_since``: the library's date of a newer version of what
    it remembers (or of a page about the asked product added since), ``""`` when current;
    ``other``: the product the remembered page is about, when the question named another
    (``asked``).
    """

    text: str
    doc_id: str = ""
    unknown: str = ""
    stale_since: str = ""
    other: str = ""
    asked: str = ""


@dataclass
class FineTunedBrain:
    """A stand-in for a model fine-tuned on the library as it stood on ``trained_on``.

    It "remembers" its snapshot (found by the same dense search, standing in for what the
    weights absorbed) and answers with no sources. Editing the library does not change it;
    only :meth:`retrained` does.
    """

    trained_on: str
    docs: list[Doc]
    retriever: Retriever = field(repr=False)

    @classmethod
    def train(
        cls,
        docs: Iterable[Doc],
        trained_on: str,
        *,
        encoder: Encoder | None = None,
        language: str = "en",
    ) -> FineTunedBrain:
        """Freeze ``docs`` as the brain's memory on ``trained_on``."""
        docs = list(docs)
        return cls(trained_on, docs, Retriever(docs, encoder=encoder, language=language))

    def answer(self, question: str, min_score: float) -> str:
        """The brain's answer from memory: one remembered sentence, no citation."""
        return self.recall(question, min_score).text

    def recall(
        self, question: str, min_score: float, *, library: Iterable[Doc] | None = None
    ) -> Recall:
        """The brain's answer from memory, and what is wrong with it.

        Like a fine-tuned model it always answers as if it knew, with no sources. Among the
        few things it remembers best it prefers one about the product the question names.
        Given today's ``library``, the :class:`Recall` also says whether the question's
        product was in none of the pages it learned (``unknown``) and whether the page it
        remembers has changed since (``stale_since``: the page's date in the library, or
        the date a page about the asked product was added).
        """
        w = answer_words()
        if not question.strip():
            return Recall(w["ask_first"])
        hits = self.retriever.search(question, k=5, method="dense")
        if not hits or _closeness(hits[0]) < min_score:
            return Recall(w["brain_blank"])
        asked = product_names(question)
        docs = self.retriever.docs
        pick, other = hits[0], ""
        if asked:
            close = [h for h in hits if _closeness(h) >= min_score]
            about = {id(h): _hit_page_names(h, docs)[0] for h in close}
            own = [h for h in close if about[id(h)] & asked]
            named = [h for h in close if product_names(h.text) & asked]
            pick = (own or named or [pick])[0]
            pick_about = _hit_page_names(pick, docs)[0]
            if pick_about and not pick_about & asked:
                other = _display_name(pick_about)
        known = any(asked & product_names(f"{d.title} {d.text}") for d in self.docs)
        unknown = _display_name(asked) if asked and not known else ""
        stale = ""
        if library is not None:
            today = {d.id: d for d in library}
            now = today.get(pick.doc_id)
            if now is not None and now != docs.get(pick.doc_id):
                stale = now.updated or "?"
            elif unknown:
                added = [d for d in today.values() if page_names(d.title, d.text) & asked]
                stale = max((d.updated or "?" for d in added), default="")
        return Recall(
            pick.sentence or pick.text, pick.doc_id, unknown, stale, other, _display_name(asked)
        )

    def knows(self, doc: Doc) -> bool:
        """Whether this exact version of ``doc`` is in the brain's memory."""
        return any(d == doc for d in self.docs)


@dataclass(frozen=True)
class RetrainCost:
    """What one retraining run costs, from the cost model's assumptions."""

    tokens: float
    epochs: float
    price_per_million: float
    tokens_per_hour: float

    @property
    def dollars(self) -> float:
        """training_tokens × epochs × price per 1M tokens / 1,000,000."""
        return self.tokens * self.epochs * self.price_per_million / 1_000_000

    @property
    def hours(self) -> float:
        """Simulated GPU-hours: tokens processed (tokens × epochs) / throughput."""
        return self.tokens * self.epochs / self.tokens_per_hour


# --------------------------------------------------------------------------- editing and JSON


#: Characters no library text may hold: lone surrogates (half of a UTF-16 pair; they cannot
#: be encoded, so the model and the page would fail on them) and control characters such
#: as NUL, other than tab and newlines.
_INVALID_CHARS = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def invalid_text(text: str) -> str:
    """Why ``text`` cannot be library text (a lone surrogate or a control character such as
    NUL), or ``""`` when it can."""
    bad = _INVALID_CHARS.search(text)
    if bad is None:
        return ""
    char = bad.group()
    what = _error("half_pair" if "\ud800" <= char <= "\udfff" else "control_char")
    return _error("invalid_char", code=f"{ord(char):04X}", what=what, at=bad.start())


def clean_text(text: str) -> str:
    """``text`` with every character :func:`invalid_text` refuses replaced by a space."""
    return _INVALID_CHARS.sub(" ", text)


def _valid_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def validate_doc(title: str, text: str, *, updated: str = "", topic: str = "") -> list[str]:
    """Problems with a document a user typed; empty when it can go in the library."""
    problems = []
    for name, value in (("title", title), ("text", text), ("topic", topic), ("date", updated)):
        why = invalid_text(value)
        if why:
            problems.append(_error("field_invalid", name=_error_words()["fields"][name], why=why))
    if problems:
        return problems
    if not title.strip():
        problems.append(_error("title_required"))
    elif len(title) > MAX_TITLE_CHARS:
        problems.append(_error("title_too_long", n=len(title), max=MAX_TITLE_CHARS))
    if not text.strip():
        problems.append(_error("text_required"))
    elif len(text) > MAX_TEXT_CHARS:
        problems.append(_error("text_too_long", n=len(text), max=MAX_TEXT_CHARS))
    if updated and not _valid_date(updated):
        problems.append(_error("bad_date", value=repr(updated[:40])))
    return problems


def new_doc_id(title: str, existing: Iterable[str]) -> str:
    """A short unique id made from ``title`` (``"my-title"``, ``"my-title-2"``, ...)."""
    base = "-".join(re.findall(r"[a-z0-9]+", title.lower()))[:40].strip("-") or "doc"
    taken = set(existing)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def embedding_work(docs: Iterable[Doc], chunk_size: int, chunk_overlap: int) -> int:
    """How many texts building an index of ``docs`` embeds: its chunks and its sentences."""
    return sum(
        len(chunk_spans(d.text, chunk_size, chunk_overlap)) + len(split_sentences(d.text))
        for d in docs
    )


def check_import_work(docs: Sequence[Doc], chunk_size: int, chunk_overlap: int) -> None:
    """Refuse a library whose index would take more than :data:`MAX_IMPORT_TEXTS` texts.

    Raises
    ------
    LibraryError
        Saying how much work the file asks for and what the limit is.
    """
    work = embedding_work(docs, chunk_size, chunk_overlap)
    if work > MAX_IMPORT_TEXTS:
        raise LibraryError(
            f"Indexing this library would embed {work:,} pieces of text (chunks and "
            f"sentences); one import may embed at most {MAX_IMPORT_TEXTS:,}. Use fewer or "
            "shorter documents, or larger chunks."
        )


def library_to_json(docs: Iterable[Doc]) -> str:
    """The library as a JSON file a user can keep and import again."""
    payload = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "docs": [asdict(d) for d in docs],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


def _reject_constant(name: str) -> Any:
    raise LibraryError(_error("json_constant", name=name))


def _parse_int(digits: str) -> int:
    # Python refuses to turn more than 4,300 digits into an int (a ValueError that is not a
    # JSONDecodeError); no library needs a number anywhere near that long.
    if len(digits.lstrip("-")) > 100:
        raise LibraryError(_error("json_long_number", n=len(digits)))
    return int(digits)


def library_from_json(text: str | bytes) -> list[Doc]:
    """Parse and validate a library exported by :func:`library_to_json`.

    Raises
    ------
    LibraryError
        With a message a user can act on: not JSON, wrong shape, a document missing a
        field, a text too long, duplicate ids, too many documents.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise LibraryError(_error("json_not_utf8")) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise LibraryError(
            _error("json_invalid", line=exc.lineno, column=exc.colno, msg=exc.msg)
        ) from None
    except RecursionError:
        raise LibraryError(_error("json_too_deep")) from None
    if isinstance(data, dict):
        if data.get("format", JSON_FORMAT) != JSON_FORMAT:
            raise LibraryError(_error("json_format", format=repr(data.get("format"))))
        raw_docs = data.get("docs")
    else:
        raw_docs = data
    if not isinstance(raw_docs, list):
        raise LibraryError(_error("json_no_list"))
    if not raw_docs:
        raise LibraryError(_error("json_empty"))
    if len(raw_docs) > MAX_DOCS:
        raise LibraryError(_error("json_too_many", n=len(raw_docs), max=MAX_DOCS))
    docs, seen = [], set()
    for i, raw in enumerate(raw_docs, start=1):
        if not isinstance(raw, dict):
            raise LibraryError(_error("json_not_object", i=i))
        bad = [k for k in ("id", "title", "text") if not isinstance(raw.get(k), str)]
        if bad:
            raise LibraryError(_error("json_fields", i=i, fields=", ".join(bad)))
        for k in ("topic", "updated"):
            if not isinstance(raw.get(k, ""), str):
                raise LibraryError(_error("json_field_text", i=i, field=k))
        doc_id = raw["id"].strip()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}", doc_id):
            raise LibraryError(_error("json_bad_id", i=i, id=repr(doc_id[:40])))
        if doc_id in seen:
            raise LibraryError(_error("json_duplicate", i=i, id=repr(doc_id)))
        seen.add(doc_id)
        problems = validate_doc(
            raw["title"], raw["text"], updated=raw.get("updated", ""), topic=raw.get("topic", "")
        )
        if problems:
            raise LibraryError(
                _error("json_doc_problems", i=i, id=doc_id, problems=" ".join(problems))
            )
        docs.append(
            Doc(doc_id, raw["title"], raw["text"], raw.get("topic", ""), raw.get("updated", ""))
        )
    return docs


# --------------------------------------------------------------------------- the map


def pca_2d(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A deterministic 2-D PCA of the rows of ``matrix``.

    Returns
    -------
    mean, components
        ``components`` is ``(2, d)``; each axis's sign is fixed so that its largest
        coefficient is positive, so the same data always gives the same picture.
    """
    mean = matrix.mean(axis=0)
    centred = matrix - mean
    if matrix.shape[0] < 2:
        comps = np.zeros((2, matrix.shape[1]), dtype=float)
        comps[0, 0] = 1.0
        if matrix.shape[1] > 1:
            comps[1, 1] = 1.0
        return mean, comps
    _, _, vt = np.linalg.svd(centred.astype(np.float64), full_matrices=False)
    comps = vt[:2].copy()
    if comps.shape[0] < 2:
        comps = np.vstack([comps, np.zeros_like(comps[0])])
    for row in comps:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    return mean, comps


def project(vectors: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Coordinates of ``vectors`` on the PCA axes of :func:`pca_2d`."""
    return (np.atleast_2d(vectors) - mean) @ components.T


# --------------------------------------------------------------------------- optional LLM


def ask_endpoint(
    base_url: str, model: str, prompt: str, *, api_key: str = "", timeout: float = 60
) -> str:
    """Send ``prompt`` to an OpenAI-compatible ``/chat/completions`` endpoint the server's
    operator allowed (:mod:`brainlab.endpoint`: off unless ``BRAINLAB_LLM_HOSTS`` is set;
    loopback or listed hosts only; no redirects); return the reply's text.

    Raises
    ------
    LibraryError
        Not allowed (saying why), or one message for any failure to get an answer.
    """
    from brainlab import endpoint

    try:
        return endpoint.ask(base_url, model, prompt, api_key=api_key, timeout=timeout)
    except endpoint.EndpointError as exc:
        raise LibraryError(str(exc)) from None
