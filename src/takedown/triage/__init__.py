"""Triage: a report's priority, queue, deadline and trust in one call (`assess`), the
immediate and bounded protection of what it names, and what fingerprints say of uploads."""

from takedown.triage import bursts
from takedown.triage.copies import (
    Spread,
    Verdict,
    check_media,
    screen_upload,
)
from takedown.triage.protection import check_rate
from takedown.triage.report import protect_report
from takedown.triage.service import (
    PROTECTING,
    RANK_BARE,
    RANK_RELEASED,
    TRUST,
    Assessment,
    Claim,
    assess,
    credibility_rank,
    deadline_for,
    lock_families,
    on_new_content,
)

__all__ = [
    "PROTECTING",
    "RANK_BARE",
    "RANK_RELEASED",
    "TRUST",
    "Assessment",
    "Claim",
    "Spread",
    "Verdict",
    "assess",
    "bursts",
    "check_media",
    "check_rate",
    "credibility_rank",
    "deadline_for",
    "lock_families",
    "on_new_content",
    "protect_report",
    "screen_upload",
]
