"""Who is calling: a staff session cookie (with CSRF on every form post) or an API key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from takedown import people
from takedown.config import Settings
from takedown.people import CsrfFailed, User

COOKIE = "td_session"
LOGIN_COOKIE = "td_login"  # the login form's CSRF nonce, before there is a session


@dataclass
class Caller:
    user: User
    csrf: str | None  # None for API-key callers, who send no cookie


class LoginRequired(Exception):
    """Raised by page routes; the app turns it into a redirect to /login."""


def cookie_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def api_caller(session: Session, request: Request) -> Caller:
    """API routes: an API key, or a logged-in browser session."""
    key = bearer_token(request)
    if key:
        return Caller(people.authenticate(session, key), None)
    found = people.session_user(session, cookie_token(request))
    if found is None:
        people.authenticate(session, None)  # raises the standard 401
    user, web = found  # type: ignore[misc]
    return Caller(user, web.csrf_token)


def page_caller(session: Session, request: Request) -> Caller:
    found = people.session_user(session, cookie_token(request))
    if found is None:
        raise LoginRequired
    return Caller(found[0], found[1].csrf_token)


def check_csrf(caller: Caller, submitted: str | None) -> None:
    """Form posts from a browser must carry the session's CSRF token."""
    if caller.csrf is None:
        return
    if not submitted or not hmac.compare_digest(caller.csrf.encode(), submitted.encode()):
        raise CsrfFailed("The form expired or did not come from this site. Reload and retry.")


def set_session_cookie(response, token: str, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        secure=secure,
        samesite="strict",
        max_age=int(people.service.SESSION_LIFETIME.total_seconds()),
        path="/",
    )


def login_nonce(request: Request) -> tuple[str, bool]:
    """The browser's login nonce (from its cookie), or a new one: (nonce, is_new)."""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if len(nonce) == 43 and nonce.isascii() and nonce.replace("-", "").replace("_", "").isalnum():
        return nonce, False
    return secrets.token_urlsafe(32), True


def login_csrf(settings: Settings, nonce: str) -> str:
    """The login form's token: the nonce signed with `secret_key` (a signed double-submit
    cookie). A cross-site page can make a browser post the form, but cannot read the
    token, nor forge one for the cookie the browser holds."""
    mac = hmac.new(settings.secret_key.encode(), f"login-csrf|{nonce}".encode(), hashlib.sha256)
    return mac.hexdigest()


def check_login_csrf(settings: Settings, request: Request, submitted: str) -> None:
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    expected = login_csrf(settings, nonce)
    if not nonce or not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise CsrfFailed("The form expired or did not come from this site. Reload and retry.")


def set_login_cookie(response, nonce: str, secure: bool) -> None:
    response.set_cookie(
        LOGIN_COOKIE, nonce, httponly=True, secure=secure, samesite="strict", path="/login"
    )
