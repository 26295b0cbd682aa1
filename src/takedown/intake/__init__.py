"""Report intake without an account: schema, receipts and status lookups."""

from takedown.intake.schemas import PublicStatus, Receipt, ReportIn
from takedown.intake.service import STATE_LABELS, status, submit_report

__all__ = ["STATE_LABELS", "PublicStatus", "Receipt", "ReportIn", "status", "submit_report"]
