"""Shared widgets that draw lesson content in the reader's vocabulary."""

from __future__ import annotations

import re

import streamlit as st

from brainlab import diagrams
from brainlab.content import (
    Lesson,
    Link,
    load_glossary,
    load_lesson,
    load_site,
    load_toml,
    page_spec,
    render,
    translated,
)
from brainlab.ui.context import enter_frame, frame_has_run, title_was_drawn, vocab, words


def lesson(slug: str) -> Lesson:
    """The lesson text of page ``slug`` (read from content/ on every rerun; cached by mtime).

    Every page starts here; a page run without app.py's frame is rerun through it first.
    """
    if not frame_has_run():
        enter_frame()
    return load_lesson(slug)


def md(text: str, **kwargs) -> None:
    """Draw Markdown with ``{{term}}`` placeholders in the reader's vocabulary.

    HTML in ``text`` is shown as text, never executed (``st.markdown``'s default).
    """
    st.markdown(render(text, vocab()), **kwargs)


def page_header(page: Lesson) -> None:
    """The page title (from content/site.toml) and the lesson's intro section.

    The title is left out when app.py's frame has drawn it first in this run
    (``frame.title_first``)."""
    spec = page_spec(page.slug)
    if not title_was_drawn(page.slug):
        st.title(spec.title, anchor=False)
    if not translated(f"pages/{page.slug}.md"):
        # Not yet in the reader's language: say so in it, then show the English lesson.
        st.info(load_toml("ui.toml").get("untranslated", ""), icon=":material/translate:")
    # A staged page starts its lesson in the step card; its intro is behind "Read more".
    if "intro" in page.sections and not page.steps:
        md(page.sections["intro"].body)


def section(page: Lesson, section_id: str, *, heading: bool = True, level: int = 2) -> None:
    """Draw one section of a lesson: its heading (optional) and its body."""
    sec = page.section(section_id)
    if heading and sec.heading:
        text = render(sec.heading, vocab())
        (st.header if level == 2 else st.subheader)(text, anchor=section_id)
    if sec.body:
        md(sec.body)


def simplifies_box(page: Lesson, section_id: str = "simplifies") -> None:
    """The "what this simplifies" box every page ends with."""
    sec = page.section(section_id)
    with st.container(border=True):
        st.markdown(f"**:material/info: {render(sec.heading, vocab())}**")
        md(sec.body)


def takeaway(text: str) -> None:
    """A highlighted one-line takeaway."""
    st.success(render(text, vocab()), icon=":material/lightbulb:")


def page_links(links: tuple[Link, ...] | list[Link], *, columns: int = 2) -> None:
    """Buttons that switch to other pages of the app, keeping the session's state.

    ``columns``: side by side on a wide page; 1 in a narrow column, so no label is cut off.
    """
    scripts = {p.slug: p for p in load_site()}
    cols = st.columns(min(len(links), columns) or 1)
    for i, link in enumerate(links):
        spec = scripts[link.page]
        with cols[i % len(cols)]:
            st.page_link(
                spec.script,
                label=render(link.label, vocab()),
                icon=spec.icon,
                help=render(link.help, vocab()) or None,
                width="stretch",
            )


def diagram(key: str, *, compact: bool = False) -> None:
    """Draw a pipeline diagram from content/diagrams.toml in the reader's vocabulary.

    ``compact`` packs its rows closer, for a diagram beside a step card.
    """
    spec = diagrams.load(key)
    source = diagrams.to_mermaid(spec, vocab(), compact=compact)
    st.mermaid_chart(source, alt=render(spec.alt, vocab()))
    if spec.caption:
        st.caption(render(spec.caption, vocab()))


def term(key: str) -> str:
    """One glossary term in the reader's vocabulary (``Key`` capitalises it)."""
    return render("{{" + key + "}}", vocab())


def glossary() -> None:
    """The glossary: every term in both vocabularies, with a plain definition."""
    terms = load_glossary()
    words = load_toml("ui.toml")["glossary"]
    with st.expander(words["title"], icon=":material/translate:"):
        st.caption(words["caption"])
        rows = [
            f"| {t.analogy} | {t.technical} | {t.definition} |"
            for t in sorted(terms.values(), key=lambda t: t.technical.lower().removeprefix("the "))
        ]
        st.markdown(
            f"| {words['analogy']} | {words['technical']} | {words['definition']} |\n"
            "|---|---|---|\n" + "\n".join(rows)
        )


def chart(fig, *, key: str, alt: str, **kwargs) -> None:
    """Draw a plotly figure; in presenter mode every text in it is 1.25x larger (>= 18 px)."""
    from brainlab import charts  # plotly: imported by the pages that draw charts, not at start

    w = words()
    if w.presenter:
        fig = charts.scale_fonts(fig, w.chart_scale, floor=charts.MIN_PRESENTER_FONT_SIZE)
    kwargs.setdefault("config", {"displaylogo": False})
    st.plotly_chart(fig, key=key, alt=alt, **kwargs)


def picture(name: str, *, caption: str = "") -> None:
    """Draw ``assets/<name>.svg`` with its ``{{term}}``s in the reader's vocabulary.

    The terms are escaped before they go into the SVG, so a word can never become markup.
    """
    import base64
    from html import escape, unescape
    from pathlib import Path

    w = words()
    assets = Path(__file__).resolve().parents[2] / "assets"
    path = assets / w.language / f"{name}.svg"  # a picture with words of its own
    if w.language == "en" or not path.is_file():
        path = assets / f"{name}.svg"
    text = path.read_text(encoding="utf-8")
    svg = re.sub(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}", lambda m: escape(w.term(m[1])), text)
    # The picture's own <title> (already in the reader's words) is its text alternative.
    title = re.search(r"<title>(.*?)</title>", svg, flags=re.DOTALL)
    alt = unescape(title[1]) if title else name.replace("_", " ")
    # An <img> of our own SVG (its terms escaped above), not st.image: st.image imports
    # numpy, ~150 ms on the opening lesson's first run, before its first paint.
    url = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    st.markdown(
        f'<img src="{url}" alt="{escape(alt, quote=True)}" style="width:100%;height:auto">',
        unsafe_allow_html=True,
    )
    if caption:
        st.caption(w(caption))
