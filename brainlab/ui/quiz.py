"""Checkpoint questions at the end of every lesson (issue 6 fills this in).

Until content/quiz.toml has questions for a page, :func:`checkpoint` draws nothing.
"""

from __future__ import annotations

from brainlab.content import Lesson


def checkpoint(page: Lesson) -> None:
    """Draw the page's checkpoint questions (none yet)."""
    del page
