"""The forgetting lab in real Chromium at 1280x720: one screen holds cause and effect.

Reveal must show the verdict and the forgetting curve inside the viewport, where the guess
was, with no scrolling; a training slider must redraw the curve in view, with the slider
itself still in view. Screenshots of every step, light and dark, 1280x720 and 400 px wide,
go to artifacts/screenshots/forgetting_lab-*.png (git-ignored).
"""

from __future__ import annotations

import re

import pytest

from brainlab.content import load_lesson, page_spec
from tests.browser.harness import (
    DESKTOP,
    NARROW,
    SCREENSHOTS,
    assert_clean,
    assert_in_viewport,
    horizontal_overflow,
    main,
    open_page,
    scrolled,
    wait_idle,
)

SPEC = page_spec("forgetting_lab")
HEIGHT = 720  # a classroom projector
REVEAL = "Train the network and reveal"


def verdict(page):
    return page.locator(".st-key-forgetting_verdict")


def curve(page):
    return page.locator(".st-key-forgetting_curve .js-plotly-plot")


def curve_title(page) -> str:
    return curve(page).locator(".gtitle").text_content()


def open_lab(browser, url: str, *, theme: str = "light", width: int = DESKTOP, query: str = ""):
    visit = open_page(browser, f"{url}/{SPEC.url_path}{query}", theme=theme, width=width)
    visit.page.set_viewport_size({"width": width, "height": HEIGHT if width == DESKTOP else 800})
    wait_idle(visit.page)
    return visit


def reveal(page) -> None:
    button = main(page).get_by_role("button", name=REVEAL)
    if page.viewport_size["width"] == DESKTOP:  # on a phone the columns stack: scroll there
        assert_in_viewport(page, button, "the reveal button")
    button.click()
    verdict(page).wait_for(timeout=60_000)
    curve(page).wait_for(timeout=60_000)
    wait_idle(page)


def test_guess_reveal_and_a_slider_show_their_effect_in_view(browser, app_url):
    visit = open_lab(browser, app_url)
    page = visit.page
    guess = main(page).locator('[data-testid="stSlider"]').filter(has_text="Your guess")
    assert_in_viewport(page, guess, "the guess slider")
    assert_in_viewport(page, page.locator(".st-key-forgetting_lab_stepcard"), "the step card")
    assert curve(page).count() == 0  # nothing is shown before the guess is committed

    reveal(page)
    assert scrolled(page) == 0
    assert_in_viewport(page, verdict(page), "the verdict")
    assert_in_viewport(page, curve(page), "the forgetting curve")
    assert re.search(r"kept \d+% of its general skill", verdict(page).inner_text())
    before = curve_title(page)
    assert re.fullmatch(r"Full specialist training keeps \d+% of general skill", before)

    # The training steps slider, driven with the keyboard: 300 -> 100 steps.
    slider = main(page).locator('[data-testid="stSlider"]').filter(has_text="training steps")
    assert_in_viewport(page, slider, "the steps slider")
    thumb = slider.get_by_role("slider")
    thumb.focus()
    for _ in range(20):
        page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"forgetting_steps=100"), timeout=30_000)
    wait_idle(page)
    page.wait_for_function(
        "(t) => { const e = document.querySelector('.st-key-forgetting_curve .gtitle');"
        " return e && e.textContent !== t; }",
        arg=before,
        timeout=30_000,
    )
    assert scrolled(page) == 0
    assert_in_viewport(page, curve(page), "the redrawn curve")
    assert_in_viewport(page, verdict(page), "the verdict after the slider")
    assert_in_viewport(page, slider, "the slider after it moved")
    assert curve_title(page) != before
    assert horizontal_overflow(page) <= 1
    assert_clean(visit)
    page.context.close()


def test_the_map_tab_marks_wrong_answers_and_agrees_with_the_verdict(browser, app_url):
    visit = open_lab(browser, app_url)
    page = visit.page
    reveal(page)
    main(page).get_by_role("tab", name="Inside the network").click()
    plot = page.locator(".st-key-forgetting_map .js-plotly-plot")
    plot.wait_for(timeout=30_000)
    legend = plot.locator(".legend").text_content()
    assert "answered wrong" in legend and "network says answer 1" in legend
    body = main(page).inner_text()
    assert "run 1 of 3" in body and "their mean" in body
    assert_clean(visit)
    page.context.close()


