"""Load and validate everything under ``content/``: lesson text, the glossary, the page list.

All words the app shows live in files a teacher can edit without touching Python:

- ``content/site.toml``: the pages in menu order, with title, icon and required sections;
- ``content/pages/<slug>.md``: one lesson per page, Markdown with TOML front matter
  between ``+++`` lines, sections opened by ``## Heading {#section-id}``;
- ``content/glossary.toml``: every term in both vocabularies (the analogy and the
  technical word);
- other TOML data files that the labs read through :func:`load_toml`.

Lesson text may say ``{{fine_tuning}}`` (or ``{{Fine_tuning}}`` at the start of a sentence);
:func:`render` puts in the word of the vocabulary the reader chose. Strings are read at
render time, never frozen into module constants, so a second language can come later.

Every error names the file it comes from (:class:`ContentError`).
"""

from __future__ import annotations

import re
import stat
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Where the shipped content lives.
CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

#: The two vocabularies every term has.
VOCABULARIES: tuple[str, ...] = ("analogy", "technical")

#: The languages content is written in. English is ``content/``; every other language
#: mirrors it under ``content/<language>/`` (same file names, same keys). A file not yet
#: translated is read from ``content/`` (see :func:`translated`).
LANGUAGES: tuple[str, ...] = ("en", "zh")
DEFAULT_LANGUAGE = "en"

_CURRENT = threading.local()
#: Where the app keeps the reader's language (set by brainlab.ui.context): asked first, so
#: a fragment's rerun, which does not go through the frame, reads the same language.
_PROVIDER: list[Callable[[], str | None]] = []


def set_language(language: str) -> None:
    """Make ``language`` the one this thread's content is read in (the frame calls it once
    per rerun from the reader's :class:`~brainlab.words.Words`)."""
    check_language(language)
    _CURRENT.language = language


def set_language_provider(provider: Callable[[], str | None]) -> None:
    """Ask ``provider`` for the current language first (``None``: no opinion)."""
    _PROVIDER[:] = [provider]


def current_language() -> str:
    """The language content is read in now: the app's session's, else this thread's
    (:func:`set_language`), else English."""
    for provider in _PROVIDER:
        value = provider()
        if value in LANGUAGES:
            return value
    return getattr(_CURRENT, "language", DEFAULT_LANGUAGE)


def check_language(language: str) -> None:
    """Raise :class:`ValueError` unless ``language`` is one of :data:`LANGUAGES`."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")


def language_root(language: str | None = None, root: Path | None = None) -> Path:
    """Where ``language``'s content lives: ``content/`` for English, ``content/zh/`` ..."""
    language = current_language() if language is None else language
    check_language(language)
    base = CONTENT_DIR if root is None else root
    return base if language == DEFAULT_LANGUAGE else base / language


def _localised(relative: str, language: str | None, root: Path | None) -> Path:
    """``relative`` in ``language``'s folder when translated there, else the English file."""
    path = language_root(language, root) / relative
    return path if _file_state(path)[0] else (CONTENT_DIR if root is None else root) / relative


def translated(relative: str, language: str | None = None, root: Path | None = None) -> bool:
    """Whether ``content/<relative>`` exists in ``language`` (English always does)."""
    language = current_language() if language is None else language
    return language == DEFAULT_LANGUAGE or _file_state(language_root(language, root) / relative)[0]


# A lab's rerun reads about 40 content files some 190 times, and each read asked the disk
# whether its file exists and when it changed (680 stat calls, ~90 ms here). The app calls
# begin_rerun() at the start of every rerun: from then on this thread asks about each file
# once, for at most _MEMO_SECONDS (a fragment's reruns keep the memo that long), so a
# teacher's edit shows at the next rerun. Without begin_rerun (scripts, tests) every read
# asks the disk, as before.
_MEMO = threading.local()
_MEMO_SECONDS = 2.0


def begin_rerun() -> None:
    """Start this thread's memo of content files' states (see above)."""
    _MEMO.files = {}
    _MEMO.started = time.monotonic()


