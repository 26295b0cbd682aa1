"""Priority, deadlines, immediate protection, and what fingerprints say of uploads."""

from takedown.triage.copies import Verdict, check_media, propagate, screen_upload, uploaders
from takedown.triage.service import (
    PROTECTING,
    deadline_for,
    on_new_content,
    priority_for,
    protect,
    queue_for,
    raise_priority,
)

__all__ = [
    "PROTECTING",
    "Verdict",
    "check_media",
    "deadline_for",
    "on_new_content",
    "priority_for",
    "propagate",
    "protect",
    "queue_for",
    "raise_priority",
    "screen_upload",
    "uploaders",
]
