"""The file itself, when the platform gave a `media_url` for it. Takedown keeps no media
bytes of its own (only fingerprints), so evidence and CyberTipline uploads fetch it here."""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)


def fetch(
    url: str | None, max_bytes: int, timeout: float = 30.0, allow_private: bool = False
) -> bytes | None:
    """The bytes at `url` (http or https, at most `max_bytes`), or None with a warning.

    A platform-supplied URL must not make the worker fetch from inside our network:
    loopback, private, link-local and reserved addresses are refused unless allowed."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    if not allow_private and not _public(url):
        log.warning("media %s: refused, the host is not a public address", url)
        return None
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=False) as response:
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
    except httpx.HTTPError as exc:
        log.warning("media %s: %s", url, exc)
        return None


def _public(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(
        ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses
    )