def _file_state(path: Path) -> tuple[bool, int]:
    """Whether ``path`` is a file, and its modification time (ns; 0 if none)."""
    files: dict[Path, tuple[bool, int]] | None = getattr(_MEMO, "files", None)
    if files is not None and time.monotonic() - _MEMO.started > _MEMO_SECONDS:
        files.clear()
        _MEMO.started = time.monotonic()
    if files is not None and path in files:
        return files[path]
    try:
        info = path.stat()
        state = (stat.S_ISREG(info.st_mode), info.st_mtime_ns)
    except (OSError, ValueError):
        state = (False, 0)
    if files is not None:
        files[path] = state
    return state


_FRONT = "+++"
_SECTION = re.compile(r"^##\s+(?P<heading>.*?)\s*\{#(?P<id>[a-z0-9_-]+)\}\s*$")
_TERM = re.compile(r"\{\{\s*(?P<key>[A-Za-z][A-Za-z0-9_]*)\s*\}\}")
# An article written before a term whose words bring their own ("the the super library").
_ARTICLE_TERM = re.compile(r"\b(?:a|an|the)\s+\{\{\s*(?P<key>[A-Za-z][A-Za-z0-9_]*)\s*\}\}", re.I)
_ARTICLE = re.compile(r"^(?:a|an|the)\s", re.I)


class ContentError(ValueError):
    """A content file is missing, malformed or inconsistent. The message names the file."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{_display(self.path)}: {message}")


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(CONTENT_DIR.parent))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Link:
    """A link onward to another page of the app (``page`` is its slug)."""

    page: str
    label: str
    help: str = ""


@dataclass(frozen=True)
class Section:
    """One ``## Heading {#id}`` block of a lesson."""

    id: str
    heading: str
    body: str


@dataclass(frozen=True)
class Step:
    """One step of a lesson: one screen's worth of text, the control to touch, what to notice.

    ``more`` names the lesson sections shown behind "Read more" for this step.
    """

    id: str
    title: str
    text: str
    touch: str = ""
    notice: str = ""
    more: tuple[str, ...] = ()


#: A step's text fits one screen: at most this many words (``touch`` and ``notice`` apart).
STEP_MAX_WORDS = 60
#: ``touch`` and ``notice`` are one short line each.
STEP_LINE_MAX_WORDS = 25


@dataclass(frozen=True)
class Lesson:
    """A parsed lesson file: front matter, sections in order, onward links."""

    slug: str
    path: Path
    meta: dict[str, Any]
    sections: dict[str, Section]
    links: tuple[Link, ...] = ()
    steps: tuple[Step, ...] = ()

    def section(self, section_id: str) -> Section:
        """Return one section, or raise :class:`ContentError` naming the file and the id."""
        try:
            return self.sections[section_id]
        except KeyError:
            raise ContentError(
                self.path, f"has no section {{#{section_id}}} (has: {', '.join(self.sections)})"
            ) from None


@dataclass(frozen=True)
class PageSpec:
    """One page of the app as ``content/site.toml`` registers it."""

    slug: str
    script: str
    title: str
    icon: str
    url_path: str
    help: str
    sections: tuple[str, ...] = field(default_factory=tuple)
    #: Whether the page ends with a checkpoint quiz (every lesson does; References does not).
    quiz: bool = True


@dataclass(frozen=True)
class Term:
    """A glossary entry: the same idea in the analogy's words and in the technical words."""

    key: str
    analogy: str
    technical: str
    definition: str

    def word(self, vocab: str) -> str:
        """The term in ``vocab`` ("analogy" or "technical")."""
        if vocab not in VOCABULARIES:
            raise ValueError(f"unknown vocabulary {vocab!r}; expected one of {VOCABULARIES}")
        return self.analogy if vocab == "analogy" else self.technical


# --------------------------------------------------------------------------- file reading


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise ContentError(path, "file not found")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"is not UTF-8 text ({exc.reason})") from None


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, f"is not valid TOML: {exc}") from None


@lru_cache(maxsize=256)
def _cached_toml(path: Path, _mtime_ns: int) -> dict[str, Any]:
    return _parse_toml(_read_text(path), path)


