"""The server's hardening settings (issue 10, defect 6): written in .streamlit/config.toml,
and in force on a real server: an upload without this browser's XSRF token is refused."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request

from tests.conftest import ROOT


def test_config_keeps_xsrf_and_cors_protection_on():
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert server["enableXsrfProtection"] is True and server["enableCORS"] is True
    assert server["maxUploadSize"] <= 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_upload_without_the_xsrf_token_is_refused():
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        body = (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\nkey,value\r\n--b--\r\n"
        )
        request = urllib.request.Request(
            f"{base}/_stcore/upload_file/session/file",
            data=body,
            method="PUT",
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        try:
            urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as exc:
            assert exc.code == 403, exc.code
        else:
            raise AssertionError("an upload without an XSRF token was accepted")
    finally:
        server.terminate()
        server.wait(timeout=20)
