"""Looking after staff accounts from the command line: list them, set a password, disable
one. Each change is audited and ends the account's open console sessions."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from takedown import audit
from takedown.db import utcnow
from takedown.errors import NotFound
from takedown.people.models import User, WebSession
from takedown.people.service import set_password


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No staff account {username!r}.", field="username")
    return user


def list_users(session: Session) -> list[dict[str, object]]:
    """Every account with what an operator needs to see (never a hash or a key)."""
    users = session.scalars(select(User).order_by(User.username))
    return [
        {
            "username": u.username,
            "role": u.role,
            "queues": u.queues,
            "email": u.email,
            "active": u.active,
            "can_log_in": bool(u.password_hash) and u.active,
            "created_at": u.created_at,
        }
        for u in users
    ]


def change_password(session: Session, username: str, password: str, actor: str) -> User:
    user = find_user(session, username)
    set_password(session, user, password)
    _end_sessions(session, user)
    _audit(session, "user.password_set", user, actor)
    return user


def disable_user(session: Session, username: str, actor: str) -> User:
    """The account can no longer log in or use its API key; nothing it did is removed."""
    user = find_user(session, username)
    user.active = False
    _end_sessions(session, user)
    _audit(session, "user.disabled", user, actor)
    return user


def _end_sessions(session: Session, user: User) -> None:
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _audit(session: Session, action: str, user: User, actor: str) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        data={"username": user.username},
    )