def load_toml(
    name: str, root: Path | None = None, *, language: str | None = None
) -> dict[str, Any]:
    """Read ``content/<name>`` as TOML (cached until the file changes), in ``language``
    (the thread's current language by default; English when not translated yet).

    Raises
    ------
    ContentError
        Naming the file, when it is missing or not valid TOML.
    """
    path = _localised(name, language, root)
    exists, modified = _file_state(path)
    if not exists:
        raise ContentError(path, "file not found")
    return _cached_toml(path, modified)


#: A Chinese character or full-width punctuation mark (CJK symbols, ideographs, full-width
#: forms): where a paragraph's line break falls between two of them it is no space.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_CJK_END = re.compile(rf"[{_CJK}]$")
_CJK_START = re.compile(rf"[ \t]*([{_CJK}]|\{{\{{)")


def join_cjk_lines(text: str) -> str:
    """``text`` with the line breaks inside Chinese paragraphs removed.

    Markdown turns a line break inside a paragraph into a space, which reads as a stray gap
    between two Chinese characters (English words need it; Chinese has none). A break stays
    where the line before is a heading or the next one starts a list, a table or a new block
    (those start with ASCII markers, so they never match)."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        if (
            not previous.lstrip().startswith("#")
            and _CJK_END.search(previous)
            and _CJK_START.match(line)
        ):
            out[-1] += line.lstrip()
            continue
        out.append(line)
    return "\n".join(out)


def parse_markdown(text: str, path: Path) -> tuple[dict[str, Any], dict[str, Section]]:
    """Split a lesson file into its front matter and its sections.

    Text before the first section heading becomes the section ``intro`` (when not blank).

    Raises
    ------
    ContentError
        When the front matter is unclosed or invalid, a ``##`` heading has no ``{#id}``,
        or an id repeats.
    """
    meta: dict[str, Any] = {}
    lines = text.splitlines()
    if lines and lines[0].strip() == _FRONT:
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == _FRONT)
        except StopIteration:
            raise ContentError(path, "front matter opened with +++ is never closed") from None
        meta = _parse_toml("\n".join(lines[1:end]), path)
        lines = lines[end + 1 :]

    sections: dict[str, Section] = {}
    current_id, current_heading, buffer = "intro", "", []

    def flush() -> None:
        body = join_cjk_lines("\n".join(buffer)).strip()
        if current_id != "intro" or body:
            sections[current_id] = Section(current_id, current_heading, body)

    for line in lines:
        if line.startswith("## "):
            match = _SECTION.match(line)
            if not match:
                raise ContentError(
                    path, f"heading {line.strip()!r} needs an id, like '## Heading {{#my-id}}'"
                )
            flush()
            current_id, current_heading, buffer = match["id"], match["heading"], []
            if current_id in sections:
                raise ContentError(path, f"section id {current_id!r} appears twice")
        else:
            buffer.append(line)
    flush()
    return meta, sections


@lru_cache(maxsize=64)
def _cached_lesson(path: Path, _mtime_ns: int, slug: str) -> Lesson:
    meta, sections = parse_markdown(_read_text(path), path)
    links = []
    for i, raw in enumerate(meta.get("links", [])):
        if not isinstance(raw, dict) or not raw.get("page") or not raw.get("label"):
            raise ContentError(path, f"links[{i}] needs a 'page' and a 'label'")
        links.append(Link(str(raw["page"]), str(raw["label"]), str(raw.get("help", ""))))
    steps = _parse_steps(meta.get("steps", []), path)
    return Lesson(
        slug=slug, path=path, meta=meta, sections=sections, links=tuple(links), steps=steps
    )


def _parse_steps(raw_steps: Any, path: Path) -> tuple[Step, ...]:
    if not isinstance(raw_steps, list):
        raise ContentError(path, "steps must be a [[steps]] list")
    steps = []
    for i, raw in enumerate(raw_steps):
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("title"):
            raise ContentError(path, f"steps[{i}] needs an 'id' and a 'title'")
        more = raw.get("more", ())
        more = (more,) if isinstance(more, str) else tuple(str(m) for m in more)
        steps.append(
            Step(
                id=str(raw["id"]),
                title=str(raw["title"]),
                text=str(raw.get("text", "")).strip(),
                touch=str(raw.get("touch", "")).strip(),
                notice=str(raw.get("notice", "")).strip(),
                more=more,
            )
        )
    ids = [s.id for s in steps]
    if len(set(ids)) != len(ids):
        raise ContentError(path, "two steps share an id")
    return tuple(steps)


def _word_count(text: str) -> int:
    return len(re.findall(r"[^\s|*#>-]+", _TERM.sub("term", text)))


def step_problems(lesson: Lesson) -> list[str]:
    """Steps that do not fit one screen, or whose "Read more" names a missing section."""
    problems = []
    where = _display(lesson.path)
    for step in lesson.steps:
        if _word_count(step.text) > STEP_MAX_WORDS:
            problems.append(
                f"{where}: step {step.id!r} has {_word_count(step.text)} words of text "
                f"(at most {STEP_MAX_WORDS}: put the rest behind 'more')"
            )
        for name in ("touch", "notice"):
            n = _word_count(getattr(step, name))
            if n > STEP_LINE_MAX_WORDS:
                problems.append(
                    f"{where}: step {step.id!r} {name} has {n} words (at most "
                    f"{STEP_LINE_MAX_WORDS})"
                )
        for section_id in step.more:
            if section_id not in lesson.sections:
                problems.append(
                    f"{where}: step {step.id!r} reads more from missing section {{#{section_id}}}"
                )
    return problems


def load_lesson(slug: str, root: Path | None = None, *, language: str | None = None) -> Lesson:
    """Read ``content/pages/<slug>.md`` (cached until the file changes), in ``language``."""
    path = _localised(f"pages/{slug}.md", language, root)
    exists, modified = _file_state(path)
    if not exists:
        raise ContentError(path, "file not found")
    return _cached_lesson(path, modified, slug)


def load_site(root: Path | None = None, *, language: str | None = None) -> tuple[PageSpec, ...]:
    """The app's pages in menu order, from ``content/site.toml``."""
    path = _localised("site.toml", language, root)
    data = load_toml("site.toml", root, language=language)
    pages = data.get("pages")
    if not isinstance(pages, list) or not pages:
        raise ContentError(path, "needs a non-empty [[pages]] list")
    specs = []
    for i, raw in enumerate(pages):
        missing = [k for k in ("slug", "script", "title", "icon", "url_path") if not raw.get(k)]
        if missing:
            raise ContentError(path, f"pages[{i}] is missing {', '.join(missing)}")
        specs.append(
            PageSpec(
                slug=raw["slug"],
                script=raw["script"],
                title=raw["title"],
                icon=raw["icon"],
                url_path=raw["url_path"],
                help=raw.get("help", ""),
                sections=tuple(raw.get("sections", ())),
                quiz=bool(raw.get("quiz", True)),
            )
        )
    slugs = [p.slug for p in specs]
    if len(set(slugs)) != len(slugs):
        raise ContentError(path, "two pages share a slug")
    return tuple(specs)


