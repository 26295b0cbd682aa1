"""What intake tells the rooms above it (published in the report's transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from takedown.cases import Case, Report


@dataclass
class TakeItDownRequested:
    """A report is a removal request under the TAKE IT DOWN Act. Legal keeps the request
    and its 48-hour clock and writes the deadline in `removal_due_at` for the receipt."""

    case: Case
    report: Report
    signature: str
    identification: str
    contact: str
    removal_due_at: datetime | None = None
