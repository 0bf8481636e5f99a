"""Issue 10, defect 7: the optional LLM endpoint is not an open proxy (SSRF).

Off unless the operator sets BRAINLAB_LLM_HOSTS; then loopback or listed hosts only; no
redirects followed; one message for every failure (no port scanning); the key never in a
message or a log. The calls go to real HTTP servers on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from brainlab import endpoint
from brainlab import retrieval as rt
from brainlab.endpoint import EndpointError, Policy, check_url, failed_message, policy

#: The one failure message, in English (the tests' language).
FAILED = failed_message("en")

KEY = "sk-secret-1234567890"
LOOP = Policy(loopback=True)


class Server:
    """A loopback HTTP server answering with ``respond(handler) -> (status, headers, body)``."""

    def __init__(self, respond) -> None:
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                outer.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                status, headers, body = respond(self)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def ok(_h):
    return (
        200,
        {"Content-Type": "application/json"},
        json.dumps({"choices": [{"message": {"content": "Hi [1]"}}]}).encode(),
    )


@pytest.fixture
def llm():
    s = Server(ok)
    yield s
    s.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_off_unless_the_operator_sets_the_variable(monkeypatch, llm):
    monkeypatch.delenv(endpoint.ENV_HOSTS, raising=False)
    assert policy() is None
    with pytest.raises(rt.LibraryError, match="off on this server"):
        rt.ask_endpoint(llm.url, "m", "p")
    assert llm.requests == []  # nothing was sent
    assert policy({endpoint.ENV_HOSTS: " , "}) is None


def test_loopback_allowed_when_enabled(monkeypatch, llm):
    monkeypatch.setenv(endpoint.ENV_HOSTS, "loopback")
    assert rt.ask_endpoint(llm.url + "/", "llama3", "PROMPT", api_key=KEY) == "Hi [1]"
    req = llm.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert json.loads(req["body"])["messages"][0]["content"] == "PROMPT"
    assert req["headers"]["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1:8080/v1",
        "http://example.com/v1",
        "http://localhost.example.com/v1",
        "http://127.0.0.1.nip.io/v1",
        "http://0.0.0.0:5432/v1",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_x",
        "http://user:pw@127.0.0.1:11434/v1",
        "http://127.0.0.1:11434/v1?x=1",
        "http://[::ffff:169.254.169.254]/v1",
        "http://127.0.0.1:99999/v1",
    ],
)
def test_anything_but_loopback_is_refused_before_any_request(url):
    with pytest.raises(EndpointError) as exc:
        check_url(url, LOOP)
    assert FAILED not in str(exc.value)


def test_loopback_forms_are_allowed():
    for url in ("http://localhost:11434/v1", "http://127.0.0.1:8000", "http://[::1]:8000/v1"):
        assert check_url(url, LOOP)[1] is True


def test_an_allowlist_names_hosts_or_host_and_port():
    p = policy({endpoint.ENV_HOSTS: "LLM.school.example:443, other.example"})
    assert p == Policy(False, frozenset({"llm.school.example:443", "other.example"}))
    assert check_url("https://llm.school.example/v1", p) == (
        "https://llm.school.example/v1/chat/completions",
        False,
    )
    check_url("http://other.example:8080/v1", p)
    with pytest.raises(EndpointError, match="may only call"):
        check_url("http://llm.school.example:8080/v1", p)
    with pytest.raises(EndpointError, match="may only call"):
        check_url("http://localhost:11434/v1", p)  # loopback not listed


def test_a_key_is_not_sent_over_plain_http_to_another_machine():
    p = Policy(hosts=frozenset({"other.example"}))
    with pytest.raises(EndpointError, match="https"):
        endpoint.ask("http://other.example/v1", "m", "p", api_key=KEY, allowed=p)


def test_redirects_are_not_followed(llm):
    target = llm  # the redirect points here: it must never be called
    hop = Server(lambda h: (307, {"Location": target.url + "/chat/completions"}, b""))
    try:
        with pytest.raises(EndpointError) as exc:
            endpoint.ask(hop.url, "m", "p", allowed=LOOP)
        assert str(exc.value) == FAILED
        assert len(hop.requests) == 1 and target.requests == []
    finally:
        hop.close()


def test_every_failure_reads_the_same_and_never_shows_the_key(caplog):
    closed = f"http://127.0.0.1:{free_port()}/v1"
    servers = [
        Server(lambda h: (500, {}, b"internal error " + KEY.encode())),
        Server(lambda h: (200, {}, b"not json")),
        Server(lambda h: (200, {}, b'{"choices": []}')),
        Server(lambda h: (401, {}, b"bad key")),
    ]
    messages = set()
    try:
        with caplog.at_level(logging.DEBUG):
            for url in [closed, *(s.url for s in servers)]:
                with pytest.raises(EndpointError) as exc:
                    endpoint.ask(url, "m", "p", api_key=KEY, allowed=LOOP, timeout=5)
                messages.add(str(exc.value))
                assert exc.value.__cause__ is None and exc.value.__suppress_context__
    finally:
        for s in servers:
            s.close()
    assert messages == {FAILED}  # refused, 500, not JSON, no choices, 401: one message
    assert KEY not in caplog.text


def test_the_lab_panel_says_it_is_off(monkeypatch):
    from tests.apptest import run_page

    monkeypatch.delenv(endpoint.ENV_HOSTS, raising=False)
    at = run_page("retrieval_lab", timeout=90)
    at.session_state["retrieval_tab"] = "Real LLM"
    at.run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "Off on this server" in captions and endpoint.ENV_HOSTS in captions
    assert not [t for t in at.toggle if t.key == "retrieval_llm_on"]


def test_the_lab_panel_names_what_the_operator_allowed(monkeypatch):
    from tests.apptest import run_page

    monkeypatch.setenv(endpoint.ENV_HOSTS, "loopback")
    at = run_page("retrieval_lab", timeout=90)
    at.session_state["retrieval_tab"] = "Real LLM"
    at.run()
    assert not at.exception, at.exception
    shown = [c.value.replace("\\", "") for c in at.caption]
    assert "This server may call: this machine (localhost)." in shown
    assert [t for t in at.toggle if t.key == "retrieval_llm_on"]


# --------------------------------------------------------------------------- in Chinese


@pytest.mark.parametrize(
    ("url", "allowed", "chinese"),
    [
        ("http://localhost:11434/v1", None, f"环境变量 {endpoint.ENV_HOSTS} 打开它"),
        ("http://127.0.0.1:99999/v1", LOOP, "不是有效的网址"),
        ("file:///etc/passwd", LOOP, "必须以 http:// 或 https:// 开头"),
        ("http://user:pw@127.0.0.1:11434/v1", LOOP, "不要写用户名或密码"),
        ("http://127.0.0.1:11434/v1?x=1", LOOP, "不能带 ?查询参数"),
        ("http://example.com/v1", LOOP, "只能调用这些接口：localhost（本机）。"),
    ],
)
def test_every_refusal_has_a_chinese_twin(url, allowed, chinese):
    with pytest.raises(EndpointError) as english:
        check_url(url, allowed, language="en")
    with pytest.raises(EndpointError) as zh:
        check_url(url, allowed, language="zh")
    assert chinese in str(zh.value)
    assert re.search(r"[\u4e00-\u9fff]", str(zh.value)) and str(zh.value) != str(english.value)
    assert not re.search(r"[\u4e00-\u9fff]", str(english.value))


def test_the_messages_follow_the_readers_language_and_failure_still_says_nothing(monkeypatch):
    from brainlab import content

    broken = Server(lambda h: (500, {}, b"internal error " + KEY.encode()))
    monkeypatch.delenv(endpoint.ENV_HOSTS, raising=False)
    content.set_language("zh")  # what the app's frame does for a Chinese session
    try:
        with pytest.raises(rt.LibraryError, match="这台服务器关闭了"):
            rt.ask_endpoint(broken.url, "m", "p")
        with pytest.raises(EndpointError, match="API 密钥只通过 https://"):
            endpoint.ask("http://other.example/v1", "m", "p", api_key=KEY,
                         allowed=Policy(hosts=frozenset({"other.example"})))  # fmt: skip
        with pytest.raises(EndpointError) as exc:
            endpoint.ask(broken.url, "m", "p", api_key=KEY, allowed=LOOP, timeout=5)
        # In the session's language (Chinese here), when no language is named.
        assert str(exc.value) == endpoint.failed_message("zh") == endpoint.failed_message()
        assert "接口没有给出可用的回答" in str(exc.value) and KEY not in str(exc.value)
    finally:
        content.set_language("en")
        broken.close()
    assert endpoint.failed_message() == FAILED and "no usable answer" in FAILED


def test_the_lab_panel_in_chinese_refuses_an_address_in_chinese(monkeypatch):
    from tests.apptest import run_page, texts

    monkeypatch.setenv(endpoint.ENV_HOSTS, "loopback")
    at = run_page("retrieval_lab", timeout=90, query={"lang": "zh"})
    at.session_state["retrieval_tab"] = "真正的大语言模型"
    at.run()
    assert not at.exception, at.exception
    at.toggle(key="retrieval_llm_on").set_value(True).run()
    at.text_input(key="retrieval_llm_url").set_value("http://169.254.169.254/latest").run()
    at.button(key="retrieval_llm_send").click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert errors == [
        "这台服务器只能调用这些接口：localhost（本机）。如需调用别的接口，请联系运行服务器的人。"
    ]
    assert "may only call" not in texts(at)
