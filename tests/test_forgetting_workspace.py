"""The Forgetting lab's settings are kept in the workspace (issue 10, workspaces: "lab
settings"), as the Retrieval and Cost labs' work is: the six training sliders, the lines
shown, the guess and whether it was revealed come back after a refresh, in a new tab and
after a server restart (the address then carries only ``?ws=``); another workspace never
sees them; an address that carries a slider's value wins over the saved one."""

from __future__ import annotations

import pytest

from brainlab.ui import forgetting as lab
from brainlab.ui import workspace
from tests.apptest import run_page, texts

TIMEOUT = 120


@pytest.fixture(autouse=True)
def no_background_training(monkeypatch):
    monkeypatch.setattr(lab, "WARM_NEIGHBOURS", False)


def ws_of(at) -> str:
    return at.session_state[workspace._ID]


def open_again(ws: str, **query: str):
    """A new session on the same workspace, the address holding only the workspace id (a
    refresh after a page switch, the "Your work" link, a new tab)."""
    at = run_page("forgetting_lab", timeout=TIMEOUT, query={workspace.WS_PARAM: ws, **query})
    assert not at.exception, at.exception
    return at


def restart_server() -> None:
    """What a restarted server has: a store opened afresh from the same folder."""
    workspace._STORE = None


def test_settings_guess_and_lines_come_back_after_a_refresh_and_a_restart():
    at = run_page("forgetting_lab", timeout=TIMEOUT)
    assert not at.exception, at.exception
    at.slider(key="forgetting_steps").set_value(500).run()
    at.select_slider(key="forgetting_learning_rate").set_value(0.2).run()
    at.slider(key="forgetting_seed").set_value(7).run()
    at.slider(key="forgetting_rank").set_value(6).run()
    at.slider(key="forgetting_guess").set_value(35).run()
    at.button(key="forgetting_reveal").click().run()
    at.button_group(key="forgetting_strategies").set_value(["naive", "replay"]).run()
    assert not at.exception, at.exception
    ws = ws_of(at)
    saved = workspace.get_store().get(ws, lab.SAVED)
    assert saved["settings"]["steps"] == 500 and saved["settings"]["seed"] == 7
    assert saved["guess"] == 35 and saved["revealed"] is True
    assert saved["strategies"] == ["naive", "replay"]

    for restart in (False, True):
        if restart:
            restart_server()
        again = open_again(ws)
        assert ws_of(again) == ws
        assert again.slider(key="forgetting_steps").value == 500
        assert again.select_slider(key="forgetting_learning_rate").value == 0.2
        assert again.slider(key="forgetting_seed").value == 7
        assert again.slider(key="forgetting_rank").value == 6
        # The guess was revealed: the verdict and the curve are shown, not the guess box.
        assert any("kept **" in m.value and "35%" in m.value for m in again.markdown)
        assert "Commit to a guess first" not in texts(again)
        assert again.button_group(key="forgetting_strategies").value == ["naive", "replay"]


def test_another_workspace_sees_the_defaults():
    at = run_page("forgetting_lab", timeout=TIMEOUT)
    at.slider(key="forgetting_steps").set_value(700).run()
    assert not at.exception, at.exception
    other = run_page("forgetting_lab", timeout=TIMEOUT)
    assert ws_of(other) != ws_of(at)
    assert other.slider(key="forgetting_steps").value == 300
    assert "Commit to a guess first" in texts(other)


def test_a_value_in_the_address_wins_over_the_saved_one():
    at = run_page("forgetting_lab", timeout=TIMEOUT)
    at.slider(key="forgetting_steps").set_value(700).run()
    at.slider(key="forgetting_seed").set_value(3).run()
    assert not at.exception, at.exception
    again = open_again(ws_of(at), forgetting_steps="200")
    assert again.slider(key="forgetting_steps").value == 200  # the link's
    assert again.slider(key="forgetting_seed").value == 3  # the workspace's


def test_an_unreadable_or_out_of_range_save_gives_usable_sliders():
    at = run_page("forgetting_lab", timeout=TIMEOUT)
    ws = ws_of(at)
    store = workspace.get_store()
    store.put(ws, lab.SAVED, {"settings": {"steps": "lots"}, "guess": "x"})
    again = open_again(ws)
    assert again.slider(key="forgetting_steps").value == 300
    store.put(
        ws,
        lab.SAVED,
        {
            "settings": {
                "steps": 10**9,
                "learning_rate": 0.07,
                "replay_fraction": -3,
                "penalty": 42,
                "rank": 99,
                "seed": -1,
            },
            "guess": 101,
            "revealed": True,
        },
    )
    again = open_again(ws)
    assert again.slider(key="forgetting_steps").value == 1000
    assert again.select_slider(key="forgetting_learning_rate").value == 0.05
    assert again.slider(key="forgetting_replay_fraction").value == 0.0
    assert again.select_slider(key="forgetting_penalty").value == 30
    assert again.slider(key="forgetting_rank").value == 8
    assert again.slider(key="forgetting_seed").value == 0
    assert "Commit to a guess first" in texts(again)  # a guess of 101 is not restored
