"""Take a report, protect at once when a child may be shown, hand back a receipt."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, cases
from takedown.cases import Case, Report
from takedown.config import Settings
from takedown.db import counters, utcnow
from takedown.i18n import N_
from takedown.intake import pins
from takedown.intake.errors import CaseNotFound, StatusLocked
from takedown.intake.schemas import PublicStatus, StatusItem

NO_MATCH = N_("No case matches this case number and PIN.")
HOUR = timedelta(hours=1)
STATE_LABELS = {
    "open": N_("Received: waiting for a reviewer"),
    "restricted": N_("Hidden while people review it"),
    "pending_second_review": N_("Hidden: waiting for a second reviewer"),
    "confirmed": N_("Removed"),
    "dismissed": N_("Reviewed: not removed"),
    "appealed": N_("Removed; the uploader appealed and a different reviewer is looking again"),
    "rereview": N_("A different reviewer is looking at your report again"),
}


def status(
    session: Session, settings: Settings, case_number: str, pin: str, *, client: str
) -> PublicStatus:
    """What the reporter may see, once the PIN matches one of the case's reports. Each
    client has an hourly number of lookups; a report's viewing is audited once an hour."""
    if counters.hit(session, f"lookups|{client}", HOUR) > settings.status_lookups_per_hour:
        raise StatusLocked(
            N_("Too many status lookups from your connection. Try again later."),
            field="pin",
            retry_after=_seconds_left(HOUR),
        )
    case, report_id = _reporter(session, settings, case_number, pin, client)
    if counters.hit(session, f"viewed|{report_id}", HOUR) == 1:
        audit.record(
            session,
            "case.status_viewed",
            actor="reporter",
            subject_type="case",
            subject_id=case.id,
            data={"report_id": report_id},
        )
    return _public_status(session, case, report_id)


def case_for_reporter(
    session: Session, settings: Settings, case_number: str, pin: str, *, client: str
) -> Case:
    """The case, if the PIN matches one of its reports (wrong PINs count against the client)."""
    return _reporter(session, settings, case_number, pin, client)[0]


def reporter_of(
    session: Session, settings: Settings, case_number: str, pin: str, *, client: str
) -> tuple[Case, Report]:
    """The case and the one report this PIN belongs to (wrong PINs count as for status)."""
    case, report_id = _reporter(session, settings, case_number, pin, client)
    report = session.get(Report, report_id)
    assert report is not None
    return case, report


def _reporter(
    session: Session, settings: Settings, case_number: str, pin: str, client: str
) -> tuple[Case, int]:
    """The case and the report whose PIN this is. An unknown case and a wrong PIN do the
    same work and get the same answer; wrong tries count against the client, never the case
    (else anyone could lock a reporter out of their own case)."""
    _refuse_if_locked(session, settings, client)
    number, pin = case_number.strip().upper(), pin.strip()
    found = _by_digest(session, number, pins.pin_digest(settings.secret_key, number, pin))
    if found is None:
        found = _by_legacy_pin(session, settings, number, pin)
    if found is None:
        _count_failure(session, settings, client)
        raise CaseNotFound(NO_MATCH, field="pin")
    return found


def _by_digest(session: Session, number: str, digest: str) -> tuple[Case, int] | None:
    row = session.execute(
        select(Case, Report.id)
        .join(Report, Report.case_id == Case.id)
        .where(Case.number == number, Report.pin_digest == digest)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def _by_legacy_pin(
    session: Session, settings: Settings, number: str, pin: str
) -> tuple[Case, int] | None:
    """Legacy: reports stored before PIN digests have only a salted scrypt hash. Only the
    case's rows without a digest are checked, and a match gets its digest for next time."""
    rows = session.execute(
        select(Case, Report)
        .join(Report, Report.case_id == Case.id)
        .where(Case.number == number, Report.pin_digest.is_(None))
    )
    for case, report in rows:
        if pins.check_pin(pin, report.pin_hash):
            report.pin_digest = pins.pin_digest(settings.secret_key, number, pin)
            return case, report.id
    return None


def _refuse_if_locked(session: Session, settings: Settings, client: str) -> None:
    window = timedelta(minutes=settings.pin_lock_minutes)
    if counters.hit(session, _failure_key(client), window, n=0) >= settings.pin_max_failures:
        raise StatusLocked(
            N_("Too many wrong PINs from your connection. Try again in a few minutes."),
            field="pin",
            retry_after=_seconds_left(window),
        )


def _count_failure(session: Session, settings: Settings, client: str) -> None:
    counters.hit(session, _failure_key(client), timedelta(minutes=settings.pin_lock_minutes))


def _failure_key(client: str) -> str:
    return f"pin-fail|{client}"


def _seconds_left(window: timedelta) -> int:
    now = utcnow()
    end = counters.window_of(now, window) + window
    return max(1, math.ceil((end - now).total_seconds()))


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
            # The receipt's own message first (it is written after what the report did).
            for u in sorted(cases.updates_of(session, case, report_id), key=_received_first)
        ],
    )


@dataclass
class ReporterView:
    """The status page of one report: its thread, and what its reporter may do now."""

    status: PublicStatus
    withdrawn: bool
    asked: bool  # a reviewer's question waits for this reporter's answer
    can_rereview: bool
    decision_due_at: str | None


def reporter_view(
    session: Session, settings: Settings, case_number: str, pin: str, *, client: str
) -> ReporterView:
    public = status(session, settings, case_number, pin, client=client)
    case, report = reporter_of(session, settings, case_number, pin, client=client)
    last = {u.kind: i for i, u in enumerate(public.updates)}
    asked = last.get("request_info", -1) > last.get("reply", -1)
    withdrawn = report.withdrawn_at is not None
    return ReporterView(
        status=public,
        withdrawn=withdrawn,
        asked=asked and not withdrawn,
        can_rereview=case.state == "dismissed" and not withdrawn,
        decision_due_at=case.deadline_at.isoformat() if case.state in cases.ACTIVE else None,
    )


def _received_first(update: cases.CaseUpdate) -> tuple[bool, int]:
    return update.kind != "received", update.id
