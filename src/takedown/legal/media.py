"""The file itself, when the platform gave a `media_url` for it. Takedown keeps no media
bytes of its own (only fingerprints), so evidence, CyberTipline uploads and the console's
blurred previews fetch it here.

A platform-supplied URL must not make us fetch from inside our network (SSRF). The host is
resolved once, every address it resolves to is checked, and the connection goes to the
checked address (the Host header and TLS SNI keep the name, so virtual hosts and
certificates still work): a DNS answer that changes between the check and the connection
(rebinding) cannot move the fetch. Refused unless `allow_private`: loopback, private,
link-local, multicast, unspecified, reserved and shared addresses, and IPv6 forms that
reach IPv4 ones (IPv4-mapped and -compatible, 6to4 and NAT64 embedding a non-public IPv4
address, local NAT64, Teredo)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import socket
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

import httpx

log = logging.getLogger(__name__)

Address = IPv4Address | IPv6Address
_V4_NOT_PUBLIC = [
    ip_network(n) for n in ("100.64.0.0/10", "192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15")
]
_NAT64 = ip_network("64:ff9b::/96")
_NAT64_LOCAL = ip_network("64:ff9b:1::/48")
_V4_COMPATIBLE = ip_network("::/96")


def fetch(
    url: str | None, max_bytes: int, timeout: float = 30.0, allow_private: bool = False
) -> bytes | None:
    """The bytes at `url` (http or https, at most `max_bytes`), or None with a warning."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    try:
        target = httpx.URL(url)
        host = target.raw_host.decode("ascii")  # IDNA form; an IPv6 literal unbracketed
        port = target.port or (443 if target.scheme == "https" else 80)
        addresses = resolve(host, port)
    except (httpx.InvalidURL, ValueError, OSError, UnicodeError) as exc:
        log.warning("media %s: cannot resolve (%s)", url, exc)
        return None
    if not addresses:
        log.warning("media %s: the host has no address", url)
        return None
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                log.warning("media %s: refused, %s is %s", url, address, reason)
                return None
    return _get(target, addresses[0], max_bytes, timeout)


def load(
    url: str | None, max_bytes: int, timeout: float = 30.0, allow_private: bool = False
) -> bytes | None:
    """`fetch`, and a `data:` URL's own bytes (base64, at most `max_bytes`) without any
    connection."""
    if url and url[:5].lower() == "data:":
        meta, comma, payload = url[5:].partition(",")
        if not comma or not meta.lower().endswith(";base64") or len(payload) > max_bytes * 2:
            return None
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return None
        return data if len(data) <= max_bytes else None
    return fetch(url, max_bytes, timeout=timeout, allow_private=allow_private)


def resolve(host: str, port: int) -> list[Address]:
    """Every address of `host` (a literal is its own), once; the caller connects to one."""
    try:
        return [ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: dict[Address, None] = {}
    for info in infos:
        found[ip_address(str(info[4][0]).split("%")[0])] = None
    return list(found)


def refusal(address: Address) -> str | None:
    """Why a fetch must not connect to this address, or None for a public one."""
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            kind, v4 = embedded
            if v4 is None:
                return kind
            inner = refusal(v4)
            return f"{kind} of {v4}, {inner}" if inner else None
    for test, reason in (
        (address.is_multicast, "multicast"),
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (isinstance(address, IPv6Address) and address.is_site_local, "site-local"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (
            isinstance(address, IPv4Address) and any(address in n for n in _V4_NOT_PUBLIC),
            "special-purpose",
        ),
        (not address.is_global, "not global"),
    ):
        if test:
            return reason
    return None


def _embedded_ipv4(address: IPv6Address) -> tuple[str, IPv4Address | None] | None:
    """(what form, the IPv4 address it reaches or None when always refused), or None for a
    plain IPv6 address."""
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", None
    if address.teredo is not None:
        return "Teredo", None
    if address in _NAT64_LOCAL:
        return "local-use NAT64", None
    if address in _NAT64:
        return "NAT64", IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    if address in _V4_COMPATIBLE and not (address.is_loopback or address.is_unspecified):
        return "IPv4-compatible", None
    return None


def _get(target: httpx.URL, address: Address, max_bytes: int, timeout: float) -> bytes | None:
    """GET `target` from `address`: the URL names the address, the Host header and SNI
    the host (certificates are checked against the host's name)."""
    pinned = target.copy_with(host=str(address))
    headers = {"Host": target.netloc.decode("ascii")}
    extensions = {}
    host = target.raw_host.decode("ascii")
    if target.scheme == "https" and not _is_literal(host):
        extensions["sni_hostname"] = host
    url = str(target)
    try:
        # trust_env off: a proxy from the environment would connect by name again.
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            request = client.build_request("GET", pinned, headers=headers, extensions=extensions)
            response = client.send(request, stream=True)
            try:
                if response.status_code != 200:
                    log.warning("media %s: HTTP %d", url, response.status_code)
                    return None
                data = bytearray()
                for chunk in response.iter_bytes():
                    data.extend(chunk)
                    if len(data) > max_bytes:
                        log.warning("media %s: larger than %d bytes", url, max_bytes)
                        return None
                return bytes(data)
            finally:
                response.close()
    except httpx.HTTPError as exc:
        log.warning("media %s: %s", url, exc)
        return None


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
