"""Report intake without an account: schema, receipts and status lookups."""

from takedown.intake import attach, conversation
from takedown.intake.challenge import LIFETIME_S as CHALLENGE_LIFETIME_S
from takedown.intake.challenge import new_challenge, solve
from takedown.intake.events import TakeItDownRequested
from takedown.intake.schemas import ROLE_LABELS, Challenge, PublicStatus, Receipt, ReportIn
from takedown.intake.service import (
    STATE_LABELS,
    case_for_reporter,
    reporter_of,
    reporter_view,
    status,
)
from takedown.intake.submit import PROTECTION_NOTES, submit_report

__all__ = [
    "CHALLENGE_LIFETIME_S",
    "PROTECTION_NOTES",
    "ROLE_LABELS",
    "STATE_LABELS",
    "Challenge",
    "PublicStatus",
    "Receipt",
    "ReportIn",
    "TakeItDownRequested",
    "attach",
    "case_for_reporter",
    "conversation",
    "new_challenge",
    "reporter_of",
    "reporter_view",
    "solve",
    "status",
    "submit_report",
]
