"""Issue 10, defect 6: a crafted ``st.data_editor`` message (row 999, "abc", -1, added or
deleted rows, a locked column) is checked on the server: the core drops what the table does
not allow, and the Cost lab shows a clear message instead of crashing or editing the wrong
row."""

from __future__ import annotations

import pytest

from brainlab import costs
from brainlab.editor_state import clean_edits
from tests.apptest import run_page

N = 5


def msg(edited=None, added=None, deleted=None):
    return {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": deleted or []}


def test_a_normal_edit_passes():
    e = clean_edits(msg({0: {"value": 3.0}, "4": {"value": "x"}}), n_rows=N, editable=["value"])
    assert e.clean and e.rows == {0: {"value": 3.0}, 4: {"value": "x"}}


@pytest.mark.parametrize("row", [999, 5, -1, "-1", "abc", "1.5", "٣", None, 2.5, " 1"])
def test_a_row_outside_the_table_is_dropped(row):
    e = clean_edits(msg({row: {"value": 1.0}, 1: {"value": 2.0}}), n_rows=N, editable=["value"])
    assert not e.clean
    assert e.rows == {1: {"value": 2.0}}  # the good edit beside it is kept


def test_added_deleted_rows_and_locked_columns_are_dropped():
    e = clean_edits(
        msg({2: {"value": 1.0, "label": "<b>x</b>"}}, added=[{"value": 1}], deleted=[0]),
        n_rows=N,
        editable=["value"],
    )
    assert e.rows == {2: {"value": 1.0}}
    assert set(e.rejected) == {"added rows", "deleted rows", "a locked column in row 3"}


@pytest.mark.parametrize("state", ["garbage", 3, [1, 2], {"edited_rows": "x"}, {"x": 1}])
def test_a_message_that_is_not_a_table_edit_is_refused(state):
    e = clean_edits(state, n_rows=N, editable=["value"])
    assert not e.clean and e.rows == {}


def test_no_state_is_no_edit():
    assert clean_edits(None, n_rows=N, editable=["value"]).clean


@pytest.mark.parametrize(
    "state",
    [
        msg({999: {"value": 1.0}}),
        msg({"abc": {"value": 1.0}}),
        msg({-1: {"value": 1.0}}),
        msg(added=[{"value": 3}], deleted=[0, 999]),
        "garbage",
    ],
)
def test_the_cost_lab_survives_a_crafted_edit_and_says_so(state):
    at = run_page("cost_lab")
    before = at.dataframe[0].value["value"].tolist()
    at.session_state[at.session_state["cost_state"].editor_key] = state
    at.run()
    assert not at.exception, at.exception
    assert any("was not allowed and was ignored" in w.value for w in at.warning)
    # Nothing changed: in particular row -1 did not edit the last row.
    assert at.dataframe[0].value["value"].tolist() == before
    assert list(at.dataframe[0].value["key"]) == list(costs.default_assumptions()["key"])
    at.run()  # the next run is clean: the message was shown once
    assert not at.exception, at.exception
    assert not any("was not allowed" in w.value for w in at.warning)


def test_a_crafted_row_name_is_shown_as_text():
    at = run_page("cost_lab")
    key = at.session_state["cost_state"].editor_key
    at.session_state[key] = msg({"[x](http://e.vil)": {"value": 1.0}})
    at.run()
    assert not at.exception, at.exception
    note = next(w.value for w in at.warning if "not allowed" in w.value)
    assert "](http" not in note  # escaped: no live link


def test_a_boolean_is_not_a_row():
    assert clean_edits(msg({True: {"value": 1.0}}), n_rows=N, editable=["value"]).rows == {}