def page_spec(slug: str, root: Path | None = None, *, language: str | None = None) -> PageSpec:
    """The registered page with this slug."""
    for spec in load_site(root, language=language):
        if spec.slug == slug:
            return spec
    raise ContentError((root or CONTENT_DIR) / "site.toml", f"no page with slug {slug!r}")


def load_glossary(root: Path | None = None, *, language: str | None = None) -> dict[str, Term]:
    """Every glossary term by key, from ``content/glossary.toml``."""
    path = _localised("glossary.toml", language, root)
    data = load_toml("glossary.toml", root, language=language)
    terms = data.get("terms")
    if not isinstance(terms, dict) or not terms:
        raise ContentError(path, "needs a [terms.<key>] table for each term")
    out = {}
    for key, raw in terms.items():
        if not isinstance(raw, dict):
            raise ContentError(path, f"terms.{key} must be a table")
        missing = [k for k in (*VOCABULARIES, "definition") if not str(raw.get(k, "")).strip()]
        if missing:
            raise ContentError(path, f"terms.{key} is missing {', '.join(missing)}")
        out[key] = Term(key, raw["analogy"], raw["technical"], raw["definition"])
    return out


# --------------------------------------------------------------------------- rendering


def render(
    text: str,
    vocab: str,
    glossary: dict[str, Term] | None = None,
    *,
    language: str | None = None,
) -> str:
    """Replace every ``{{term}}`` in ``text`` with the word of ``vocab``.

    ``{{Term}}`` (first letter upper case) gives the word with its first letter upper case.
    An unknown term is left visible as ``{{term}}`` so a typo shows on the page and fails
    :func:`validate`, rather than breaking the lesson.
    """
    if vocab not in VOCABULARIES:
        raise ValueError(f"unknown vocabulary {vocab!r}; expected one of {VOCABULARIES}")
    if "{{" not in text:
        return text  # nothing to replace: no need to read the glossary (most lines)
    terms = load_glossary(language=language) if glossary is None else glossary

    def swap(match: re.Match[str]) -> str:
        key = match["key"]
        term = terms.get(key) or terms.get(key[0].lower() + key[1:])
        if term is None:
            return match[0]
        word = term.word(vocab)
        return word[0].upper() + word[1:] if key[0].isupper() else word

    return _TERM.sub(swap, text)


