"""References: every published source behind the labs' figures, with its address and date."""

import streamlit as st

from brainlab import references, ui
from brainlab.content import load_site

page = ui.lesson("references")
w = references.words()
titles = {spec.slug: spec.title for spec in load_site()}

ui.page_header(page)
ui.section(page, "list")
entries = references.load_references()
st.caption(w["count"].format(n=len(entries)))

for ref in entries:
    with st.container(border=True):
        # The anchor is the entry's id: a lab links to /references#<id>.
        st.subheader(ref.title, anchor=ref.id)
        by = w["field"].format(label=w["authors"], value=ref.authors)
        st.markdown(by + "  \n" + w["field"].format(label=w["date"], value=ref.date))
        if ref.note:
            st.markdown(w["field"].format(label=w["note"], value=ref.note))
        st.markdown(f"[{w['link']}]({ref.url}) · `{ref.url}`")
        # One row that wraps: equal columns cut a long page title short (four pages, or a
        # narrow window).
        with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
            st.caption(w["used_by"], width="content")
            for slug in ref.used_by:
                spec = next(s for s in load_site() if s.slug == slug)
                st.page_link(spec.script, label=titles[slug], icon=spec.icon)

ui.simplifies_box(page)
ui.onward(page.slug)
