"""Who is calling: a staff session cookie (with CSRF on every form post) or an API key."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from takedown import people
from takedown.people import User
from takedown.people.errors import CsrfFailed

COOKIE = "td_session"


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
    if not submitted or not hmac.compare_digest(caller.csrf, submitted):
        raise CsrfFailed("The form expired or did not come from this site. Reload and retry.")


def set_session_cookie(response, token: str, secure: bool) -> None:  # type: ignore[no-untyped-def]
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        secure=secure,
        samesite="strict",
        max_age=int(people.service.SESSION_LIFETIME.total_seconds()),
        path="/",
    )
