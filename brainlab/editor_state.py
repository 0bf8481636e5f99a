"""Server-side check of what an ``st.data_editor`` says was edited (pure, no streamlit).

The browser sends the table's edits as ``{"edited_rows": {row: {column: value}},
"added_rows": [...], "deleted_rows": [...]}``. Streamlit enforces ``num_rows="fixed"``,
``disabled=`` columns and number limits only in the browser: a crafted message can name row
999, row "abc" or row -1 (which Python would read as the last row), add or delete rows, or
edit a disabled column, and Streamlit itself raises on some of these while drawing the
table. :func:`clean_edits` keeps only what the table allows and says what it dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Edits:
    """The allowed edits, by row position, and whether anything else was asked."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    rejected: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        """True when the whole message was allowed (nothing dropped)."""
        return not self.rejected


def _row(value: Any, n_rows: int) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        row = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        row = int(value)
    else:
        return None
    return row if 0 <= row < n_rows else None


def clean_edits(state: Any, *, n_rows: int, editable: Iterable[str]) -> Edits:
    """Check a data editor's state against a fixed table of ``n_rows`` rows.

    Parameters
    ----------
    state
        What the session holds for the editor's key (anything: it comes from the browser).
    n_rows
        Rows of the table; rows can be neither added nor deleted.
    editable
        The columns a reader may edit.

    Returns
    -------
    Edits
        ``rows``: row position -> {column: value} for allowed cells only; ``rejected``:
        a short description of each part dropped (empty when everything was allowed).
    """
    allowed = set(editable)
    if state is None:
        return Edits()
    if not isinstance(state, Mapping):
        return Edits(rejected=("the edit is not a table edit",))
    rejected: list[str] = []
    unknown = set(state) - {"edited_rows", "added_rows", "deleted_rows"}
    if unknown:
        rejected.append("unknown parts")
    if state.get("added_rows"):
        rejected.append("added rows")
    if state.get("deleted_rows"):
        rejected.append("deleted rows")
    rows: dict[int, dict[str, Any]] = {}
    edited = state.get("edited_rows") or {}
    if not isinstance(edited, Mapping):
        return Edits(rejected=(*rejected, "edited rows that are not a table"))
    for raw_row, change in edited.items():
        row = _row(raw_row, n_rows)
        if row is None:
            rejected.append(f"row {str(raw_row)[:20]!r}")
            continue
        if not isinstance(change, Mapping):
            rejected.append(f"row {row + 1}")
            continue
        cells = {c: v for c, v in change.items() if c in allowed}
        if len(cells) != len(change):
            rejected.append(f"a locked column in row {row + 1}")
        if cells:
            rows[row] = cells
    return Edits(rows=rows, rejected=tuple(rejected))
