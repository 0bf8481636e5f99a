"""The optional LLM endpoint, locked down: off unless the server's operator allows it.

A web page that makes its server fetch any address a visitor types is a server-side request
forgery (SSRF): the visitor could reach the operator's own network, a cloud metadata
address, or scan ports from the errors. So:

- **Off by default.** Only the person running the server turns it on, with the environment
  variable ``BRAINLAB_LLM_HOSTS`` (see the README): ``loopback`` allows this machine
  (``localhost``, ``127.0.0.0/8``, ``::1``) on any port; other entries are host names or
  ``host:port`` pairs allowed exactly, e.g. ``BRAINLAB_LLM_HOSTS=loopback,llm.school.example:443``.
- **No redirects** are followed (a redirect could lead anywhere), and no proxy from the
  environment is used.
- **One message for every failure** (refused, timed out, an HTTP error, not JSON): what the
  server saw is not told, so the panel cannot be used to find open ports.
- **Messages in the reader's language**, from the ``[endpoint]`` table of
  ``content/answers.toml`` (``content/zh/answers.toml`` in Chinese): the session's language
  by default (:func:`brainlab.content.current_language`), or the ``language`` a caller names.
- **The API key** goes only into the request's header: never into a message, never logged,
  and never over plain http to a machine other than this one.

Pure Python (urllib); no streamlit.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from brainlab.content import load_toml

#: The environment variable the server's operator sets to allow the endpoint.
ENV_HOSTS = "BRAINLAB_LLM_HOSTS"
#: The entry meaning "this machine, any port".
LOOPBACK = "loopback"
#: Longest reply read (bytes).
MAX_REPLY = 2_000_000


def message(key: str, language: str | None = None, **values: Any) -> str:
    """One message of the ``[endpoint]`` table of ``content/answers.toml``, in ``language``
    (the reader's current language by default)."""
    text = str(load_toml("answers.toml", language=language)["endpoint"][key])
    return text.format(**values) if values else text


def failed_message(language: str | None = None) -> str:
    """The one message for anything that goes wrong once the request is allowed."""
    return message("failed", language)


class EndpointError(ValueError):
    """The endpoint is not allowed or gave no usable answer; the message says which."""


@dataclass(frozen=True)
class Policy:
    """Which endpoints this server may call."""

    loopback: bool = False
    hosts: frozenset[str] = frozenset()  # lower-case names, each either "host" or "host:port"

    def describe(self, loopback_name: str = "localhost") -> str:
        """The allowed hosts, for messages (``loopback_name`` stands for this machine)."""
        parts = ([loopback_name] if self.loopback else []) + sorted(self.hosts)
        return ", ".join(parts)


def policy(environ: Mapping[str, str] | None = None) -> Policy | None:
    """The operator's policy from ``BRAINLAB_LLM_HOSTS``; ``None`` when the endpoint is off."""
    raw = (os.environ if environ is None else environ).get(ENV_HOSTS, "")
    entries = {e.strip().lower() for e in raw.split(",") if e.strip()}
    if not entries:
        return None
    return Policy(loopback=LOOPBACK in entries, hosts=frozenset(entries - {LOOPBACK}))


def _is_loopback_name(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _resolves_to_loopback(host: str, port: int) -> bool:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(
        ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses
    )


def check_url(
    base_url: str, allowed: Policy | None, *, language: str | None = None
) -> tuple[str, bool]:
    """The full ``/chat/completions`` URL for ``base_url`` if ``allowed`` lets it be called.

    ``language``: of the messages (the reader's current language by default).

    Returns
    -------
    url, local
        ``local`` is True when the address is this machine.

    Raises
    ------
    EndpointError
        Off on this server, not http(s), a user name or password in the address, or a host
        the operator did not allow. The message is about the address typed, never about
        what is listening there.
    """
    if allowed is None:
        raise EndpointError(message("off", language, variable=ENV_HOSTS))
    url = base_url.strip().rstrip("/")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise EndpointError(message("invalid_url", language)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(message("scheme", language))
    if parts.username is not None or parts.password is not None:
        raise EndpointError(message("userinfo", language))
    if parts.query or parts.fragment:
        raise EndpointError(message("query", language))
    host = parts.hostname.lower()
    local = allowed.loopback and _is_loopback_name(host) and _resolves_to_loopback(host, port)
    listed = host in allowed.hosts or f"{host}:{port}" in allowed.hosts
    if not (local or listed):
        hosts = allowed.describe(loopback_name=message("loopback", language))
        raise EndpointError(message("not_allowed", language, hosts=hosts))
    if not parts.path.endswith("/chat/completions"):
        url += "/chat/completions"
    return url, local


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises the 3xx as an HTTPError: a failure like any other


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def ask(
    base_url: str,
    model: str,
    prompt: str,
    *,
    api_key: str = "",
    timeout: float = 60,
    allowed: Policy | None = None,
    environ: Mapping[str, str] | None = None,
    language: str | None = None,
) -> str:
    """Send ``prompt`` to an allowed OpenAI-compatible endpoint; return the reply's text.

    ``allowed`` defaults to :func:`policy` of the environment; ``language`` is the messages'
    (the reader's current language by default).

    Raises
    ------
    EndpointError
        Not allowed (the message says why), or :func:`failed_message` for any failure after
        that.
    """
    if allowed is None:
        allowed = policy(environ)
    url, local = check_url(base_url, allowed, language=language)
    key = api_key.strip()
    if key and not local and not url.startswith("https://"):
        raise EndpointError(message("key_https", language))
    body = json.dumps(
        {"model": model.strip(), "messages": [{"role": "user", "content": prompt}]}
    ).encode()
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener().open(request, timeout=timeout) as resp:
            reply = json.loads(resp.read(MAX_REPLY).decode("utf-8", "replace"))
        return str(reply["choices"][0]["message"]["content"])
    except (
        urllib.error.URLError,
        OSError,
        ValueError,  # not JSON (JSONDecodeError), a bad status line
        KeyError,
        IndexError,
        TypeError,
    ):
        # One message whatever happened, and no exception text (it could name the port's
        # state or carry the request's headers).
        raise EndpointError(failed_message(language)) from None
