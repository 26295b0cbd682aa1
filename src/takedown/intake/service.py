"""Take a report, protect at once when a child may be shown, hand back a receipt."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, cases, triage
from takedown.cases import Case
from takedown.config import Settings
from takedown.db.base import utcnow
from takedown.db.failures import count_failure
from takedown.intake import pins
from takedown.intake.errors import CaseNotFound, StatusLocked
from takedown.intake.models import Report
from takedown.intake.schemas import PublicStatus, Receipt, ReportIn, StatusItem
from takedown.matching import MatchEngine
from takedown.platforms import resolve_refs
from takedown.platforms.errors import UnknownContent

STATE_LABELS = {
    "open": "Received: waiting for a reviewer",
    "restricted": "Hidden while people review it",
    "pending_second_review": "Hidden: waiting for a second reviewer",
    "confirmed": "Removed",
    "dismissed": "Reviewed: not removed",
    "appealed": "Removed; the uploader appealed and a different reviewer is looking again",
    "rereview": "A different reviewer is looking at your report again",
}


def submit_report(
    session: Session,
    settings: Settings,
    data: ReportIn,
    channel: str,
    engine: MatchEngine | None = None,
) -> Receipt:
    if engine is not None:
        # Everything committed so far is in the index before this transaction takes the
        # audit chain's lock; waiting while holding it would stall every other writer.
        engine.sync_now()
    items, missing = resolve_refs(session, data.content)
    if not items:
        raise UnknownContent(
            "We could not find this content. Check the link or id and try again.",
            field="content",
            not_found=missing,
        )
    priority = triage.priority_for(
        data.reporter_role, data.minor_depicted, data.law_enforcement_case_number
    )
    # One report at a time per repost family, so simultaneous reports share one case.
    triage.lock_families(session, items)
    case = cases.case_for_content(session, items)
    if case is not None and case.state == "confirmed" and not cases.holds_all(session, case, items):
        case = None  # something not yet decided: a new incident gets its own case and review
    if case is None:
        case = cases.open_case(
            session,
            priority,
            triage.deadline_for(settings, priority, utcnow()),
            triage.queue_for(data.reporter_role, data.minor_depicted, priority),
        )
    else:
        case = cases.get_case(session, case.id, lock=True)
        _join(session, settings, case, priority, data)
    cases.add_items(session, case, items, "reported")
    pin = pins.new_pin()
    report = _store(session, case, data, channel, pins.hash_pin(pin))
    due = _take_it_down(session, case, report, data)
    if case.priority == "P0" and case.state != "confirmed":
        triage.protect(session, case, items, actor=f"report:{report.id}")
        if engine is not None:
            triage.propagate(session, engine, case, items, restrict=True)
        # Copies uploaded while this transaction ran are not visible to it: look again.
        triage.resweep_later(session, case)
    cases.tell_reporter(session, case, "received", _received_message(case, missing))
    return Receipt(
        case_number=case.number,
        pin=pin,
        priority=case.priority,
        state=case.state,
        status_url=f"{settings.public_url.rstrip('/')}/status?case={case.number}",
        message=STATE_LABELS[case.state],
        received_at=report.created_at.isoformat(),
        notice=_article_16_notice(report),
        removal_due_at=due.isoformat() if due else None,
    )


def _take_it_down(session: Session, case: Case, report: Report, data: ReportIn) -> datetime | None:
    """A request under the TAKE IT DOWN Act starts its 48-hour clock (legal keeps it)."""
    if data.take_it_down is None:
        return None
    from takedown import legal  # legal builds on intake: imported here

    request = legal.record_take_it_down(
        session,
        case,
        report,
        signature=data.take_it_down.signature,
        identification=data.take_it_down.identification,
        contact=data.take_it_down.contact or data.contact or "",
    )
    return request.removal_due_at


def _article_16_notice(report: Report) -> str:
    """DSA Art. 16(4) and (6): confirm receipt, and say what is automated."""
    return (
        "We confirm receipt of your notice at "
        f"{report.created_at:%Y-%m-%d %H:%M:%S} UTC (EU Digital Services Act, Article 16). "
        "When a notice says a child may be shown, the content and its copies are hidden "
        "automatically at once; people make every decision to remove or keep content. "
        "We will tell you the decision and how to contest it on the status page."
    )


def _join(session: Session, settings: Settings, case: Case, priority: str, data: ReportIn) -> None:
    """A further report raises the case; a dismissed case is opened again."""
    raised = triage.raise_priority(settings, case, priority)
    if data.law_enforcement_case_number and not case.escalated:
        case.escalated = True
        raised = True
    if case.state == "dismissed":
        case.state = "open"
        case.decided_at = None
        raised = True
    if raised:
        audit.record(
            session,
            "case.escalated",
            actor="system",
            subject_type="case",
            subject_id=case.id,
            data={"priority": case.priority, "escalated": case.escalated},
        )


def _store(session: Session, case: Case, data: ReportIn, channel: str, pin_hash: str) -> Report:
    report = Report(
        case_id=case.id,
        reporter_role=data.reporter_role.value,
        minor_depicted=data.minor_depicted.value,
        age_at_time=data.age_at_time,
        law_enforcement_case_number=data.law_enforcement_case_number,
        statement=data.statement,
        contact=data.contact,
        content_refs=data.content,
        channel=channel,
        pin_hash=pin_hash,
    )
    session.add(report)
    case.report_count += 1
    session.flush()
    audit.record(
        session,
        "report.received",
        actor=f"reporter:{data.reporter_role.value}",
        subject_type="case",
        subject_id=case.id,
        data={
            "report_id": report.id,
            "priority": case.priority,
            "channel": channel,
            "minor_depicted": data.minor_depicted.value,
            "law_enforcement_case_number": data.law_enforcement_case_number,
        },
    )
    return report


def _received_message(case: Case, missing: list[str]) -> str:
    text = (
        "We received your report (this confirms receipt of your notice under the EU Digital "
        "Services Act, Article 16). Keep your case number and PIN to follow it here."
    )
    if case.priority == "P0":
        text += " Because a child may be shown, it goes to the front of the queue."
    if missing:
        text += f" We could not find {len(missing)} of the links you gave; the rest is in review."
    return text


def status(session: Session, settings: Settings, case_number: str, pin: str) -> PublicStatus:
    """What the reporter may see, once the PIN matches one of the case's reports."""
    case, report_id = _reporter(session, settings, case_number, pin)
    audit.record(
        session, "case.status_viewed", actor="reporter", subject_type="case", subject_id=case.id
    )
    return _public_status(session, case, report_id)


