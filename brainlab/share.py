"""Links and QR codes for sharing a view: pure, no Streamlit.

The "Share this view" panel (:mod:`brainlab.ui.frame`) shows the current page's full
address, query string included, and a QR code of it drawn as SVG by ``segno``. The address
students on the same network open is :mod:`brainlab.classlink`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode, urlsplit, urlunsplit

import segno

#: The QR code's error correction: "m" survives about 15% damage (a projector's glare).
ERROR = "m"
#: The quiet zone around the code, in modules (the standard asks for 4).
BORDER = 4


def view_link(page_url: str, params: Iterable[tuple[str, str]]) -> str:
    """The page's address with ``params`` as its query string (any old query dropped).

    Parameters
    ----------
    page_url
        The app's address and the page's path, e.g. ``http://host:8501/retrieval_lab``.
    params
        ``(name, value)`` pairs in order; a name may repeat (a multi-select).
    """
    parts = urlsplit(page_url)
    query = urlencode(list(params))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def qr_code(text: str) -> segno.QRCode:
    """The QR code of ``text`` (byte mode, error correction :data:`ERROR`)."""
    return segno.make(text, error=ERROR, micro=False)


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as an SVG string: black modules on a white square with a
    quiet zone, a ``viewBox`` and no fixed size, so it scales to any width it is drawn at
    (white in the dark theme too: phone cameras read dark on light)."""
    return qr_code(text).svg_inline(
        scale=1,
        border=BORDER,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass=None,
        lineclass=None,
    )
