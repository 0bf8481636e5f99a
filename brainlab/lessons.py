"""Lessons that walk across pages: the guided lesson and a teacher's own: pure, no Streamlit.

A *tour* is a list of steps, each on one page and one of that page's own steps (which
decides what the page shows beside the card). The guided lesson (content/guided.toml)
gives each of its steps its own short text, what to touch and what to notice; a teacher's
lesson from the lesson builder names its steps in the address (``?lesson=two_ways.brain,
retrieval_lab.ask``) and uses the pages' own texts. The address also says which controls
the lesson hides or locks (``?hide=...&lock=...``); only the controls content/builder.toml
lists can be named, so the address cannot reach anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from brainlab.content import CONTENT_DIR, ContentError, load_lesson, load_site, load_toml

#: The address's parameters of a tour (kept when a step opens another page).
LESSON_PARAM = "lesson"
TOUR_STEP_PARAM = "tour"
HIDE_PARAM = "hide"
LOCK_PARAM = "lock"
#: ``?lesson=guided`` is the guided lesson of content/guided.toml.
GUIDED = "guided"
#: Separators in the address: steps, and a step's page and its own step id.
_STEPS_SEP = ","
_PAGE_SEP = "."
#: At most this many steps in a teacher's lesson (an address stays short enough for a QR code).
MAX_STEPS = 40


@dataclass(frozen=True)
class TourStep:
    """One step of a tour: the page, the page's own step, and the card's words.

    Empty ``title``/``text``/``touch``/``notice``: the page step's own are shown.
    """

    page: str
    step: str
    title: str = ""
    text: str = ""
    touch: str = ""
    notice: str = ""


@dataclass(frozen=True)
class Tour:
    """A lesson across pages: its id (``guided`` or ``custom``), title and steps."""

    id: str
    title: str
    steps: tuple[TourStep, ...]

    def index_on(self, page: str, step: str) -> int | None:
        """The number (from 1) of the first tour step on ``page``'s step ``step``, if any."""
        for n, s in enumerate(self.steps, start=1):
            if s.page == page and s.step == step:
                return n
        return None


@dataclass(frozen=True)
class Control:
    """A control a teacher's lesson may hide or lock: its widget key, page and label."""

    key: str
    page: str
    label: str


def _page_steps() -> dict[str, tuple[str, ...]]:
    return {p.slug: tuple(s.id for s in load_lesson(p.slug).steps) for p in load_site()}


def load_guided(root: Path = CONTENT_DIR) -> Tour:
    """The guided lesson from ``content/guided.toml``, checked against the pages' steps.

    Raises
    ------
    ContentError
        Naming the file, when a step names a page or a page step that does not exist, or
        lacks its text.
    """
    path = root / "guided.toml"
    raw = load_toml("guided.toml", root)
    known = _page_steps()
    steps = []
    for i, s in enumerate(raw.get("steps", []), start=1):
        page, step = s.get("page", ""), s.get("step", "")
        if step not in known.get(page, ()):
            raise ContentError(path, f"step {i} names {page}.{step}, which does not exist")
        for field_name in ("title", "text", "touch", "notice"):
            if not str(s.get(field_name, "")).strip():
                raise ContentError(path, f"step {i} has no {field_name}")
        steps.append(
            TourStep(page, step, s["title"], s["text"], s["touch"], s["notice"]),
        )
    if not steps:
        raise ContentError(path, "the guided lesson has no steps")
    return Tour(GUIDED, raw["title"], tuple(steps))


def parse_plan(text: str) -> tuple[TourStep, ...]:
    """The steps a teacher's lesson names in the address: ``page.step`` pairs, comma-separated.

    Unknown pages or steps are left out (an old or mistyped link still opens what it can);
    at most :data:`MAX_STEPS` steps.
    """
    known = _page_steps()
    steps = []
    for part in text.split(_STEPS_SEP):
        page, _, step = part.strip().partition(_PAGE_SEP)
        if step in known.get(page, ()):
            steps.append(TourStep(page, step))
    return tuple(steps[:MAX_STEPS])


def plan_text(steps: list[tuple[str, str]] | tuple[TourStep, ...]) -> str:
    """The address's form of a teacher's lesson: the inverse of :func:`parse_plan`."""
    pairs = [(s.page, s.step) if isinstance(s, TourStep) else s for s in steps]
    return _STEPS_SEP.join(f"{page}{_PAGE_SEP}{step}" for page, step in pairs)


def load_controls(root: Path = CONTENT_DIR) -> tuple[Control, ...]:
    """The controls a teacher's lesson may hide or lock (``content/builder.toml``)."""
    raw = load_toml("builder.toml", root)
    return tuple(Control(c["key"], c["page"], c["label"]) for c in raw.get("controls", []))


def parse_keys(text: str, allowed: set[str]) -> tuple[str, ...]:
    """The control keys named in ``text`` (comma-separated) that are in ``allowed``, in order."""
    seen: list[str] = []
    for key in (k.strip() for k in text.split(_STEPS_SEP)):
        if key in allowed and key not in seen:
            seen.append(key)
    return tuple(seen)


def load_preset_keys(root: Path = CONTENT_DIR) -> tuple[str, ...]:
    """The address parameters of the scenario presets a teacher's lesson may set."""
    return tuple(p["key"] for p in load_toml("builder.toml", root).get("presets", []))


def lesson_query(
    steps: list[tuple[str, str]],
    *,
    hide: list[str] = (),
    lock: list[str] = (),
    presets: dict[str, str] | None = None,
    frame: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    """The query string of a teacher's lesson, as ``(name, value)`` pairs.

    ``steps``: ``(page, step id)`` in order; ``hide``/``lock``: control keys; ``presets``:
    address parameters of bound controls (empty values left out); ``frame``: the frame's
    own parameters (words, presenter mode).
    """
    query = [(k, v) for k, v in (frame or {}).items() if v]
    query += [(LESSON_PARAM, plan_text(steps)), (TOUR_STEP_PARAM, "1")]
    if hide:
        query.append((HIDE_PARAM, _STEPS_SEP.join(hide)))
    if lock:
        query.append((LOCK_PARAM, _STEPS_SEP.join(lock)))
    query += [(k, v) for k, v in (presets or {}).items() if v]
    return query
