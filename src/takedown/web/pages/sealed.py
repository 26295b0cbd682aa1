"""Short-lived encrypted cookies for the reporter's pages: the receipt after its
post/redirect/get, and the case a reporter opened with their PIN. Encrypted and signed with
a key derived from `secret_key`, HttpOnly, SameSite=Strict, and scoped to their pages."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Request
from fastapi.responses import Response

from takedown.config import Settings

RECEIPT = ("td_receipt", "/receipt")
STATUS = ("td_status", "/status")
LIFETIME_S = 1800


def _fernet(settings: Settings, purpose: str) -> Fernet:
    raw = hashlib.sha256(f"{purpose}|{settings.secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def put(
    settings: Settings, response: Response, which: tuple[str, str], data: dict[str, Any]
) -> None:
    name, path = which
    token = _fernet(settings, name).encrypt(json.dumps(data, separators=(",", ":")).encode())
    response.set_cookie(
        name,
        token.decode(),
        max_age=LIFETIME_S,
        path=path,
        httponly=True,
        samesite="strict",
        secure=settings.public_url.startswith("https://"),
    )


def get(settings: Settings, request: Request, which: tuple[str, str]) -> dict[str, Any] | None:
    name, _ = which
    token = request.cookies.get(name)
    if not token or len(token) > 4000:
        return None
    try:
        data = json.loads(_fernet(settings, name).decrypt(token.encode(), ttl=LIFETIME_S))
    except (InvalidToken, ValueError):
        return None
    return data if isinstance(data, dict) else None


def drop(response: Response, which: tuple[str, str]) -> None:
    name, path = which
    response.delete_cookie(name, path=path)
