"""Requests under the TAKE IT DOWN Act: a valid request (signature, identification of the
depiction, a good-faith statement that it was published without consent, contact) must be
acted on within 48 hours, identical copies included. Identical copies are found by their
MD5/SHA-256 (and PDQ) fingerprints when the case is confirmed, and blocked at upload after."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, cases, i18n
from takedown.cases import Case, Report, states
from takedown.db import utcnow
from takedown.legal.models import TakeItDownRequest

REMOVAL_WINDOW = timedelta(hours=48)
QUEUE = "take_it_down"


def record_request(
    session: Session,
    case: Case,
    report: Report,
    *,
    signature: str,
    identification: str,
    contact: str,
) -> TakeItDownRequest:
    """Keep the request and start its 48-hour clock: the case's deadline is never later."""
    now = report.created_at or utcnow()  # the clock starts when the request arrived
    request = TakeItDownRequest(
        case_id=case.id,
        report_id=report.id,
        signature=signature,
        good_faith=True,
        identification=identification,
        contact=contact,
        received_at=now,
        removal_due_at=now + REMOVAL_WINDOW,
    )
    session.add(request)
    states.pull_deadline(case, request.removal_due_at)
    states.to_queue(case, QUEUE)
    session.flush()
    audit.record(
        session,
        "take_it_down.received",
        actor=f"reporter:{report.reporter_role}",
        subject_type="case",
        subject_id=case.id,
        data={"report_id": report.id, "removal_due_at": request.removal_due_at},
    )
    tr = i18n.translator(report.locale)  # the requester's language
    cases.tell_reporter(
        session,
        case,
        "take_it_down",
        tr(
            "We received your removal request under the TAKE IT DOWN Act. If the content is "
            "what you describe, it and every identical copy we find will be removed by "
            "%(due)s UTC at the latest.",
            due=f"{request.removal_due_at:%Y-%m-%d %H:%M}",
        ),
        report_id=report.id,  # the requester's alone: other reporters never see it
    )
    return request


def on_confirmed(session: Session, case: Case) -> None:
    """Mark the case's requests done, and whether within their 48 hours."""
    now = utcnow()
    requests = session.scalars(
        select(TakeItDownRequest).where(
            TakeItDownRequest.case_id == case.id, TakeItDownRequest.removed_at.is_(None)
        )
    )
    for request in requests:
        request.removed_at = now
        audit.record(
            session,
            "take_it_down.removed",
            actor="system",
            subject_type="case",
            subject_id=case.id,
            data={"request_id": request.id, "on_time": now <= request.removal_due_at},
        )


def requests_of(session: Session, case_id: int) -> list[TakeItDownRequest]:
    """The case's TAKE IT DOWN requests, oldest first (the console's banner)."""
    query = select(TakeItDownRequest).where(TakeItDownRequest.case_id == case_id)
    return list(session.scalars(query.order_by(TakeItDownRequest.id)))


def request_case_ids():
    """A query of the ids of cases that carry a TAKE IT DOWN request (the console's view)."""
    return select(TakeItDownRequest.case_id)


def with_requests(session: Session, case_ids: list[int]) -> set[int]:
    """Which of these cases carry a TAKE IT DOWN request (the queue's tag)."""
    query = select(TakeItDownRequest.case_id).where(TakeItDownRequest.case_id.in_(case_ids))
    return set(session.scalars(query))
