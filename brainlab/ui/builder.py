"""The lesson builder's widgets (pages/lesson_builder.py): what a teacher picks, and the
one link, with its QR code, that opens the lesson they built (:mod:`brainlab.lessons`)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import streamlit as st

from brainlab import costs, lessons, share
from brainlab.content import load_lesson, load_site, load_toml
from brainlab.ui.context import LANG_KEY, PRESENTER_KEY, VOCAB_KEY, words
from brainlab.ui.frame import page_address, qr_image

PREFIX = "builder_"
QR_WIDTH = 320


def _words() -> dict[str, str]:
    return load_toml("ui.toml")["builder"]


def step_options() -> dict[str, str]:
    """Every step of every lesson page, ``page.step`` -> "Page: n. Title", in menu order."""
    w, b = words(), _words()
    options = {}
    for spec in load_site():
        for n, step in enumerate(load_lesson(spec.slug).steps, start=1):
            options[lessons.plan_text([(spec.slug, step.id)])] = b["step_option"].format(
                page=spec.title, n=n, title=w(step.title)
            )
    return options


def pick_steps() -> list[tuple[str, str]]:
    """The steps of the lesson, in the order picked, as ``(page, step id)``."""
    b = _words()
    options = step_options()
    st.button(
        b["all_steps"],
        key=PREFIX + "all",
        icon=":material/select_all:",
        on_click=lambda: st.session_state.update({PREFIX + "steps": list(options)}),
    )
    picked = st.multiselect(
        b["steps_label"],
        list(options),
        format_func=options.__getitem__,
        key=PREFIX + "steps",
        help=b["steps_help"],
        placeholder=b["steps_placeholder"],
    )
    return [(s.page, s.step) for s in lessons.parse_plan(",".join(picked))]


def pick_presets() -> dict[str, str]:
    """The scenario presets: address parameters of the labs' bound controls."""
    b = _words()
    question = st.text_input(
        b["question_label"], key=PREFIX + "question", max_chars=200, help=b["question_help"]
    )
    presets = costs.load_presets()
    scenario = st.selectbox(
        b["scenario_label"],
        ["", *presets],
        format_func=lambda k: presets[k].title if k else b["scenario_none"],
        key=PREFIX + "scenario",
        help=b["scenario_help"],
    )
    # The Cost lab's scenario box is bound by its shown title (Streamlit binds a box's label).
    return {
        "retrieval_query": question.strip(),
        "cost_preset": presets[scenario].title if scenario else "",
    }


def pick_controls() -> tuple[list[str], list[str]]:
    """The controls to hide and to lock (keys from content/builder.toml)."""
    b = _words()
    titles = {p.slug: p.title for p in load_site()}
    controls = {c.key: b["control_option"].format(page=titles[c.page], label=c.label)
                for c in lessons.load_controls()}  # fmt: skip
    hide = st.multiselect(
        b["hide_label"], list(controls), format_func=controls.__getitem__,
        key=PREFIX + "hide", help=b["hide_help"],
    )  # fmt: skip
    lock = st.multiselect(
        b["lock_label"], [k for k in controls if k not in hide],
        format_func=controls.__getitem__, key=PREFIX + "lock", help=b["lock_help"],
    )  # fmt: skip
    return hide, lock


def pick_frame() -> dict[str, str]:
    """Presenter mode, the words and the language the lesson opens with, as the frame's
    parameters. The language is the builder's own: the link's vocabulary switch and the
    Cost lab's scenario are bound by their shown labels, which are in that language."""
    b = _words()
    sidebar = load_toml("ui.toml")["sidebar"]
    present = st.toggle(b["presenter_label"], key=PREFIX + "presenter", help=b["presenter_help"])
    technical = st.toggle(b["technical_label"], key=PREFIX + "technical", help=b["technical_help"])
    # The sidebar's bound switches read their shown labels from the address.
    vocab = sidebar["vocab_options"]["technical" if technical else "analogy"]
    return {LANG_KEY: words().language, VOCAB_KEY: vocab, PRESENTER_KEY: "true" if present else ""}


def lesson_link(query: list[tuple[str, str]], first_page: str) -> str:
    """The link to the lesson: the app's address, the first step's page, the query."""
    parts = urlsplit(page_address())
    site = load_site()
    # The first page by the app's root: its own name shows "Page not found" on a fresh server.
    path = (
        "/"
        if first_page == site[0].slug
        else "/" + next(p.url_path for p in site if p.slug == first_page)
    )
    return share.view_link(urlunsplit((parts.scheme, parts.netloc, path, "", "")), query)


def result(
    steps: list[tuple[str, str]],
    hide: list[str],
    lock: list[str],
    presets: dict[str, str],
    frame: dict[str, str],
) -> str | None:
    """The lesson's link, its QR code and a button that opens it; returns the link."""
    b = _words()
    if not steps:
        st.info(b["empty"], icon=":material/playlist_add:")
        return None
    query = lessons.lesson_query(steps, hide=hide, lock=lock, presets=presets, frame=frame)
    link = lesson_link(query, steps[0][0])
    labels = {c.key: c.label for c in lessons.load_controls()}
    st.caption(
        b["summary"].format(
            n=len(steps),
            pages=len({p for p, _ in steps}),
            hidden=", ".join(labels[k] for k in hide) or b["nothing"],
            locked=", ".join(labels[k] for k in lock) or b["nothing"],
        )
    )
    st.code(link, language=None, wrap_lines=True)
    qr_image(link, QR_WIDTH, b["qr_alt"], b["qr_caption"])
    first = next(p for p in load_site() if p.slug == steps[0][0])
    st.page_link(
        first.script,
        label=b["open"],
        icon=":material/play_arrow:",
        help=b["open_help"],
        query_params=query,
    )
    return link
