"""Actions on the platform and the signed webhooks that carry them, in each item's order."""

from takedown.enforcement.deliveries import list_deliveries, redrive
from takedown.enforcement.events import ContentActioned
from takedown.enforcement.models import DELIVERY_STATES, Action
from takedown.enforcement.service import (
    notify,
    reinstate_content,
    remove_content,
    restore_content,
    restrict_content,
    suspend_account,
)

__all__ = [
    "DELIVERY_STATES",
    "Action",
    "ContentActioned",
    "list_deliveries",
    "notify",
    "redrive",
    "reinstate_content",
    "remove_content",
    "restore_content",
    "restrict_content",
    "suspend_account",
]
