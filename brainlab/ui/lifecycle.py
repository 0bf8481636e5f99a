"""The model-lifecycle table under the Cost lab's "How it is counted" tab.

The rows and their meaning come from :mod:`brainlab.model_lifecycle` (pure, unit-tested);
this module only draws them: a compact, read-only table whose last column links each row
to its entry on the References page, and the links to every entry the rows cite.
"""

from __future__ import annotations

import streamlit as st

from brainlab import model_lifecycle as ml
from brainlab import references
from brainlab.words import Words

KEY = "cost_lifecycle"


def show(months: float, w: Words) -> None:
    """The lifecycle table for a horizon of ``months`` months, in the reader's language."""
    life = ml.load(language=w.language)
    rows, titles = ml.table(life, months, date_text=w.date)
    words = life.words
    cc = st.column_config

    def text(col: str, **kwargs) -> st.column_config.Column:
        return cc.TextColumn(titles[col], help=words.get(f"{col}_help"), **kwargs)

    st.markdown(f"**{words['title']}**")
    st.caption(ml.caption(life, months, date_text=w.date))
    st.dataframe(
        rows,
        key=KEY,
        hide_index=True,
        width="stretch",
        height="content",  # every row, no inner scroll bar
        alt=words["title"],
        column_config={
            "model": text("model", pinned=True, width=175),
            "status": text("status", width=170),
            "shutdown": text("shutdown", width=130),
            "inside": text("inside", width=160),
            "released": text("released", width=120),
            "role": text("role", width="large"),
            "provider": text("provider", width=110),
            "origin": text("origin", width="large"),
            # The link's text is the entry's id, read back from its address.
            "entry": cc.LinkColumn(
                titles["entry"],
                help=words.get("entry_help"),
                display_text=r"/references#(.*)",
                width=150,
            ),
        },
    )
    st.markdown(references.links(ml.refs(life)))
