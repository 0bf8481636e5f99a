"""Checkpoint questions: load and check ``content/quiz.toml``, and score the reader's answers.

Every page ends with two or three multiple-choice questions. Each option carries its own
explanation, so a wrong answer is told *why* it is wrong. Answers are kept as a mapping
from :attr:`Question.key` ("page/id") to the index of the chosen option; this module
never sees streamlit, so scoring is the same in a test and on the page.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from brainlab.content import CONTENT_DIR, ContentError, load_site, load_toml

QUIZ_FILE = "quiz.toml"

#: How many questions each page ends with.
MIN_PER_PAGE, MAX_PER_PAGE = 2, 3


@dataclass(frozen=True)
class Choice:
    """One option of a question, and why it is right or wrong."""

    text: str
    why: str
    correct: bool = False


@dataclass(frozen=True)
class Question:
    """One multiple-choice question at the end of a page."""

    page: str
    id: str
    question: str
    choices: tuple[Choice, ...]
    #: Name of a function in :mod:`brainlab.quiz_checks` that tests the key against the
    #: app's own model; empty when the answer states no model fact.
    check: str = ""
    #: Where the right option is shown (modulo the number of options).
    slot: int = 0

    @property
    def key(self) -> str:
        """The name the reader's answer is kept under: ``"page/id"``."""
        return f"{self.page}/{self.id}"

    @property
    def answer(self) -> int:
        """The index of the right option."""
        return next(i for i, c in enumerate(self.choices) if c.correct)

    @property
    def order(self) -> tuple[int, ...]:
        """The order to show the options in: shuffled, the same on every visit.

        Authors write the right option wherever they like (often first); showing that order
        would give the answer away. The shuffle is seeded by the question's key, so it is
        stable across reruns, sessions and machines.
        """
        rest = [i for i in range(len(self.choices)) if i != self.answer]
        random.Random(zlib.crc32(self.key.encode("utf-8"))).shuffle(rest)
        # The right option goes to ``slot`` (set from the question's place in the file, so
        # keys spread evenly over the positions); the wrong ones are shuffled around it.
        rest.insert(self.slot % len(self.choices), self.answer)
        return tuple(rest)

    def is_correct(self, choice: int) -> bool:
        """Whether option ``choice`` (an index) is the right one."""
        return choice == self.answer


@dataclass(frozen=True)
class Score:
    """How the reader is doing: questions answered, answered right, and available."""

    answered: int
    correct: int
    total: int


def _parse(raw: Any, i: int, path: Path) -> Question:
    where = f"questions[{i}]"
    if not isinstance(raw, dict):
        raise ContentError(path, f"{where} must be a table")
    missing = [k for k in ("page", "id", "question") if not str(raw.get(k, "")).strip()]
    if missing:
        raise ContentError(path, f"{where} is missing {', '.join(missing)}")
    where = f"{where} ({raw['page']}/{raw['id']})"
    options = raw.get("options", [])
    if not isinstance(options, list) or len(options) < 2:
        raise ContentError(path, f"{where} needs at least two options")
    choices = []
    for j, opt in enumerate(options):
        if not isinstance(opt, dict):
            raise ContentError(path, f"{where}.options[{j}] must be a table")
        for k in ("text", "why"):
            if not str(opt.get(k, "")).strip():
                raise ContentError(path, f"{where}.options[{j}] needs a {k!r}")
        if not isinstance(opt.get("correct", False), bool):
            raise ContentError(path, f"{where}.options[{j}].correct must be true or false")
        choices.append(Choice(str(opt["text"]), str(opt["why"]), opt.get("correct", False)))
    right = sum(c.correct for c in choices)
    if right != 1:
        raise ContentError(path, f"{where} must have exactly one correct option, not {right}")
    if len({c.text for c in choices}) != len(choices):
        raise ContentError(path, f"{where} repeats an option")
    return Question(
        str(raw["page"]),
        str(raw["id"]),
        str(raw["question"]),
        tuple(choices),
        check=str(raw.get("check", "")),
        slot=i,
    )


def load_questions(root: Path = CONTENT_DIR) -> tuple[Question, ...]:
    """Every checkpoint question, in file order (cached until the file changes).

    Raises
    ------
    ContentError
        Naming the file, when a question lacks a field, has no or several right options,
        an option has no explanation, or two questions share a page and id.
    """
    path = root / QUIZ_FILE
    data = load_toml(QUIZ_FILE, root)
    raw = data.get("questions", [])
    if not isinstance(raw, list):
        raise ContentError(path, "needs a [[questions]] list")
    english = load_toml(QUIZ_FILE, root, language="en")
    if english is not data:
        # A translation may cover some pages so far: the others keep their English questions.
        covered = {q.get("page") for q in raw if isinstance(q, dict)}
        raw = raw + [q for q in english.get("questions", []) if q.get("page") not in covered]
    questions = tuple(_parse(q, i, path) for i, q in enumerate(raw))
    # Balanced but not guessable: every position gets the same share of right answers, in
    # an order fixed by a seed rather than a 0, 1, 2 cycle a reader could learn.
    slots = [i % 3 for i in range(len(questions))]
    random.Random(QUIZ_FILE).shuffle(slots)
    questions = tuple(replace(q, slot=slot) for q, slot in zip(questions, slots, strict=True))
    keys = [q.key for q in questions]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ContentError(path, f"question ids repeat on a page: {', '.join(dupes)}")
    return questions


def questions_for(page: str, root: Path = CONTENT_DIR) -> tuple[Question, ...]:
    """The questions that end page ``page`` (a slug), in file order."""
    return tuple(q for q in load_questions(root) if q.page == page)


def problems(root: Path = CONTENT_DIR) -> list[str]:
    """Human-readable problems with the quiz; empty when every page has 2–3 good questions."""
    try:
        questions = load_questions(root)
    except ContentError as exc:
        return [str(exc)]
    found = []
    slugs = [p.slug for p in load_site(root)]
    for slug in (p.slug for p in load_site(root) if p.quiz):
        n = sum(q.page == slug for q in questions)
        if not MIN_PER_PAGE <= n <= MAX_PER_PAGE:
            found.append(
                f"content/{QUIZ_FILE}: page {slug!r} has {n} questions; "
                f"it needs {MIN_PER_PAGE}–{MAX_PER_PAGE}"
            )
    from brainlab.quiz_checks import CHECKS  # late: the checks load the cost model

    for q in questions:
        if q.check and q.check not in CHECKS:
            found.append(f"content/{QUIZ_FILE}: {q.key} names unknown check {q.check!r}")
        if q.page not in slugs:
            found.append(f"content/{QUIZ_FILE}: {q.key} is for unregistered page {q.page!r}")
    return found


def score(answers: Mapping[str, Any], questions: tuple[Question, ...]) -> Score:
    """Score ``answers`` (question key -> chosen option index) against ``questions``.

    Answers to questions that no longer exist, and values that are not a valid option
    index, are ignored rather than counted, so a stale session never breaks the score.
    """
    answered = correct = 0
    for q in questions:
        choice = answers.get(q.key)
        if isinstance(choice, bool) or not isinstance(choice, int):
            continue
        if not 0 <= choice < len(q.choices):
            continue
        answered += 1
        correct += q.is_correct(choice)
    return Score(answered=answered, correct=correct, total=len(questions))
