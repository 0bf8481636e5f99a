"""AppTests of workspaces (issue 10, item 1 and defect 10): a lab restores what the reader
made from the workspace in the address; another workspace never sees it; "start fresh"
makes a new one and keeps the old; a shared copy is a copy, never the sender's."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from brainlab import costs
from brainlab.ui import workspace
from tests.apptest import APP, run_page, texts
from tests.test_cost_lab_page import edit, shown_values


def ws_of(at) -> str:
    return at.session_state[workspace._ID]


def test_the_address_carries_the_workspace_id():
    at = run_page("cost_lab")
    ws = ws_of(at)
    assert at.query_params[workspace.WS_PARAM] == [ws] or at.query_params[workspace.WS_PARAM] == ws
    assert len(ws) == 22


def test_a_cost_table_edit_comes_back_in_a_new_session_of_the_same_workspace():
    at = run_page("cost_lab")
    edit(at, {"queries_per_month": 200000.0})
    ws = ws_of(at)
    again = run_page("cost_lab", query={workspace.WS_PARAM: ws})  # a refresh: new session
    assert not again.exception, again.exception
    assert ws_of(again) == ws
    assert shown_values(again)["queries_per_month"] == 200000.0
    assert "At 200,000 questions a month" in again.info[0].value
    # Another workspace (another reader) sees the defaults.
    other = run_page("cost_lab")
    assert ws_of(other) != ws
    default = costs.default_assumptions().set_index("key")["value"]["queries_per_month"]
    assert shown_values(other)["queries_per_month"] == float(default)


def test_a_made_up_or_malformed_id_gets_its_own_empty_workspace():
    at = run_page("cost_lab", query={workspace.WS_PARAM: "../../etc/passwd"})
    assert not at.exception, at.exception
    assert ws_of(at) != "../../etc/passwd" and len(ws_of(at)) == 22


@pytest.mark.model
def test_a_library_edit_comes_back_and_a_share_opens_a_copy():
    at = run_page("retrieval_lab", timeout=90)
    at.session_state["retrieval_tab"] = "The whole library"
    at.run()
    at.selectbox(key="retrieval_delete_doc").set_value("kettle-k210").run()
    at.button(key="retrieval_delete").click().run()
    assert not at.exception, at.exception
    ws = ws_of(at)
    ids = [d.id for d in at.session_state["retrieval_lab_state"].library]
    assert "kettle-k210" not in ids

    again = run_page("retrieval_lab", timeout=90, query={workspace.WS_PARAM: ws})
    assert not again.exception, again.exception
    assert [d.id for d in again.session_state["retrieval_lab_state"].library] == ids

    # Share a copy: the receiver gets the edited library in a workspace of their own.
    share_id = workspace.get_store().share(ws, workspace.SHARED)
    receiver = AppTest.from_file(APP, default_timeout=90)
    receiver.query_params[workspace.COPY_PARAM] = share_id
    receiver.run()
    assert "You opened a shared copy" in texts(receiver)  # said on the page it opens
    receiver.switch_page("pages/retrieval_lab.py").run()
    assert not receiver.exception, receiver.exception
    assert ws_of(receiver) not in (ws, share_id)
    assert [d.id for d in receiver.session_state["retrieval_lab_state"].library] == ids
    # The receiver's reset changes only their copy.
    receiver.session_state["retrieval_tab"] = "The whole library"
    receiver.run()
    receiver.button(key="retrieval_reset").click().run()
    assert "kettle-k210" in [d.id for d in receiver.session_state["retrieval_lab_state"].library]
    sender = workspace.get_store().get(ws, "retrieval")
    assert "kettle-k210" not in [d["id"] for d in sender["library"]]


def test_start_fresh_makes_a_new_workspace_and_keeps_the_old_one():
    at = run_page("cost_lab")
    edit(at, {"queries_per_month": 200000.0})
    old = ws_of(at)
    at.session_state[workspace._PANEL] = True  # open "Your work"
    at.run()
    at.button(key="ws_fresh").click().run()
    assert not at.exception, at.exception
    assert ws_of(at) != old
    assert shown_values(at)["queries_per_month"] != 200000.0
    assert "Your previous work is kept" in texts(at)
    assert workspace.get_store().get(old, "costs")["values"]["queries_per_month"] == 200000.0


def test_the_share_this_view_link_never_carries_the_workspace_id():
    from brainlab.ui import frame

    at = run_page("cost_lab")
    ws = ws_of(at)
    at.session_state[frame.SHARE_KEY] = True
    at.run()
    assert not at.exception, at.exception
    links = [c.value for c in at.code]
    assert links and not any(ws in link for link in links if "cost_lab" in link)