def term_keys(text: str) -> set[str]:
    """The glossary keys a text refers to (lower-cased first letter)."""
    return {m["key"][0].lower() + m["key"][1:] for m in _TERM.finditer(text)}


# --------------------------------------------------------------------------- validation


def _strings(value: Any) -> list[str]:
    """Every string inside a TOML value, for checking term references."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def validate(root: Path = CONTENT_DIR) -> list[str]:
    """Check all content; return human-readable problems, each naming its file.

    Checks: the site list and glossary load; every registered page has a lesson file with
    the sections ``site.toml`` requires; every link points to a registered page; every
    ``{{term}}`` in any lesson or TOML data file is in the glossary; every page script exists.
    """
    problems: list[str] = []
    try:
        site = load_site(root)
    except ContentError as exc:
        return [str(exc)]
    try:
        glossary = load_glossary(root)
    except ContentError as exc:
        problems.append(str(exc))
        glossary = {}
    slugs = {p.slug for p in site}
    project = root.parent

    def check_terms(text: str, path: Path) -> None:
        for key in sorted(term_keys(text) - set(glossary)):
            problems.append(f"{_display(path)}: {{{{{key}}}}} is not in the glossary")
        for match in _ARTICLE_TERM.finditer(text):
            key = match["key"][0].lower() + match["key"][1:]
            term = glossary.get(key)
            if term and any(_ARTICLE.match(term.word(v)) for v in VOCABULARIES):
                problems.append(
                    f"{_display(path)}: {match[0]!r} doubles an article: "
                    f"{{{{{key}}}}} already reads {term.analogy!r} / {term.technical!r}"
                )

    for spec in site:
        if not (project / spec.script).is_file():
            problems.append(f"content/site.toml: page {spec.slug!r} script {spec.script} not found")
        try:
            lesson = load_lesson(spec.slug, root)
        except ContentError as exc:
            problems.append(str(exc))
            continue
        for section_id in spec.sections:
            if section_id not in lesson.sections:
                problems.append(
                    f"{_display(lesson.path)}: missing required section {{#{section_id}}}"
                )
        for link in lesson.links:
            if link.page not in slugs:
                problems.append(
                    f"{_display(lesson.path)}: link {link.label!r} points to unregistered page "
                    f"{link.page!r}"
                )
        problems.extend(step_problems(lesson))
        for text in [s.heading + "\n" + s.body for s in lesson.sections.values()]:
            check_terms(text, lesson.path)
        check_terms("\n".join(_strings(lesson.meta)), lesson.path)

    for path in sorted(root.rglob("*.toml")):
        if path.name in ("site.toml", "glossary.toml"):
            continue
        try:
            data = load_toml(str(path.relative_to(root)), root)
        except ContentError as exc:
            problems.append(str(exc))
            continue
        check_terms("\n".join(_strings(data)), path)
        for i, link in enumerate(_links_in(data)):
            if link not in slugs:
                problems.append(
                    f"{_display(path)}: link #{i + 1} points to unregistered page {link!r}"
                )
    return problems


def _links_in(value: Any) -> list[str]:
    """Values of every ``page`` key nested in a TOML data file (links to other pages)."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "page" and isinstance(v, str):
                found.append(v)
            else:
                found.extend(_links_in(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(_links_in(v))
    return found
