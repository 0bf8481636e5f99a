"""Brain Upgrade Lab's functional core: pure Python, numpy, pandas and plotly.

Nothing in this package imports streamlit except :mod:`brainlab.ui`; a ruff banned-api rule
(TID251) enforces it, so the models run the same in a test, a notebook or another UI.
"""