@pytest.mark.parametrize(
    ("theme", "width"),
    [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW), ("dark", NARROW)],
)
def test_every_step_screenshot(browser, app_url, theme, width):
    steps = load_lesson("forgetting_lab").steps
    visit = open_lab(browser, app_url, theme=theme, width=width)
    page = visit.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for n, step in enumerate(steps, start=1):
        card = main(page).locator(".st-key-forgetting_lab_stepcard")
        card.get_by_text(f"Step {n} of {len(steps)}", exact=False).wait_for()
        if n == 2:
            reveal(page)
        page.mouse.move(1, 1)  # no button tooltip over the picture
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / f"forgetting_lab-step{n}-{theme}-{width}.png"))
        if width == DESKTOP:
            assert_in_viewport(page, card, f"the step card on step {step.id}")
            if n >= 2:
                assert_in_viewport(page, curve(page), f"the curve on step {step.id}")
                assert_in_viewport(page, verdict(page), f"the verdict on step {step.id}")
        if n < len(steps):
            card.get_by_role("button", name="Next").click()
            wait_idle(page)
    assert horizontal_overflow(page) <= 1
    assert_clean(visit)
    page.context.close()


@pytest.mark.parametrize(
    ("theme", "width"),
    [("light", DESKTOP), ("dark", DESKTOP), ("light", NARROW), ("dark", NARROW)],
)
def test_the_language_model_tab_sits_below_the_stage(browser, app_url, theme, width):
    """The tab "In a real language model" opens below the stage without moving it, and
    shows the shipped curves with their end labels and the live-run button."""
    visit = open_lab(browser, app_url, theme=theme, width=width)
    page = visit.page
    card = page.locator(".st-key-forgetting_lab_stepcard")
    guess = page.locator(".st-key-forgetting_guessbox")
    before = (card.bounding_box(), guess.bounding_box())
    tab = main(page).get_by_role("tab", name="In a real language model")
    box = tab.bounding_box()  # with the other tabs, below the stage
    assert box["y"] >= before[1]["y"] + before[1]["height"], (box, before)
    tab.click()
    plot = page.locator(".st-key-forgetting_lm_curve .js-plotly-plot")
    plot.wait_for(timeout=30_000)
    wait_idle(page)
    page.evaluate("() => { document.querySelector('[data-testid=\"stMain\"]').scrollTop = 0; }")
    page.wait_for_timeout(200)
    assert (card.bounding_box(), guess.bounding_box()) == before  # the stage did not move
    page.mouse.move(1, 1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"forgetting_lab-lm-top-{theme}-{width}.png"))
    labels = plot.locator(".annotation-text").all_text_contents()  # two lines, joined
    assert {"Old, not revised5%", "Old, revised100%", "New100%"} <= set(labels), labels
    verdict_text = page.locator(".st-key-forgetting_lm_verdict").inner_text()
    assert re.search(r"Old facts drop from 100% to 5%", verdict_text)
    live = main(page).get_by_role("button", name=re.compile(r"Run it live \(about \d+ minutes"))
    assert live.count() == 1
    page.locator(".st-key-forgetting_lm_verdict").evaluate("e => e.scrollIntoView(true)")
    page.mouse.move(1, 1)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"forgetting_lab-lm-{theme}-{width}.png"))
    assert horizontal_overflow(page) <= 1
    assert_clean(visit)
    page.context.close()


def test_a_live_run_shows_its_progress_and_cancel_stops_it(browser, app_url):
    """The real live run (the model loads in the server): the progress bar moves by polling
    alone, and Cancel ends the run with a plain notice (AppTest cannot see the polling)."""
    visit = open_lab(browser, app_url)
    page = visit.page
    main(page).get_by_role("tab", name="In a real language model").click()
    page.locator(".st-key-forgetting_lm_curve .js-plotly-plot").wait_for(timeout=30_000)
    main(page).get_by_role("button", name=re.compile(r"Run it live")).click()
    bar = page.locator('[data-testid="stProgress"]')
    bar.wait_for(timeout=30_000)
    page.wait_for_function(
        "() => { const e = document.querySelector('[data-testid=\"stProgress\"]');"
        " const m = e && e.innerText.match(/(\\d+)%/); return m && +m[1] >= 2; }",
        timeout=120_000,
    )
    main(page).get_by_role("button", name="Cancel the live run").click()
    page.get_by_text("The live run was cancelled").wait_for(timeout=60_000)
    assert bar.count() == 0
    assert main(page).get_by_role("button", name=re.compile(r"Run it live")).count() == 1
    assert_clean(visit)
    page.context.close()
