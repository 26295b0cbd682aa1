"""Who is calling, as an opaque key: an HMAC of the address, never the address itself."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

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
