"""Brain Upgrade Lab: the router and the frame. It teaches nothing itself.

It sets the page config, registers every page (menu order is the one list in
content/site.toml), draws the sidebar every page shares, and runs the chosen page.
"""

import os

# Before anything can import torch or tokenizers: one thread each (two cores here, and more
# threads are 10-60x slower with a busy neighbour) and no model hub at run time.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import streamlit as st
from streamlit.logger import get_logger

from brainlab import preload
from brainlab.ui import draw_sidebar
from brainlab.ui.frame import app_pages, page_config, title_first
from brainlab.ui.uploads import prune_unattached

# Wide: every lab is a stage, its controls beside the result they drive (1280x720 projector).
# No page_title here: each page's own title (content/site.toml) names its browser tab.
# The favicon is never the page's Material icon (see page_config): it would be fetched
# from fonts.gstatic.com at first paint, which an offline classroom cannot reach.
page_config(home_title_first=True)
# The background load's end ("... finished in N s") in the server's log, as Streamlit logs.
get_logger(preload.__name__)

current = st.navigation(app_pages())
if current.url_path == "retrieval_lab":
    # Opened on the lab itself (a class following the teacher's link): the model is
    # needed now, so its load starts before this run draws anything, not after the run.
    preload.start()
# The page's title before the sidebar: the first thing the browser paints (frame.py).
title_first(current)
draw_sidebar()
try:
    current.run()
finally:
    # From the first page on, the embedding model loads in a background thread, so the
    # Retrieval lab is ready when a learner gets there. Started once the page has painted
    # (a moment after the session's first run, at once after a later one): the load never
    # competes with a first paint (brainlab/preload.py).
    first_run = not st.session_state.get("app_has_run", False)
    st.session_state["app_has_run"] = True
    preload.after_run(first=first_run)
    # Files uploaded but shown by no uploader are not kept (brainlab/ui/uploads.py).
    prune_unattached()
