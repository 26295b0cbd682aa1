"""The legal room's plain functions: what the rooms below set off (as events: legal
subscribes, nothing below imports legal), and reading it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.cases import CaseConfirmed
from takedown.enforcement import ContentActioned
from takedown.intake import TakeItDownRequested
from takedown.legal import categories, dsa, filing, preservation, take_it_down
from takedown.legal.models import EvidenceHold, NcmecReport


def on_content_actioned(session: Session, event: ContentActioned) -> None:
    """A restriction or removal carries its DSA statement of reasons (Art. 17), made in
    the action's transaction and named in the platform's webhook."""
    if event.action.kind in ("restrict", "remove"):
        event.payload["statement_of_reasons"] = dsa.record(session, event.action, event.item)


def on_case_confirmed(session: Session, event: CaseConfirmed) -> None:
    """In the confirmation's transaction: hold the evidence, for child sexual abuse
    material record the CyberTipline report, and close the case's TAKE IT DOWN requests;
    durable jobs do the rest after commit."""
    preservation.start_hold(session, event.case)
    if categories.is_csam(event.category):
        filing.start_report(session, event.case, event.category or "csam")
    take_it_down.on_confirmed(session, event.case)


def on_take_it_down(session: Session, event: TakeItDownRequested) -> None:
    """Keep the request and start its 48-hour clock; the receipt shows the deadline."""
    request = take_it_down.record_request(
        session,
        event.case,
        event.report,
        signature=event.signature,
        identification=event.identification,
        contact=event.contact,
    )
    event.removal_due_at = request.removal_due_at


@dataclass
class LegalStatus:
    ncmec_state: str | None
    ncmec_report_id: int | None
    ncmec_filed_at: datetime | None
    evidence_state: str | None
    evidence_held_until: datetime | None


def status_of(session: Session, case_id: int) -> LegalStatus:
    report = session.scalar(select(NcmecReport).where(NcmecReport.case_id == case_id))
    hold = session.scalar(select(EvidenceHold).where(EvidenceHold.case_id == case_id))
    return LegalStatus(
        ncmec_state=report.state if report else None,
        ncmec_report_id=report.ncmec_report_id if report else None,
        ncmec_filed_at=report.filed_at if report else None,
        evidence_state=hold.state if hold else None,
        evidence_held_until=hold.held_until if hold else None,
    )


def ncmec_report_for(session: Session, case_id: int) -> NcmecReport | None:
    return session.scalar(select(NcmecReport).where(NcmecReport.case_id == case_id))
