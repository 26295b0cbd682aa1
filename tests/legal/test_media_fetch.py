"""A platform's media_url must not reach inside our network (SSRF): every address form that
leads to loopback, private or odd space is refused, the host is resolved once, and the
connection goes to the address that was checked (no DNS rebinding). Literal addresses only,
and `localhost`; nothing leaves loopback."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from typing import ClassVar

import pytest

from takedown.legal import media

REFUSED = {
    "127.0.0.1": "loopback",
    "10.0.0.1": "private",
    "172.16.0.1": "private",
    "192.168.1.10": "private",
    "169.254.169.254": "link-local",
    "0.0.0.0": "unspecified",
    "224.0.0.1": "multicast",  # is_global says True for these
    "239.255.255.250": "multicast",
    "240.0.0.1": "private",  # reserved
    "255.255.255.255": "private",
    "100.64.0.1": "special-purpose",  # carrier-grade NAT
    "192.0.0.8": "special-purpose",
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fc00::1": "private",
    "fec0::1": "site-local",
    "ff02::1": "multicast",
    "ff0e::1": "multicast",
    "2001:db8::1": "private",
    "::ffff:127.0.0.1": "IPv4-mapped",
    "::ffff:8.8.8.8": "IPv4-mapped",
    "::127.0.0.1": "IPv4-compatible",
    "::10.0.0.1": "IPv4-compatible",
    "2002:7f00:1::": "6to4 of 127.0.0.1",
    "2002:a9fe:a9fe::1": "6to4 of 169.254.169.254",
    "2002:c0a8:10a::": "6to4 of 192.168.1.10",
    "64:ff9b::7f00:1": "NAT64 of 127.0.0.1",
    "64:ff9b::a00:1": "NAT64 of 10.0.0.1",
    "64:ff9b::a9fe:a9fe": "NAT64 of 169.254.169.254",
    "64:ff9b:1::a00:1": "local-use NAT64",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2": "Teredo",
}
PUBLIC = ("8.8.8.8", "1.1.1.1", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1")


@pytest.mark.parametrize("address", list(REFUSED))
def test_every_non_public_form_is_refused(address):
    reason = media.refusal(ip_address(address))
    assert reason is not None and reason.startswith(REFUSED[address]), (address, reason)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_and_their_nat64_and_6to4_forms_pass(address):
    assert media.refusal(ip_address(address)) is None


def _no_connection(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("no connection may be attempted")

    monkeypatch.setattr(media, "_get", refuse)


def test_fetch_refuses_literal_urls_before_connecting(monkeypatch):
    _no_connection(monkeypatch)
    for url in (
        "http://127.0.0.1:9/x",
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://[64:ff9b::7f00:1]/x",
        "http://[2002:7f00:1::]/x",
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x",
        "http://224.0.0.1/x",
        "https://[ff02::1]/x",
        "http://0.0.0.0:8000/x",
    ):
        assert media.fetch(url, 1000) is None, url


def test_a_name_that_resolves_to_loopback_is_refused(monkeypatch):
    _no_connection(monkeypatch)
    assert media.fetch("http://localhost/x", 1000) is None


def test_one_private_address_among_public_ones_refuses_the_name(monkeypatch):
    _no_connection(monkeypatch)
    answers = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", 80)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80)),
    ]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: answers)
    assert media.fetch("http://mixed.example/x", 1000) is None


class _Media(BaseHTTPRequestHandler):
    hosts: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Media.hosts.append(self.headers["host"])
        self.send_response(200)
        self.send_header("content-length", "9")
        self.end_headers()
        self.wfile.write(b"the bytes")

    def log_message(self, *args: object) -> None:
        pass


def test_the_name_is_resolved_once_and_the_checked_address_is_used(monkeypatch):
    """DNS rebinding: the first answer is the one connected to, whatever later answers say.
    The Host header still names the host (virtual hosting keeps working)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Media)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    real = socket.getaddrinfo
    asked: list[str] = []

    def rebinding(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host != "media.test":
            return real(host, *args, **kwargs)
        asked.append(host)
        # First the loopback test server, then an address nobody answers on.
        address = "127.0.0.1" if len(asked) == 1 else "192.0.2.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    try:
        url = f"http://media.test:{port}/pinned.jpg"
        assert media.fetch(url, 1000, timeout=5, allow_private=True) == b"the bytes"
        assert asked == ["media.test"]
        assert _Media.hosts[-1] == f"media.test:{port}"
        assert media.fetch(url, 1000) is None  # without allow_private: loopback, refused
    finally:
        server.shutdown()
        server.server_close()


def test_data_urls_are_read_without_a_connection(monkeypatch):
    _no_connection(monkeypatch)
    assert media.load("data:image/png;base64,aGVsbG8=", 100) == b"hello"
    assert media.load("data:image/png;base64,aGVsbG8=", 3) is None
    assert media.load("data:image/png;base64,not base64!", 100) is None
    assert media.load("data:text/plain,hello", 100) is None
