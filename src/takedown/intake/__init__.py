"""Report intake without an account: schema, receipts and status lookups."""

from takedown.intake.schemas import PublicStatus, Receipt, ReportIn
from takedown.intake.service import STATE_LABELS, case_for_reporter, status
from takedown.intake.submit import submit_report

__all__ = [
    "STATE_LABELS",
    "PublicStatus",
    "Receipt",
    "ReportIn",
    "case_for_reporter",
    "status",
    "submit_report",
]
