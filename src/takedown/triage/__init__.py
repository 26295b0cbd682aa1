"""Priority, deadlines, immediate protection, and what fingerprints say of uploads."""

from takedown.triage import bursts, protection
from takedown.triage.copies import (
    Spread,
    Verdict,
    check_media,
    propagate,
    screen_upload,
    uploaders,
)
from takedown.triage.service import (
    PROTECTING,
    RANK_BARE,
    RANK_RELEASED,
    TRUST,
    credibility_rank,
    deadline_for,
    lock_families,
    on_new_content,
    priority_for,
    protect,
    queue_for,
    raise_priority,
    trust_for,
)
from takedown.triage.tasks import resweep_later

__all__ = [
    "PROTECTING",
    "RANK_BARE",
    "RANK_RELEASED",
    "TRUST",
    "Spread",
    "Verdict",
    "bursts",
    "check_media",
    "credibility_rank",
    "deadline_for",
    "lock_families",
    "on_new_content",
    "priority_for",
    "propagate",
    "protect",
    "protection",
    "queue_for",
    "raise_priority",
    "resweep_later",
    "screen_upload",
    "trust_for",
    "uploaders",
]
