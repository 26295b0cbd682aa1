"""Staff: roles, queues, passwords, login sessions."""

from takedown.people.models import QUEUES, ROLES, User, WebSession
from takedown.people.service import (
    DECIDERS,
    READERS,
    SPECIALISTS,
    NewUser,
    authenticate,
    can_see_queue,
    create_user,
    login,
    logout,
    media_defaults,
    names,
    require,
    require_decider,
    session_user,
    set_password,
    set_preferences,
)

__all__ = [
    "DECIDERS",
    "QUEUES",
    "READERS",
    "ROLES",
    "SPECIALISTS",
    "NewUser",
    "User",
    "WebSession",
    "authenticate",
    "can_see_queue",
    "create_user",
    "login",
    "logout",
    "media_defaults",
    "names",
    "require",
    "require_decider",
    "session_user",
    "set_password",
    "set_preferences",
]
