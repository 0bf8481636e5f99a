"""The address a class opens: which of this machine's addresses students can reach.

Pure Python, no Streamlit: presenter mode's "Class link" panel (:mod:`brainlab.ui.frame`)
passes in what the server listens on, its port and the address in the teacher's browser,
and draws the :class:`ClassLink` this module chooses. Finding the machine's own addresses
needs no network: connecting a UDP socket sends no packet, it only asks the system which
interface would route to an address, and that interface's address is the answer.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

#: Host names that always mean "this computer only".
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
#: ``server.address`` values that listen on every interface (empty: Streamlit's default).
WILDCARDS = frozenset({"", "0.0.0.0", "::", "[::]"})
#: Where the UDP probes "connect": one address in each private range, so a machine on any
#: of them finds its interface (nothing is sent; port 9 is the discard service).
PROBE_TARGETS = (("10.254.254.254", 9), ("192.168.254.254", 9), ("172.31.254.254", 9))

#: Why a link is what it is (``ClassLink.reason``).
FROM_BROWSER = "browser"  # the teacher's browser reached the app at a network address
SERVED = "served"  # the server listens on one named address
NETWORK = "network"  # the server listens on every interface: the machine's LAN address
LOCAL_ONLY = "local_only"  # the server listens on this computer only
NO_NETWORK = "no_network"  # every interface, but this machine has no network address


@dataclass(frozen=True)
class ClassLink:
    """The address students open, and whether they can reach it.

    Attributes
    ----------
    url
        ``http://<host>:<port>/``. When ``reachable`` is false, the address students would
        open once the server listens on the network.
    reachable
        Whether a device on the same network can open ``url`` now.
    reason
        One of :data:`FROM_BROWSER`, :data:`SERVED`, :data:`NETWORK`, :data:`LOCAL_ONLY`,
        :data:`NO_NETWORK`.
    served
        The server's ``server.address`` as given.
    """

    url: str
    reachable: bool
    reason: str
    served: str


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this computer only (``localhost``, ``127.x``, ``::1``)."""
    name = host.strip().lower().rstrip(".")
    if name in LOOPBACK_NAMES:
        return True
    ip = _ip(name)
    return ip is not None and ip.is_loopback


def is_wildcard(host: str) -> bool:
    """Whether ``server.address = host`` listens on every interface."""
    return host.strip() in WILDCARDS


def rank(address: str) -> int | None:
    """How good ``address`` is for a class, lower first; ``None`` if a class cannot use it.

    0: a private IPv4 address (10/8, 172.16/12, 192.168/16: a school or home network);
    1: another unicast IPv4 address; 2: a global IPv6 address; 3: a link-local one
    (169.254/16, fe80::/10: two devices joined without a router). Loopback, unspecified,
    multicast and reserved addresses, and anything that is not an address, are never used.
    """
    ip = _ip(address)
    if ip is None or ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return None
    if ip.is_link_local:
        return 3
    if ip.version == 6:
        return 2
    lans = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
    return 0 if any(ip in ipaddress.ip_network(n) for n in lans) else 1


def choose_lan_address(candidates: Iterable[str]) -> str | None:
    """The best of ``candidates`` by :func:`rank` (the first among equals), or ``None``."""
    ranked = [(r, i, a) for i, a in enumerate(candidates) if (r := rank(a)) is not None]
    return min(ranked)[2] if ranked else None


def probe_addresses(
    targets: Iterable[tuple[str, int]] = PROBE_TARGETS,
    hostname: Callable[[], str] = socket.gethostname,
) -> list[str]:
    """This machine's own addresses, found without sending anything: the interface each
    UDP probe would route through, then what the machine's name resolves to."""
    found: list[str] = []
    for target in targets:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect(target)
                found.append(s.getsockname()[0])
        except OSError:
            continue
    try:
        infos = socket.getaddrinfo(hostname(), None, type=socket.SOCK_DGRAM)
        found += [str(info[4][0]) for info in infos]
    except (OSError, UnicodeError):
        pass
    return list(dict.fromkeys(found))  # in order, once each


#: Seconds :func:`machine_addresses` keeps what :func:`probe_addresses` found: presenter mode
#: draws the class link on every rerun, and resolving the machine's name can wait on DNS.
ADDRESS_TTL = 30.0


class _AddressCache:
    """The last :func:`probe_addresses` answer and when it was found (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: tuple[float, list[str]] | None = None

    def get(self, now: float, ttl: float) -> list[str]:
        with self._lock:
            if self._found is None or now - self._found[0] >= ttl or now < self._found[0]:
                self._found = (now, probe_addresses())
            return list(self._found[1])

    def clear(self) -> None:
        with self._lock:
            self._found = None


ADDRESSES = _AddressCache()


def machine_addresses(
    *, ttl: float = ADDRESS_TTL, clock: Callable[[], float] = time.monotonic
) -> list[str]:
    """:func:`probe_addresses`, probed at most once every ``ttl`` seconds per process
    (``ADDRESSES.clear()`` forgets the last answer)."""
    return ADDRESSES.get(clock(), ttl)


def lan_address(candidates: Iterable[str] | None = None) -> str:
    """This machine's address on the local network, or ``127.0.0.1`` if it has none.

    Never a loopback address when a network address exists (Debian maps the machine's own
    name to 127.0.1.1, so the name alone is not enough)."""
    found = machine_addresses() if candidates is None else candidates
    return choose_lan_address(found) or "127.0.0.1"


def url_for(host: str, port: int | None, path: str = "") -> str:
    """``http://<host>:<port>/<path>`` (an IPv6 host in brackets; no port: none shown)."""
    ip = _ip(host)
    bare = host.strip("[]")
    shown = f"[{bare}]" if ip is not None and ip.version == 6 else host
    netloc = f"{shown}:{port}" if port else shown
    return f"http://{netloc}/{path.lstrip('/')}"


def class_link(
    *,
    served: str,
    port: int,
    browser_url: str | None = None,
    candidates: Iterable[str] | None = None,
) -> ClassLink:
    """The address students open, from what the server listens on and the teacher's view.

    Parameters
    ----------
    served
        The server's ``server.address`` (empty: every interface).
    port
        The port the server listens on (``server.port``).
    browser_url
        The address in the teacher's browser, if known. A network address there (not
        ``localhost``) proves the app is reachable at it, through a proxy too (nginx on
        port 80 in front of replicas that listen on 127.0.0.1): it is the class's link.
    candidates
        This machine's addresses; by default :func:`machine_addresses`.
    """
    if browser_url:
        parts = urlsplit(browser_url)
        host = parts.hostname or ""
        if host and not is_loopback(host) and not is_wildcard(host):
            scheme = parts.scheme or "http"
            return ClassLink(f"{scheme}://{parts.netloc}/", True, FROM_BROWSER, served)
    if not is_wildcard(served) and not is_loopback(served):
        return ClassLink(url_for(served, port), True, SERVED, served)
    lan = choose_lan_address(machine_addresses() if candidates is None else candidates)
    if is_loopback(served):
        return ClassLink(url_for(lan or "127.0.0.1", port), False, LOCAL_ONLY, served)
    if lan is None:
        return ClassLink(url_for("127.0.0.1", port), False, NO_NETWORK, served)
    return ClassLink(url_for(lan, port), True, NETWORK, served)