def case_for_reporter(session: Session, settings: Settings, case_number: str, pin: str) -> Case:
    """The case, if the PIN matches one of its reports (wrong PINs count toward a lock)."""
    return _reporter(session, settings, case_number, pin)[0]


def _reporter(session: Session, settings: Settings, case_number: str, pin: str) -> tuple[Case, int]:
    """The case and the report whose PIN this is."""
    case = session.scalar(select(Case).where(Case.number == case_number.strip().upper()))
    if case is None:
        raise CaseNotFound("No case matches this case number and PIN.", field="pin")
    now = utcnow()
    if case.pin_locked_until and case.pin_locked_until > now:
        raise StatusLocked("Too many wrong PINs. Try again in a few minutes.", field="pin")
    rows = session.execute(select(Report.id, Report.pin_hash).where(Report.case_id == case.id))
    report_id = next((rid for rid, h in rows if pins.check_pin(pin.strip(), h)), None)
    if report_id is None:
        _count_failure(session, settings, case, now)
        raise CaseNotFound("No case matches this case number and PIN.", field="pin")
    if case.pin_failures:
        case.pin_failures = 0
    return case, report_id


def _count_failure(session: Session, settings: Settings, case: Case, now: datetime) -> None:
    count_failure(
        session,
        Case.pin_failures,
        Case.pin_locked_until,
        case.id,
        limit=settings.pin_max_failures,
        lock_for=timedelta(minutes=settings.pin_lock_minutes),
        now=now,
    )


def _public_status(session: Session, case: Case, report_id: int | None) -> PublicStatus:
    items = [item for _, item in cases.items_of(session, case)]
    return PublicStatus(
        case_number=case.number,
        state=case.state,
        state_label=STATE_LABELS[case.state],
        priority=case.priority,
        reports=case.report_count,
        content_items=len(items),
        hidden_items=sum(1 for i in items if i.visibility == "restricted"),
        removed_items=sum(1 for i in items if i.visibility == "removed"),
        updates=[
            StatusItem(kind=u.kind, message=u.message, at=u.created_at.isoformat())
            for u in cases.updates_of(session, case, report_id)
        ],
    )
