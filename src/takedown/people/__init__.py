"""Staff: roles, queues, passwords, login sessions."""

from takedown.people.accounts import change_password, disable_user, find_user, list_users
from takedown.people.errors import CsrfFailed, NotInQueue
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
    login_delay,
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
    "CsrfFailed",
    "NewUser",
    "NotInQueue",
    "User",
    "WebSession",
    "authenticate",
    "can_see_queue",
    "change_password",
    "create_user",
    "disable_user",
    "find_user",
    "list_users",
    "login",
    "login_delay",
    "logout",
    "media_defaults",
    "names",
    "require",
    "require_decider",
    "session_user",
    "set_password",
    "set_preferences",
]
