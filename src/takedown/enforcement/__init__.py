"""Actions on the platform and the signed webhooks that carry them."""

from takedown.enforcement.service import (
    reinstate_content,
    remove_content,
    restore_content,
    restrict_content,
    suspend_account,
)

__all__ = [
    "reinstate_content",
    "remove_content",
    "restore_content",
    "restrict_content",
    "suspend_account",
]
