"""The platform's side: API clients, accounts and content mirrored from their calls."""

from takedown.platforms.models import Account, ContentItem, Platform
from takedown.platforms.service import (
    ContentIn,
    NewPlatform,
    add_views,
    authenticate,
    by_external_id,
    content_for_platform,
    create_platform,
    family,
    get_account,
    get_platform,
    register_content,
    resolve_refs,
    set_webhook_url,
)

__all__ = [
    "Account",
    "ContentIn",
    "ContentItem",
    "NewPlatform",
    "Platform",
    "add_views",
    "authenticate",
    "by_external_id",
    "content_for_platform",
    "create_platform",
    "family",
    "get_account",
    "get_platform",
    "register_content",
    "resolve_refs",
    "set_webhook_url",
]
