"""Every view-defining control of every lab is bound to the URL (AppTest): a link that
carries the values Streamlit writes into the address bar (an option's label, a tab's
label) opens the same controls and results in a new session. The same round trip in real
Chromium is tests/browser/test_view_links_browser.py."""

from __future__ import annotations

import pytest

from brainlab import forgetting_view as fview
from brainlab import retrieval as rt
from brainlab import retrieval_view as rview
from brainlab.words import Words
from tests.apptest import run_page

TIMEOUT = 240
W = Words(vocab="analogy")


@pytest.fixture(autouse=True)
def no_background_training(monkeypatch):
    from brainlab.ui import forgetting

    monkeypatch.setattr(forgetting, "WARM_NEIGHBOURS", False)


def ok(at):
    assert not at.exception, at.exception
    return at


def test_retrieval_lab_tab_risk_case_minimum_and_slot_come_from_a_link():
    at = ok(
        run_page(
            "retrieval_lab",
            timeout=TIMEOUT,
            query={
                "retrieval_tab": "RAG's own risks",
                "retrieval_risk_case": "A page that carries an instruction",
                "retrieval_min_sim": "0.45",
                "retrieval_slot": "Edit the library",
            },
        )
    )
    assert at.session_state["retrieval_tab"] == "RAG's own risks"
    assert at.button_group(key="retrieval_risk_case").value == "injection"
    # The risks tab ran the case the link names: its planted page is drawn.
    injection = next(c for c in rt.risk_cases("en") if c.id == "injection")
    assert any(rview.escape(injection.doc.title) in m.value for m in at.markdown)
    # The minimum's slider sits in a closed tab: drawn there all the same, and used.
    assert at.slider(key="retrieval_min_sim").value == 0.45
    assert at.session_state["retrieval_lab_state"].min_sim == 0.45
    assert at.session_state["retrieval_slot"] == "Edit the library"


def test_retrieval_lab_chunking_tab_opens_on_the_linked_document():
    docs = rt.load_library()
    doc = next(d for d in docs if d.id != "policy-warranty")
    at = ok(
        run_page(
            "retrieval_lab",
            timeout=TIMEOUT,
            query={"retrieval_tab": "How documents are cut", "retrieval_chunk_doc": doc.title},
        )
    )
    assert at.selectbox(key="retrieval_chunk_doc").value == doc.id
    default = ok(run_page("retrieval_lab", timeout=TIMEOUT, query={"retrieval_tab": "Map"}))
    assert default.selectbox(key="retrieval_chunk_doc").value == "policy-warranty"


def test_retrieval_lab_reset_puts_the_always_drawn_sliders_back():
    at = ok(run_page("retrieval_lab", timeout=TIMEOUT, query={"retrieval_min_sim": "0.6"}))
    assert at.slider(key="retrieval_min_sim").value == 0.6
    at.session_state["retrieval_tab"] = "The whole library"
    ok(at.run())
    at.button(key="retrieval_reset").click()
    ok(at.run())
    assert at.slider(key="retrieval_min_sim").value == rt_min_sim()
    assert at.session_state["retrieval_lab_state"].min_sim == rt_min_sim()


def rt_min_sim() -> float:
    from brainlab.ui.retrieval import MIN_SIM

    return MIN_SIM


def test_forgetting_lab_tab_and_map_come_from_a_link():
    rag = fview.strategy_label("rag", W)
    at = ok(
        run_page(
            "forgetting_lab",
            timeout=TIMEOUT,
            query={
                "forgetting_revealed": "40",
                "forgetting_tabs": "Inside the network",
                "forgetting_map_strategy": rag,
                "forgetting_map_moment": "midway",
                "forgetting_strategies": ["naive", "rag"],
            },
        )
    )
    assert at.session_state["forgetting_tabs"] == "Inside the network"
    assert at.selectbox(key="forgetting_map_strategy").value == "rag"
    assert at.select_slider(key="forgetting_map_moment").value == 2
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert any(f"{rag}, midway (run 1)" in t for t in titles)


def test_forgetting_lab_map_controls_stay_drawn_while_their_tab_is_closed():
    rag = fview.strategy_label("rag", W)
    query = {"forgetting_revealed": "40", "forgetting_map_strategy": rag}
    at = ok(run_page("forgetting_lab", timeout=TIMEOUT, query=query))
    assert at.selectbox(key="forgetting_map_strategy").value == "rag"
    # No map computed for a closed tab.
    assert not any("(run 1)" in c.proto.spec for c in at.get("plotly_chart"))


def test_cost_lab_tab_comes_from_a_link():
    at = ok(run_page("cost_lab", timeout=TIMEOUT, query={"cost_tabs": "How sure?"}))
    assert at.session_state["cost_tabs"] == "How sure?"
    keys = {c.proto.id for c in at.get("plotly_chart")}
    assert any("cost_chart_band" in k for k in keys), keys
    plain = ok(run_page("cost_lab", timeout=TIMEOUT))
    assert not any("cost_chart_band" in c.proto.id for c in plain.get("plotly_chart"))


def test_which_path_tab_comes_from_a_link():
    at = ok(run_page("which_path", timeout=TIMEOUT, query={"which_path_tabs": "All the weights"}))
    assert at.session_state["which_path_tabs"] == "All the weights"
    plain = ok(run_page("which_path", timeout=TIMEOUT))
    assert plain.session_state["which_path_tabs"] == "Why: the points"


def test_labels_used_here_are_the_labs_own():
    """The hand-written labels above are the ones the labs draw (so a renamed tab or
    option fails here, not silently in a link)."""
    assert rview.say(W, "tabs", "risks") == "RAG's own risks"
    assert rview.say(W, "tabs", "chunks") == "How documents are cut"
    assert fview.say(W, "tabs.regions") == "Inside the network"
    assert fview.moment_names(W)[2] == "midway"
