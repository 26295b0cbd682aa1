"""Priority, deadlines, immediate protection, and what fingerprints say of uploads."""

from takedown.triage.copies import Verdict, check_media, propagate, screen_upload, uploaders
from takedown.triage.service import (
    PROTECTING,
    deadline_for,
    lock_families,
    on_new_content,
    priority_for,
    protect,
    queue_for,
    raise_priority,
)
from takedown.triage.tasks import resweep_later

__all__ = [
    "PROTECTING",
    "Verdict",
    "check_media",
    "deadline_for",
    "lock_families",
    "on_new_content",
    "priority_for",
    "propagate",
    "protect",
    "queue_for",
    "raise_priority",
    "resweep_later",
    "screen_upload",
    "uploaders",
]
