"""Staff who review and decide."""

from takedown.people.models import ROLES, User
from takedown.people.service import NewUser, authenticate, create_user, require_decider

__all__ = ["ROLES", "NewUser", "User", "authenticate", "create_user", "require_decider"]
