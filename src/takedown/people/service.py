"""Staff accounts. API keys now; passwords and sessions come with the review console."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.errors import Forbidden, InvalidInput, Unauthorized
from takedown.people.models import ROLES, User
from takedown.platforms.keys import digest, new_api_key

DECIDERS = ("reviewer", "child_safety_specialist", "supervisor", "admin")


@dataclass
class NewUser:
    user: User
    api_key: str


def create_user(session: Session, username: str, role: str) -> NewUser:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    key = new_api_key("tdu")
    user = User(username=username, role=role, api_key_hash=digest(key))
    session.add(user)
    session.flush()
    return NewUser(user, key)


def authenticate(session: Session, api_key: str | None) -> User:
    user = api_key and session.scalar(select(User).where(User.api_key_hash == digest(api_key)))
    if not user:
        raise Unauthorized("A valid reviewer API key is required (Authorization: Bearer ...).")
    return user


def require_decider(user: User) -> User:
    if user.role not in DECIDERS:
        raise Forbidden(f"Role {user.role!r} cannot decide cases.")
    return user
