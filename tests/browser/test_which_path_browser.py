"""The "Which path?" page in real Chromium at 1280x720: one screen holds cause and effect.

A scenario choice and an answer change must show their effect (the recommendation and the
score bars) inside the viewport, with no scrolling. Screenshots of every step, light and
dark, 1280x720 and 400 px wide, go to artifacts/screenshots/which_path-*.png (git-ignored).
"""

from __future__ import annotations

import re

import pytest

from brainlab import quiz
from brainlab.content import load_lesson, page_spec, render
from tests.browser.harness import (
    DESKTOP,
    NARROW,
    SCREENSHOTS,
    assert_clean,
    assert_in_viewport,
    main,
    open_page,
    scrolled,
    wait_idle,
)

SPEC = page_spec("which_path")
HEIGHT = 720  # a classroom projector


def headline(page) -> str:
    return main(page).locator('[data-testid="stHeading"] h3').first.inner_text().strip()


def result(page):
    return (
        page.locator(".st-key-which_path_recommendation"),
        page.locator(".st-key-which_path_chart .js-plotly-plot"),
    )


def choose(page, label: str, option: str) -> None:
    """Open the drop-down box labelled ``label`` and pick ``option``, without scrolling."""
    box = main(page).locator('[data-testid="stSelectbox"]').filter(has_text=label)
    assert_in_viewport(page, box, f"the box {label!r}")
    box.get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_scenario_and_an_answer_change_the_result_in_view(browser, app_url):
    visit = open_page(browser, f"{app_url}/{SPEC.url_path}")
    page = visit.page
    page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
    wait_idle(page)
    assert headline(page) == "The super library"

    choose(page, "Start from a scenario", "Medical diagnosis support")
    page.wait_for_url(re.compile(r"which_path_need=A\+skill"))
    wait_idle(page)
    assert headline(page) == "Specialist training"
    assert scrolled(page) == 0
    for locator, what in zip(result(page), ("recommendation", "score chart"), strict=True):
        assert_in_viewport(page, locator, what)

    # One answer changed: both skill and facts are needed, so the hybrid wins.
    choose(page, "What must it gain?", "Both")
    page.wait_for_url(re.compile(r"which_path_need=Both"))
    wait_idle(page)
    assert headline(page) == "Both: a specialist with a library card"
    assert scrolled(page) == 0
    for locator, what in zip(result(page), ("recommendation", "score chart"), strict=True):
        assert_in_viewport(page, locator, what)
    assert "Both" in page.locator(".st-key-which_path_chart").inner_text()
    assert_clean(visit)
    page.context.close()


@pytest.mark.parametrize(
    ("theme", "width"),
    [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW), ("dark", NARROW)],
)
def test_every_step_screenshot(browser, app_url, theme, width):
    steps = load_lesson("which_path").steps
    visit = open_page(browser, f"{app_url}/{SPEC.url_path}", theme=theme, width=width)
    page = visit.page
    page.set_viewport_size({"width": width, "height": HEIGHT if width == DESKTOP else 800})
    wait_idle(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for n, step in enumerate(steps, start=1):
        card = main(page).locator(".st-key-which_path_stepcard")
        card.get_by_text(f"Step {n} of {len(steps)}", exact=False).wait_for()
        page.screenshot(path=str(SCREENSHOTS / f"which_path-step{n}-{theme}-{width}.png"))
        if width == DESKTOP:  # at 1280x720 each step shows the whole stage
            for locator, what in zip(result(page), ("recommendation", "chart"), strict=True):
                assert_in_viewport(page, locator, f"{what} on step {step.id}")
        if n < len(steps):
            card.get_by_role("button", name="Next").click()
            wait_idle(page)
    assert_clean(visit)
    page.context.close()


def test_a_checkpoint_answer_keeps_score(browser, app_url):
    visit = open_page(browser, f"{app_url}/{SPEC.url_path}")
    page = visit.page
    wait_idle(page)
    # The page's first question, answered right (its key, in the default vocabulary).
    first = quiz.questions_for("which_path")[0]
    right = render(first.choices[first.answer].text, "analogy")
    radio = main(page).locator('[data-testid="stRadio"]').first
    radio.get_by_text(right, exact=True).click()
    wait_idle(page)
    page.locator('[data-testid="stSidebar"]').get_by_text(
        re.compile(r"1 right of 1 answered")
    ).wait_for()
    assert_clean(visit)
    page.context.close()
