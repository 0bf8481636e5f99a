"""Checkpoint questions at the end of every lesson, and the running score in the sidebar.

The reader's answers live in ``st.session_state[ANSWERS_KEY]`` (question key -> option
index), written by each radio's ``on_change`` callback. Callbacks run before the script, so
the sidebar, drawn before the page, always shows the score including the latest answer.
The radios themselves keep their value across page switches (``persist_state="session"``).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from brainlab import quiz
from brainlab.content import ContentError, Lesson, load_toml, render
from brainlab.ui import workspace
from brainlab.ui.context import vocab

#: Session-state key of the reader's answers: {"page/id": option index}.
ANSWERS_KEY = "quiz_answers"


def _words() -> dict[str, str]:
    return load_toml(quiz.QUIZ_FILE).get("words", {})


def _widget_key(question: quiz.Question) -> str:
    # Page-prefixed and stable: the reader's answer survives a rerun and a page switch.
    return f"{question.page}_quiz_{question.id}"


def answers() -> dict[str, int]:
    """The reader's answers so far (question key -> chosen option index)."""
    if ANSWERS_KEY not in st.session_state:  # a new session: the workspace's answers
        saved = workspace.load(SAVED)
        st.session_state[ANSWERS_KEY] = (
            {str(k): int(v) for k, v in saved.items() if isinstance(v, int)}
            if isinstance(saved, dict)
            else {}
        )
    stored = st.session_state.get(ANSWERS_KEY)
    return stored if isinstance(stored, dict) else {}


#: The workspace's name for the checkpoint answers (brainlab/ui/workspace.py).
SAVED = "quiz"


def _record(question: quiz.Question) -> None:
    """``on_change`` of a question's radio: keep the choice where the sidebar can score it."""
    value = st.session_state.get(_widget_key(question))
    stored = dict(answers())
    if value is None:
        stored.pop(question.key, None)
    else:
        stored[question.key] = int(value)
    st.session_state[ANSWERS_KEY] = stored
    workspace.save(SAVED, stored)


def _reset() -> None:
    """``on_click`` of the reset button: forget every answer on every page."""
    st.session_state[ANSWERS_KEY] = {}
    workspace.save(SAVED, {})
    try:
        questions = quiz.load_questions()
    except ContentError:
        questions = ()
    for question in questions:
        key = _widget_key(question)
        if key in st.session_state:
            del st.session_state[key]


def _feedback(question: quiz.Question, choice: int, words: dict[str, Any]) -> None:
    """Right or wrong at once, then why each other option is right or wrong."""
    v = vocab()
    chosen = question.choices[choice]
    if chosen.correct:
        st.success(f"**{words['right']}** {render(chosen.why, v)}", icon=":material/check_circle:")
    else:
        st.error(f"**{words['wrong']}** {render(chosen.why, v)}", icon=":material/cancel:")
    lines = []
    for i in question.order:
        if i == choice:
            continue
        c = question.choices[i]
        mark = (
            f":material/check: *{words['right_mark']}*"
            if c.correct
            else f":material/close: *{words['wrong_mark']}*"
        )
        lines.append(f"- **{render(c.text, v)}** — {mark}: {render(c.why, v)}")
    st.markdown(f"{words['why_heading']}\n\n" + "\n".join(lines))


def checkpoint(page: Lesson) -> None:
    """Draw the page's checkpoint: its 2–3 questions, instant feedback, a reset button.

    Draws nothing for a page with no questions in content/quiz.toml; a broken quiz file
    shows a message naming the file instead of breaking the page.
    """
    try:
        questions = quiz.questions_for(page.slug)
        words = _words()
    except ContentError as exc:
        st.warning(f"{exc}", icon=":material/error:")
        return
    if not questions:
        return
    v = vocab()
    stored = answers()
    st.divider()
    st.header(f":material/quiz: {words['heading']}", anchor=f"{page.slug}-checkpoint")
    st.caption(words["intro"])
    for n, question in enumerate(questions, start=1):
        key = _widget_key(question)
        order = list(question.order)
        previous = stored.get(question.key)
        # A radio that lost its state (a fresh widget after reset, say) starts from the
        # stored answer; otherwise its own state rules and ``index`` is not consulted.
        index = order.index(previous) if key not in st.session_state and previous in order else None
        text = render(question.question, v)
        # The question in body-size bold type (a radio label is small); the radio keeps it
        # as its (hidden) label for screen readers.
        st.markdown(f"**{n}\\. {text}**")
        choice = st.radio(
            text,
            options=order,
            index=index,
            format_func=lambda i, q=question: render(q.choices[i].text, v),
            key=key,
            on_change=_record,
            args=(question,),
            help=words["radio_help"],
            label_visibility="collapsed",
            persist_state="session",
        )
        if choice is not None:
            _feedback(question, choice, words)
    st.button(
        words["reset_label"],
        key=f"{page.slug}_quiz_reset",
        icon=":material/restart_alt:",
        on_click=_reset,
        help=words["reset_help"],
    )


def sidebar_score() -> None:
    """The running score over every page, for the sidebar (called by ``draw_sidebar``)."""
    try:
        questions = quiz.load_questions()
        words = _words()
    except ContentError as exc:
        st.sidebar.caption(f":material/error: {exc}")
        return
    result = quiz.score(answers(), questions)
    with st.sidebar:
        st.markdown(f"**:material/quiz: {words['sidebar_label']}**")
        if result.answered == 0:
            st.caption(words["sidebar_none"])
        else:
            st.progress(
                result.correct / result.total,
                text=words["sidebar_score"].format(
                    correct=result.correct, answered=result.answered, total=result.total
                ),
            )
