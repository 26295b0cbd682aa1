"""Staff accounts: roles, queues, passwords (argon2), login sessions and limits, API keys."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit
from takedown.config import Settings
from takedown.db import counters, utcnow
from takedown.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from takedown.people.errors import BadLogin, LockedOut
from takedown.people.models import QUEUES, ROLES, User, WebSession
from takedown.platforms import digest, new_api_key

DECIDERS = ("reviewer", "child_safety_specialist", "supervisor", "admin")
# Who may confirm a P0 dismissal as the second person, and who counts as senior.
SPECIALISTS = ("child_safety_specialist", "supervisor", "admin")
READERS = (*DECIDERS, "auditor", "law_enforcement_liaison")
DEFAULT_QUEUES = {
    "reviewer": ["general", "child_safety", "take_it_down"],
    "child_safety_specialist": ["general", "child_safety", "ncii", "take_it_down", "appeals"],
    "supervisor": list(QUEUES),
    "admin": list(QUEUES),
    "auditor": list(QUEUES),
    "law_enforcement_liaison": ["child_safety"],
    "hasher": [],
    "matcher": [],
    "curator": [],
}
SESSION_LIFETIME = timedelta(hours=12)
_hasher = PasswordHasher()


@dataclass
class NewUser:
    user: User
    api_key: str


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str | None = None,
    queues: list[str] | None = None,
    email: str | None = None,
) -> NewUser:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    if password is not None and len(password) < 12:
        raise InvalidInput("passwords need at least 12 characters", field="password")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A staff account named {username!r} exists already.", field="username")
    key = new_api_key("tdu")
    user = User(
        username=username,
        role=role,
        api_key_hash=digest(key),
        email=email,
        password_hash=_hasher.hash(password) if password else None,
        queues=queues if queues is not None else DEFAULT_QUEUES[role],
        preferences={},
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.created",
        actor="system",
        subject_type="user",
        subject_id=user.id,
        data={"username": username, "role": role},
    )
    return NewUser(user, key)


def authenticate(session: Session, api_key: str | None) -> User:
    user = api_key and session.scalar(select(User).where(User.api_key_hash == digest(api_key)))
    if not user or not user.active:
        raise Unauthorized("A valid reviewer API key is required (Authorization: Bearer ...).")
    return user


def require(user: User, roles: tuple[str, ...], what: str) -> User:
    if user.role not in roles:
        raise Forbidden(f"Role {user.role!r} cannot {what}.")
    return user


def require_decider(user: User) -> User:
    return require(user, DECIDERS, "decide cases")


def can_see_queue(user: User, queue: str) -> bool:
    return queue in (user.queues or [])


def login(
    session: Session, settings: Settings, username: str, password: str, client: str
) -> tuple[User, str]:
    """Check a password; a new session (token, returned once) on success.

    Wrong logins count against the client that sent them (`login_client_failures` per
    `login_window_minutes`, then that client pauses), never against the account: nobody
    can lock a reviewer out by guessing their name. They also count per username, where
    past `login_user_failures` each attempt is only slowed (see `login_delay`). An unknown
    user and a wrong password get the same answer after the same work (an argon2 check)."""
    window = timedelta(minutes=settings.login_window_minutes)
    by_client = f"login|client|{client}"
    if counters.hit(session, by_client, window, 0) >= settings.login_client_failures:
        raise LockedOut(
            "Too many failed logins from this connection. Try again later.",
            field="password",
            retry_after=_seconds_left(window),
        )
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.active else None
    usable = bool(stored)
    try:
        _hasher.verify(stored if stored else _dummy_hash(), password)
        right = usable
    except (VerificationError, InvalidHashError):
        right = False
    if not right or user is None:
        counters.hit(session, by_client, window)
        counters.hit(session, _username_key(settings, username), window)
        raise BadLogin("Wrong username or password.", field="password")
    now = utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_token_digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=now + SESSION_LIFETIME,
        )
    )
    audit.record(
        session,
        "user.login",
        actor=f"user:{user.username}",
        subject_type="user",
        subject_id=user.id,
    )
    return user, token


def login_delay(session: Session, settings: Settings, username: str) -> float:
    """Seconds to wait before checking a login for this username: `login_slow_seconds`
    once it has had `login_user_failures` wrong logins in the window (from anywhere),
    else none. It slows a guesser and never shuts out the owner of the name."""
    window = timedelta(minutes=settings.login_window_minutes)
    failures = counters.hit(session, _username_key(settings, username), window, 0)
    return settings.login_slow_seconds if failures >= settings.login_user_failures else 0.0


def _username_key(settings: Settings, username: str) -> str:
    mac = hmac.new(settings.secret_key.encode(), f"login-user|{username}".encode(), "sha256")
    return f"login|user|{mac.hexdigest()[:32]}"


def _seconds_left(window: timedelta) -> int:
    now = utcnow()
    return max(int((counters.window_of(now, window) + window - now).total_seconds()), 1)


@functools.cache
def _dummy_hash() -> str:
    """An argon2 hash nobody's password matches, so an unknown user costs one verify too."""
    return _hasher.hash(secrets.token_urlsafe(32))


def session_user(session: Session, token: str | None) -> tuple[User, WebSession] | None:
    if not token:
        return None
    web = session.scalar(select(WebSession).where(WebSession.token_hash == _token_digest(token)))
    if web is None or web.revoked_at is not None or web.expires_at <= utcnow():
        return None
    user = session.get(User, web.user_id)
    if user is None or not user.active:
        return None
    return user, web


def logout(session: Session, token: str | None) -> None:
    found = session_user(session, token)
    if found:
        found[1].revoked_at = utcnow()


def set_preferences(session: Session, user: User, **prefs: bool) -> User:
    user.preferences = {**(user.preferences or {}), **prefs}
    return user


def media_defaults(user: User) -> dict[str, bool]:
    prefs = user.preferences or {}
    return {
        "blur": bool(prefs.get("blur", True)),
        "greyscale": bool(prefs.get("greyscale", True)),
        "mute": bool(prefs.get("mute", True)),
    }


def set_password(session: Session, user: User, password: str) -> None:
    if len(password) < 12:
        raise InvalidInput("passwords need at least 12 characters", field="password")
    user.password_hash = _hasher.hash(password)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Usernames of just these users (for showing who claimed or decided)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())
