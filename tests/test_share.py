"""The "Share this view" panel and presenter mode's class address: pure link and QR
helpers, and AppTest of the sidebar that draws them."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from brainlab import classlink, share
from tests.apptest import APP

ADDRESS = "http://192.0.2.10:8501"


def drawn_matrix(svg: str) -> np.ndarray:
    """The dark modules of a segno SVG, read back from its path (quiet zone included).

    segno draws each row's dark runs as one stroked line: ``M x y`` / ``m dx dy`` move,
    ``h n`` paints ``n`` modules at row ``floor(y)``.
    """
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    path = re.findall(r'<path stroke="#000" d="([^"]+)"', svg)
    assert len(path) == 1, svg[:200]
    grid = np.zeros((size, size), dtype=bool)
    x = y = 0.0
    for cmd, args in re.findall(r"([MmHh])([-\d.\s]+)", path[0]):
        nums = [float(n) for n in args.split()]
        if cmd == "M":
            x, y = nums
        elif cmd == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            n = nums[0] if cmd == "h" else nums[0] - x
            grid[int(y), int(x) : int(x + n)] = True
            x += n
    return grid


def expected_matrix(text: str) -> np.ndarray:
    """segno's own matrix for ``text``, with the same quiet zone."""
    matrix = np.array(share.qr_code(text).matrix, dtype=bool)
    return np.pad(matrix, share.BORDER)


def svg_of(image) -> str:
    url = image.proto.imgs[0].url
    head, _, data = url.partition(",")
    assert head == "data:image/svg+xml;base64", head
    return base64.b64decode(data).decode()


def test_view_link_puts_the_parameters_in_order_and_drops_an_old_query():
    link = share.view_link(
        "http://h:8501/retrieval_lab?old=1", [("retrieval_query", "Can I return it?"), ("x", "a&b")]
    )
    assert link == "http://h:8501/retrieval_lab?retrieval_query=Can+I+return+it%3F&x=a%26b"
    assert parse_qsl(urlsplit(link).query) == [
        ("retrieval_query", "Can I return it?"),
        ("x", "a&b"),
    ]


@pytest.mark.parametrize("text", ["http://192.0.2.10:8501/", "http://h/x?q=" + "é" * 200])
def test_the_svg_draws_exactly_segnos_matrix_and_scales(text):
    svg = share.qr_svg(text)
    assert svg.startswith("<svg") and "<script" not in svg
    assert "width=" not in svg.split(">")[0]  # a viewBox only: it scales to any width
    assert np.array_equal(drawn_matrix(svg), expected_matrix(text))
    assert not np.array_equal(drawn_matrix(svg), expected_matrix(text + "x"))


def test_class_link_and_lan_address():
    assert classlink.url_for("192.0.2.7", 8501) == "http://192.0.2.7:8501/"
    assert classlink.url_for("fe80::1", 8502, "/cost_lab") == "http://[fe80::1]:8502/cost_lab"
    address = classlink.lan_address()
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", address), address


