"""Take a report, protect at once when a child may be shown (within bounds an anonymous
sender cannot stretch), hand back a receipt that says honestly what happened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, cases, events, i18n, triage
from takedown.cases import Case, Report, states
from takedown.config import Settings
from takedown.db import utcnow
from takedown.i18n import N_
from takedown.intake import challenge, finding, pins
from takedown.intake.events import TakeItDownRequested
from takedown.intake.schemas import Receipt, ReportIn
from takedown.intake.service import STATE_LABELS
from takedown.matching import MatchEngine
from takedown.platforms import ContentItem, Resolution, resolve_refs

PROTECTION_NOTES = {
    "restricted": "",
    "limited": N_(
        "Some of what you reported is hidden now; a person will look at the rest first thing."
    ),
    "burst": N_(
        "Many reports about the same account or site arrived at once, so a supervisor checks "
        "them before anything more is hidden. A person will look at yours."
    ),
    "paused": N_(
        "Many reports came from your connection in the last hour, so this one was not hidden "
        "automatically. A person will look at it."
    ),
    "unproven": N_(
        "It was not hidden automatically, because this kind of report needs a short check "
        "that your browser runs (it may have JavaScript off). A person will look at it first "
        "thing."
    ),
    "reviewed_before": N_(
        "Two reviewers already looked at this content. Your report is added to it as new "
        "information and a reviewer will look again; it stays visible until then unless you "
        "add evidence such as a police case number."
    ),
    "unresolved": N_(
        "Nothing was hidden yet, because we do not know this content yet. A person will find "
        "it with the platform and look at it; if it shows a child, it is hidden as soon as it "
        "is found."
    ),
}


def submit_report(
    session: Session,
    settings: Settings,
    data: ReportIn,
    channel: str,
    engine: MatchEngine | None = None,
    *,
    client: str | None = None,
    flagger: bool = False,
    locale: str = "en",
) -> Receipt:
    """Every report is taken: what names no registered content (a link the platform never
    registered, a username, a description) waits for a person and the platform to find it,
    and hides nothing on its own."""
    resolution = resolve_refs(session, data.content)
    items = resolution.items
    unresolved = resolution.missing + resolution.ambiguous
    triaged = triage.assess(session, settings, data, items, engine, flagger=flagger)
    trust = triaged.trust
    triage.check_rate(session, settings, client, trust)
    # One report at a time per repost family, so simultaneous reports share one case.
    triage.lock_families(session, items)
    if items:
        case, created = _case_for(session, items, triaged, data)
    else:
        case, created = finding.case_for(session, settings, client, triaged, data)
        if not created:
            _join(session, case, triaged, data)
    states.raise_credibility(case, _rank(session, case, data, trust, client, created))
    pin = pins.new_pin()
    proven = _proven(session, settings, data)
    report = _store(session, settings, case, data, channel, pin, trust, client, resolution)
    report.locale, report.proven, report.unresolved_refs = locale, proven, unresolved
    if items and not created:
        _reopen_dismissed(session, settings, case, items)
    # A report naming several accounts' content asks for each item to be decided on its
    # own: whoever reports first cannot pass an innocent post off as part of the incident.
    several = len({item.author_id for item in items}) > 1
    if items:
        cases.add_items(
            session, case, items, "reported", report_id=report.id, needs_look=several or not created
        )
    due = _take_it_down(session, case, report, data)
    outcome = "none"
    if items:
        outcome = triage.protect_report(session, settings, engine, case, report, items)
    report.protection = outcome if outcome != "reviewed_before" else "none"
    states.settle(session, case)
    to_find = len(unresolved) + (1 if data.where_seen else 0)
    if to_find:
        finding.ask_platforms(session, case, report, asked_before=not created and not items)
    if not items:
        outcome = report.protection = "unresolved"
    tr = i18n.translator(locale)
    note = tr(PROTECTION_NOTES[outcome]) if PROTECTION_NOTES.get(outcome) else ""
    message = _received_message(tr, case, to_find)
    cases.tell_reporter(session, case, "received", _join_text(message, note), report_id=report.id)
    return Receipt(
        case_number=case.number,
        pin=pin,
        priority=case.priority,
        state=case.state,
        status_url=f"{settings.public_url.rstrip('/')}/status?case={case.number}",
        message=_join_text(tr(STATE_LABELS[case.state]) + ".", note),
        received_at=report.created_at.isoformat(),
        notice=_article_16_notice(report),
        removal_due_at=due.isoformat() if due else None,
        decision_due_at=case.deadline_at.isoformat(),
        unresolved=to_find,
        protection=outcome,
    )


def _join_text(first: str, second: str) -> str:
    return f"{first} {second}" if second else first


def _proven(session: Session, settings: Settings, data: ReportIn) -> bool:
    """The proof of work held (checked once: a challenge is good for one report)."""
    return settings.report_pow_bits == 0 or challenge.verify(
        session, settings.secret_key, settings.report_pow_bits, data.proof_of_work
    )


def _case_for(
    session: Session, items: list[ContentItem], triaged: triage.Assessment, data: ReportIn
) -> tuple[Case, bool]:
    """The open case of this content, or a new one (content not yet decided after a
    confirmation is a new incident with its own review)."""
    case = cases.case_for_content(session, items) if items else None
    if case is not None and case.state == "confirmed" and not cases.holds_all(session, case, items):
        case = None
    if case is None:
        case = cases.open_case(  # inserted with its first report (_store)
            session,
            triaged.priority,
            triaged.deadline,
            triaged.queue,
            triage.RANK_BARE,
            flush=False,
        )
        if data.law_enforcement_case_number:
            states.escalate(case, police=True)  # the police tag from the first report on
        return case, True
    case = cases.get_case(session, case.id, lock=True)
    _join(session, case, triaged, data)
    return case, False


def _join(session: Session, case: Case, triaged: triage.Assessment, data: ReportIn) -> None:
    """A further report can only raise the case, pulling its deadline in with it (and
    tags a police case number)."""
    raised = states.raise_priority(case, triaged.priority, triaged.deadline)
    if data.law_enforcement_case_number:
        raised = states.escalate(case, police=True) or raised
    if raised:
        audit.record(
            session,
            "case.escalated",
            actor="system",
            subject_type="case",
            subject_id=case.id,
            data={"priority": case.priority, "escalated": case.escalated},
        )


def _reopen_dismissed(
    session: Session, settings: Settings, case: Case, items: list[ContentItem]
) -> None:
    """A report about dismissed content (or a new repost of it) opens a new round for it
    (new information), and each item must be looked at again. What two reviewers dismissed
    is marked so: only new evidence hides it again automatically, in any later round."""
    roots = {item.root_id or item.id for item in items}
    dismissed = [
        (ci, item)
        for ci, item in cases.items_of(session, case, ("dismissed",))
        if (item.root_id or item.id) in roots
    ]
    if not dismissed:
        return
    deadline = triage.deadline_for(settings, case.priority, utcnow())
    if cases.items_of(session, case, cases.PROTECTING):
        deadline = min(deadline, case.deadline_at)  # never later for what still waits
    states.new_information(case, deadline)
    for ci, _ in dismissed:
        states.move_item(ci, "reopen")
        ci.needs_look = True
        ci.dismissed_before = ci.dismissed_before or case.priority == "P0"  # two people
    states.settle(session, case)


def _rank(
    session: Session, case: Case, data: ReportIn, trust: str, client: str | None, created: bool
) -> int:
    """Queue order within a priority: how much a reviewer can act on, and how much of it
    an anonymous sender would have to invent (each detail alone is cheap to claim). A new
    case has no other report to be independent of."""
    independent = (
        not created
        and client is not None
        and (
            session.scalar(
                select(Report.id)
                .where(Report.case_id == case.id, Report.client_key != client)
                .limit(1)
            )
            is not None
        )
    )
    return triage.credibility_rank(
        trust,
        data.reporter_role,
        data.minor_depicted,
        data.age_at_time,
        data.law_enforcement_case_number,
        data.contact,
        independent=independent,
    )


def _store(
    session: Session,
    settings: Settings,
    case: Case,
    data: ReportIn,
    channel: str,
    pin: str,
    trust: str,
    client: str | None,
    resolution: Resolution,
) -> Report:
    case.report_count += 1
    session.flush()  # a new case is inserted here, with its rank: it has an id from now on
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
        pin_hash="",
        pin_digest=pins.pin_digest(settings.secret_key, case.number, pin),
        client_key=client,
        trust=trust,
        item_ids=[item.id for item in resolution.items],
        unresolved_refs=list(resolution.ambiguous),
        where_seen=data.where_seen,
    )
    session.add(report)
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
            "trust": trust,
            "minor_depicted": data.minor_depicted.value,
            "law_enforcement_case_number": data.law_enforcement_case_number,
        },
    )
    return report


def _take_it_down(session: Session, case: Case, report: Report, data: ReportIn) -> datetime | None:
    """A request under the TAKE IT DOWN Act starts its 48-hour clock (legal keeps it)."""
    if data.take_it_down is None:
        return None
    request = TakeItDownRequested(
        case,
        report,
        signature=data.take_it_down.signature,
        identification=data.take_it_down.identification,
        contact=data.take_it_down.contact or data.contact or "",
    )
    events.publish(session, request)  # legal keeps it and starts its clock
    return request.removal_due_at


def _article_16_notice(report: Report) -> str:
    """DSA Art. 16(4) and (6): confirm receipt, and say what is automated."""
    return (
        "We confirm receipt of your notice at "
        f"{report.created_at:%Y-%m-%d %H:%M:%S} UTC (EU Digital Services Act, Article 16). "
        "When a notice says a child may be shown, the content and its copies are hidden "
        "automatically at once, within limits that keep anyone from hiding other people's "
        "content in bulk; people make every decision to remove or keep content. "
        "We will tell you the decision and how to contest it on the status page."
    )


def _received_message(tr: i18n.Translate, case: Case, to_find: int) -> str:
    text = tr(
        "We received your report (this confirms receipt of your notice under the EU Digital "
        "Services Act, Article 16). Keep your case number and PIN to follow it here."
    )
    if case.priority == "P0":
        text += " " + tr("Because a child may be shown, it goes to the front of the queue.")
    if to_find:
        text += " " + tr(
            "A person, with the platform, will find what you told us about that we do not "
            "know yet (%(count)s in all).",
            count=to_find,
        )
    return text
