"""Reports: no account needed. A receipt with a case number and PIN comes back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from takedown import intake
from takedown.intake import PublicStatus, Receipt, ReportIn
from takedown.web.deps import DatabaseDep, MatcherDep, SettingsDep

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.post("", status_code=201, response_model=Receipt)
def create_report(
    body: ReportIn, db: DatabaseDep, settings: SettingsDep, matcher: MatcherDep
) -> Receipt:
    """File a report. Committed before this answers: an acknowledged report is never lost."""
    with db.session() as session:
        return intake.submit_report(session, settings, body, channel="api", engine=matcher)


@router.get("/{case_number}", response_model=PublicStatus)
def report_status(
    case_number: str,
    db: DatabaseDep,
    settings: SettingsDep,
    pin: Annotated[str | None, Query(description="prefer the X-Report-PIN header")] = None,
    x_report_pin: Annotated[str | None, Header()] = None,
) -> PublicStatus:
    """What happened to a report, in plain words. Needs the PIN given with the receipt."""
    with db.session() as session:
        return intake.status(session, settings, case_number, x_report_pin or pin or "")
