"""Helpers for AppTest: run the real app.py and switch to one of its pages."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from brainlab.content import page_spec

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def run_page(slug: str, *, timeout: float = 30, query: dict[str, str] | None = None) -> AppTest:
    """Run app.py, switch to page ``slug`` and return the AppTest after that run.

    ``query`` sets URL query parameters before the first run (bound widgets read them).
    """
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    spec = page_spec(slug)
    if at.title and at.title[0].value == spec.title:
        return at
    at.switch_page(spec.script)
    at.run()
    return at


def texts(at: AppTest) -> str:
    """All markdown, captions, titles and headers shown, joined: for "is it on screen" checks."""
    parts = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "success",
        "warning",
        "error",
    ):
        parts.extend(str(el.value) for el in getattr(at, kind))
    return "\n".join(parts)
