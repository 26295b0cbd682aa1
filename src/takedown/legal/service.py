"""The legal room's plain functions: what a confirmation sets off, and reading it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.cases.models import Case
from takedown.legal import categories, filing, preservation, take_it_down
from takedown.legal.models import EvidenceHold, NcmecReport


def on_confirmed(session: Session, case: Case, category: str | None) -> None:
    """In the confirmation's transaction: hold the evidence, and for child sexual abuse
    material record the CyberTipline report; durable jobs do the rest after commit."""
    preservation.start_hold(session, case)
    if categories.is_csam(category):
        filing.start_report(session, case, category or "csam")
    take_it_down.on_confirmed(session, case)


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
