"""The address a class opens (brainlab/classlink.py): which of the machine's addresses,
which port, and when students cannot reach the app at all."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from brainlab import classlink as cl


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.0.1.1", True),  # Debian's name for the machine itself
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("school.example", False),
    ],
)
def test_is_loopback(host, loopback):
    assert cl.is_loopback(host) is loopback


def test_the_best_address_is_a_private_one_and_never_loopback():
    assert cl.choose_lan_address(["127.0.1.1", "203.0.113.9", "192.168.1.20"]) == "192.168.1.20"
    assert cl.choose_lan_address(["169.254.3.4", "10.1.2.3"]) == "10.1.2.3"
    assert cl.choose_lan_address(["172.16.0.5", "172.32.0.5"]) == "172.16.0.5"
    # No private address: another unicast IPv4 beats IPv6 and link-local.
    assert cl.choose_lan_address(["fe80::1", "2001:db8::7", "198.51.100.4"]) == "198.51.100.4"
    assert cl.choose_lan_address(["fe80::1", "2001:db8::7"]) == "2001:db8::7"
    assert cl.choose_lan_address(["169.254.3.4"]) == "169.254.3.4"
    # The first among equals: the probe's own answer comes first.
    assert cl.choose_lan_address(["10.0.0.2", "192.168.0.2"]) == "10.0.0.2"
    for useless in (["127.0.0.1", "127.0.1.1", "::1"], ["0.0.0.0", "224.0.0.1"], ["vm", ""], []):
        assert cl.choose_lan_address(useless) is None, useless


def test_lan_address_falls_back_to_loopback_only_when_there_is_nothing_else():
    assert cl.lan_address(["127.0.1.1", "192.168.4.2"]) == "192.168.4.2"
    assert cl.lan_address(["127.0.1.1"]) == "127.0.0.1"


def test_probe_addresses_reads_the_routing_interface_and_the_machines_name(monkeypatch):
    """The UDP probes and the name lookup, on this machine: whatever it finds is one of the
    machine's own addresses, in order, once each; a failing probe is skipped."""
    found = cl.probe_addresses(targets=[("10.254.254.254", 9), ("256.0.0.1", 9)])
    assert len(found) == len(set(found))
    for address in found:
        ipaddress.ip_address(address)  # every entry is an address
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: (_ for _ in ()).throw(OSError()))
    assert cl.probe_addresses(targets=[], hostname=lambda: "nowhere.invalid") == []


def test_this_machines_lan_address_is_not_loopback_when_it_has_a_network():
    found = cl.probe_addresses()
    address = cl.lan_address()
    if cl.choose_lan_address(found) is None:
        pytest.skip(f"this machine has no network address ({found})")
    assert not cl.is_loopback(address) and address in found


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("192.0.2.7", 8501, "http://192.0.2.7:8501/"),
        ("fe80::1", 8502, "http://[fe80::1]:8502/"),
        ("[2001:db8::1]", 80, "http://[2001:db8::1]:80/"),
        ("school.example", 0, "http://school.example/"),
    ],
)
def test_url_for(host, port, url):
    assert cl.url_for(host, port) == url


LAN = ["127.0.1.1", "192.168.1.20"]


def test_a_server_on_every_interface_is_reached_at_the_lan_address_and_its_port():
    for served in ("", "0.0.0.0", "::"):
        link = cl.class_link(served=served, port=8765, candidates=LAN)
        assert link == cl.ClassLink("http://192.168.1.20:8765/", True, cl.NETWORK, served)
    # The teacher's own browser on localhost changes nothing.
    link = cl.class_link(
        served="0.0.0.0", port=8765, browser_url="http://localhost:8765/x", candidates=LAN
    )
    assert link.url == "http://192.168.1.20:8765/" and link.reachable


def test_a_server_on_loopback_only_is_not_reachable_and_says_what_students_would_open():
    for served in ("localhost", "127.0.0.1", "::1"):
        link = cl.class_link(served=served, port=8501, candidates=LAN)
        assert not link.reachable and link.reason == cl.LOCAL_ONLY
        assert link.url == "http://192.168.1.20:8501/"  # after --server.address 0.0.0.0
    link = cl.class_link(served="localhost", port=8501, candidates=["127.0.1.1"])
    assert link.url == "http://127.0.0.1:8501/" and not link.reachable


def test_a_server_on_one_named_address_is_reached_there():
    link = cl.class_link(served="10.9.8.7", port=9000, candidates=LAN)
    assert link == cl.ClassLink("http://10.9.8.7:9000/", True, cl.SERVED, "10.9.8.7")


def test_no_network_address_at_all_is_said():
    link = cl.class_link(served="0.0.0.0", port=8501, candidates=["127.0.1.1", "::1"])
    assert not link.reachable and link.reason == cl.NO_NETWORK


def test_a_teachers_browser_on_a_network_address_is_the_class_link():
    # Through nginx on port 80, in front of replicas on 127.0.0.1: the proxy's address.
    link = cl.class_link(
        served="127.0.0.1",
        port=8501,
        browser_url="http://school.example/cost_lab?x=1",
        candidates=LAN,
    )
    assert link == cl.ClassLink("http://school.example/", True, cl.FROM_BROWSER, "127.0.0.1")
    link = cl.class_link(
        served="0.0.0.0", port=8501, browser_url="https://192.0.2.10:8443/", candidates=LAN
    )
    assert link.url == "https://192.0.2.10:8443/" and link.reachable
    # A wildcard or loopback host in the browser is no proof.
    for url in ("http://0.0.0.0:8501/", "http://127.0.0.1:8501/", "http://[::1]:8501/"):
        link = cl.class_link(served="localhost", port=8501, browser_url=url, candidates=LAN)
        assert not link.reachable, url


def test_machine_addresses_probes_once_per_time_to_live(monkeypatch):
    """Presenter mode asks for the class link on every rerun: the machine is probed again
    only once ADDRESS_TTL has passed (or the cache is cleared), never on every call."""
    calls: list[int] = []

    def probe(*a, **k):
        calls.append(1)
        return ["192.168.1.20", f"10.0.0.{len(calls)}"]

    monkeypatch.setattr(cl, "probe_addresses", probe)
    cl.ADDRESSES.clear()
    now = [100.0]
    first = cl.machine_addresses(ttl=30, clock=lambda: now[0])
    now[0] = 129.9
    assert cl.machine_addresses(ttl=30, clock=lambda: now[0]) == first
    assert len(calls) == 1
    now[0] = 130.0
    assert cl.machine_addresses(ttl=30, clock=lambda: now[0]) == ["192.168.1.20", "10.0.0.2"]
    assert len(calls) == 2
    cl.ADDRESSES.clear()
    cl.machine_addresses(ttl=30, clock=lambda: now[0])
    assert len(calls) == 3
    cl.ADDRESSES.clear()