def app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.context["url"] = ADDRESS
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def open_share(at: AppTest) -> AppTest:
    at.session_state["share_popover"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_share_panel_shows_the_views_link_and_a_qr_code_of_it():
    at = app({"vocab": "Technical", "presenter": "true"})
    assert not [c for c in at.sidebar.code if "vocab=" in c.value]  # closed: nothing drawn
    open_share(at)
    links = [c.value for c in at.sidebar.code if c.value.startswith(ADDRESS + "?")]
    assert len(links) == 1, [c.value for c in at.sidebar.code]
    link = links[0]
    assert dict(parse_qsl(urlsplit(link).query)) == {"vocab": "Technical", "presenter": "true"}
    qr = [i for i in at.sidebar.get("image") if i.proto.imgs[0].caption]
    assert len(qr) == 1
    assert qr[0].proto.imgs[0].caption == "Scan with a phone camera to open this view."
    assert np.array_equal(drawn_matrix(svg_of(qr[0])), expected_matrix(link))


def qr_images(images) -> list[str]:
    """The SVGs of the QR codes among ``images`` (the lesson's own figures are not)."""
    svgs = [svg_of(i) for i in images if i.value[0].startswith("data:image/svg+xml")]
    return [s for s in svgs if '<path stroke="#000"' in s]


def test_show_large_opens_a_dialog_with_the_same_code():
    at = open_share(app({"vocab": "Technical"}))
    link = ADDRESS + "?vocab=Technical"
    main = [i for i in at.get("image") if i not in at.sidebar.get("image")]
    assert qr_images(main) == []
    at.button(key="share_large").click().run()
    assert not at.exception, at.exception
    main = [i for i in at.get("image") if i not in at.sidebar.get("image")]
    (large,) = qr_images(main)  # in the dialog, not in the sidebar
    assert np.array_equal(drawn_matrix(large), expected_matrix(link))
    assert [c.value for c in at.code] == [link]  # the dialog's: the panel closed
    assert at.session_state["share_popover"] is False


@pytest.fixture
def served_on():
    """Set ``server.address`` for one test (the project's config says ``localhost``)."""
    from streamlit import config

    before = config.get_option("server.address")
    yield lambda address: config.set_option("server.address", address)
    config.set_option("server.address", before)


@pytest.mark.parametrize(
    ("served", "host"), [("0.0.0.0", classlink.lan_address()), ("localhost", "localhost")]
)
def test_a_localhost_visit_shares_the_lan_address_when_the_class_can_reach_it(
    served_on, served, host
):
    served_on(served)
    at = AppTest.from_file(APP, default_timeout=30)
    at.context["url"] = "http://localhost:8501"
    at.query_params["vocab"] = "Technical"
    at.run()
    open_share(at)
    assert f"http://{host}:8501?vocab=Technical" in [c.value for c in at.sidebar.code]


# --------------------------------------------------------------------------- the class link

LAN = ["127.0.1.1", "192.168.1.20"]


@pytest.fixture
def server(monkeypatch):
    """Set ``server.address`` and ``server.port`` for one test, and the machine's
    addresses the class link finds (brainlab.classlink.probe_addresses)."""
    from streamlit import config

    before = {k: config.get_option(k) for k in ("server.address", "server.port")}
    monkeypatch.setattr(classlink, "probe_addresses", lambda *a, **k: list(LAN))
    classlink.ADDRESSES.clear()  # probed again, through the replacement

    def serve(address: str, port: int = 8501) -> None:
        config.set_option("server.address", address)
        config.set_option("server.port", port)

    yield serve
    classlink.ADDRESSES.clear()  # the next test probes the real machine again
    for key, value in before.items():
        config.set_option(key, value)


def class_app(presenter: bool, url: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.context["url"] = url
    if presenter:
        at.query_params["present"] = "1"
    at.run()
    assert not at.exception, at.exception
    return at


def class_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption if "Students open" in c.value]


def test_presenter_mode_shows_the_lan_address_and_the_servers_port_with_a_qr_code(server):
    server("0.0.0.0", 8765)
    at = class_app(True, "http://localhost:8765/cost_lab")
    assert class_captions(at) == ["**Students open:** `http://192.168.1.20:8765/`"]
    assert not [i for i in at.get("image") if i not in at.sidebar.get("image")]
    at.button(key="class_link_show").click().run()
    assert not at.exception, at.exception
    (dialog,) = at.get("dialog")
    assert dialog.proto.dialog.title == "Open this on your laptop or phone"
    assert [h.value for h in dialog.title] == ["http://192.168.1.20:8765/"]
    (code,) = qr_images(dialog.get("image"))
    assert np.array_equal(drawn_matrix(code), expected_matrix("http://192.168.1.20:8765/"))


def test_without_presenter_mode_there_is_no_class_link(server):
    server("0.0.0.0", 8765)
    at = class_app(False, "http://localhost:8765/")
    assert class_captions(at) == []
    assert not [b for b in at.button if b.key == "class_link_show"]
    assert not any("Students cannot reach" in w.value for w in at.sidebar.warning)


def test_a_teacher_on_a_network_address_gives_the_class_that_address(server):
    # Behind nginx on port 80, in front of a replica on 127.0.0.1:8501.
    server("127.0.0.1", 8501)
    at = class_app(True, "http://school.example/which_path")
    assert class_captions(at) == ["**Students open:** `http://school.example/`"]


def test_presenter_mode_says_when_students_cannot_reach_the_app_and_how_to_fix_it(server):
    server("localhost", 8501)
    at = class_app(True, "http://localhost:8501/")
    (warning,) = [w.value for w in at.sidebar.warning]
    assert "listens on this computer only (server.address = localhost)" in warning
    assert "--server.address 0.0.0.0" in warning and "Serve a class" in warning
    assert "http://192.168.1.20:8501/" in warning  # what students open after the restart
    assert class_captions(at) == []  # no address to scan that cannot work
    assert not [b for b in at.button if b.key == "class_link_show"]


def test_presenter_mode_says_when_this_computer_has_no_network(server, monkeypatch):
    server("0.0.0.0", 8501)
    monkeypatch.setattr(classlink, "probe_addresses", lambda *a, **k: ["127.0.1.1"])
    classlink.ADDRESSES.clear()
    at = class_app(True, "http://localhost:8501/")
    (warning,) = [w.value for w in at.sidebar.warning]
    assert "has no network address" in warning


def test_the_class_link_is_in_chinese_too(server):
    server("0.0.0.0", 8501)
    at = AppTest.from_file(APP, default_timeout=30)
    at.context["url"] = "http://localhost:8501/"
    at.query_params["present"] = "1"
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception, at.exception
    assert "**学生打开:** `http://192.168.1.20:8501/`" in [c.value for c in at.sidebar.caption]
