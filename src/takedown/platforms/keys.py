"""API keys are random tokens stored only as SHA-256 digests."""

from __future__ import annotations

import base64
import hashlib
import secrets


def new_api_key(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
