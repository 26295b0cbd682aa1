"""Actions on the platform and the signed webhooks that carry them."""

from takedown.enforcement.service import (
    remove_content,
    restore_content,
    restrict_content,
    suspend_account,
)

__all__ = ["remove_content", "restore_content", "restrict_content", "suspend_account"]
