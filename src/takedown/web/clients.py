"""Who is calling, as an opaque key: an HMAC of the address, never the address itself."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from urllib.parse import urlsplit

from fastapi import Request

from takedown.config import Settings


def client_address(settings: Settings, request: Request) -> str:
    """The caller's address: the right-most entry a trusted proxy added, else the peer."""
    if settings.client_ip_header:
        forwarded = request.headers.get(settings.client_ip_header, "")
        entries = [e.strip() for e in forwarded.split(",") if e.strip()]
        if entries:
            return entries[-1]
    return request.client.host if request.client else "unknown"


def client_key(settings: Settings, request: Request) -> str:
    """Stable per client for rate limits; an IPv6 client is its /64 (one subscriber)."""
    address = client_address(settings, request)
    try:
        ip = ipaddress.ip_address(address)
        if ip.version == 6:
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    except ValueError:
        address = address[:100]
    digest = hmac.new(settings.secret_key.encode(), f"client|{address}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def from_other_site(settings: Settings, request: Request) -> bool:
    """A browser form post sent by another site's page (by its Origin, else its Referer).

    Neither header (an old browser, a privacy tool): not refused, the form must work for
    everyone. `Origin: null` (a sandboxed or privacy-stripped sender) is refused; our own
    pages send their real origin (Referrer-Policy: same-origin). Only the host and port are
    compared, to this request's Host and to `public_url`'s, so a proxy that ends TLS in
    front of us does not make our own form cross-site."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return False
    if source.strip().lower() == "null":
        return True
    try:
        netloc = urlsplit(source.strip()).netloc.lower()
    except ValueError:
        return True
    own = {request.headers.get("host", "").lower(), urlsplit(settings.public_url).netloc.lower()}
    return not netloc or netloc not in own
