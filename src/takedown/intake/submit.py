"""Take a report, protect at once when a child may be shown (within bounds an anonymous
sender cannot stretch), hand back a receipt that says honestly what happened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, cases, i18n, matching, triage
from takedown.cases import Case, CaseItem, states
from takedown.config import Settings
from takedown.db.base import utcnow
from takedown.i18n import N_
from takedown.intake import challenge, finding, pins
from takedown.intake.models import Report
from takedown.intake.schemas import Receipt, ReportIn
from takedown.intake.service import STATE_LABELS
from takedown.matching import MatchEngine
from takedown.platforms import ContentItem, Resolution, resolve_refs
from takedown.triage import protection

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
    if engine is not None:
        # Everything committed so far is in the index before this transaction takes the
        # audit chain's lock; waiting while holding it would stall every other writer.
        engine.sync_now()
    resolution = resolve_refs(session, data.content)
    items = resolution.items
    unresolved = resolution.missing + resolution.ambiguous
    priority = triage.priority_for(
        data.reporter_role, data.minor_depicted, data.law_enforcement_case_number
    )
    trust = triage.trust_for(
        data.reporter_role,
        data.minor_depicted,
        data.age_at_time,
        data.law_enforcement_case_number,
        data.contact,
        flagger=flagger,
        bank_match=_bank_match(session, engine, items),
    )
    protection.check_rate(session, settings, client, trust)
    # One report at a time per repost family, so simultaneous reports share one case.
    triage.lock_families(session, items)
    if items:
        case, created = _case_for(session, settings, items, priority, data, trust)
    else:
        case, created = finding.case_for(session, settings, client, priority, data)
        if not created:
            _join(session, settings, case, priority, data)
    states.raise_credibility(case, _rank(session, case, data, trust, client))
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
    outcome = protect_items(session, settings, engine, case, report, items) if items else "none"
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


def _bank_match(session: Session, engine: MatchEngine | None, items: list[ContentItem]) -> bool:
    """The reported media is known to a block bank: the claim is verified by the bank."""
    if engine is None:
        return False
    for item in items:
        query = matching.stored_query(session, item.root_id or item.id)
        if not (query.pdqs or query.md5 or query.sha256):
            continue
        if any(m.action == "block" for m in matching.match_banks(session, engine, query)):
            return True
    return False


def _case_for(
    session: Session,
    settings: Settings,
    items: list[ContentItem],
    priority: str,
    data: ReportIn,
    trust: str,
) -> tuple[Case, bool]:
    """The open case of this content, or a new one (content not yet decided after a
    confirmation is a new incident with its own review)."""
    case = cases.case_for_content(session, items) if items else None
    if case is not None and case.state == "confirmed" and not cases.holds_all(session, case, items):
        case = None
    if case is None:
        case = cases.open_case(
            session,
            priority,
            triage.deadline_for(settings, priority, utcnow()),
            triage.queue_for(data.reporter_role, data.minor_depicted, priority),
            credibility=triage.RANK_BARE,
        )
        if data.law_enforcement_case_number:
            states.escalate(case, police=True)  # the police tag from the first report on
        return case, True
    case = cases.get_case(session, case.id, lock=True)
    _join(session, settings, case, priority, data)
    return case, False


def _join(session: Session, settings: Settings, case: Case, priority: str, data: ReportIn) -> None:
    """A further report raises the case (and tags a police case number)."""
    raised = triage.raise_priority(settings, case, priority)
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
    states.reopen(case, "open", deadline=deadline)
    for ci, _ in dismissed:
        states.move_item(ci, "reopen")
        ci.needs_look = True
        ci.dismissed_before = ci.dismissed_before or case.priority == "P0"  # two people
    states.settle(session, case)


def _reviewed_before(rows: list[tuple[CaseItem, ContentItem]]) -> set[int]:
    """Repost families in this case (its items) that two reviewers dismissed once."""
    return {
        item.root_id or item.id
        for ci, item in rows
        if ci.dismissed_before and ci.state != "confirmed"
    }


def _rank(session: Session, case: Case, data: ReportIn, trust: str, client: str | None) -> int:
    """Queue order within a priority: how much a reviewer can act on, and how much of it
    an anonymous sender would have to invent (each detail alone is cheap to claim)."""
    independent = client is not None and (
        session.scalar(
            select(Report.id).where(Report.case_id == case.id, Report.client_key != client).limit(1)
        )
        is not None
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


def _new_evidence(session: Session, case: Case, report: Report) -> bool:
    """Verified by a bank or a flagger, or the police with a case number for the first time
    on this case (a number cannot be checked, so one such re-hide per case)."""
    if report.trust == "verified":
        return True
    if report.reporter_role != "law_enforcement" or not report.law_enforcement_case_number:
        return False
    earlier = session.scalar(
        select(Report.id)
        .where(
            Report.case_id == case.id,
            Report.id != report.id,
            Report.reporter_role == "law_enforcement",
        )
        .limit(1)
    )
    return earlier is None


def protect_items(
    session: Session,
    settings: Settings,
    engine: MatchEngine | None,
    case: Case,
    report: Report,
    items: list[ContentItem],
) -> str:
    """Hide what this report may hide now; what it may not stays queued for a person. The
    same rules hold for content a platform attaches to the report later."""
    if case.priority != "P0" or case.state == "confirmed":
        return "none"
    rows = cases.items_of(session, case)
    held = {ci.content_id for ci, _ in rows if ci.state in cases.PROTECTING}
    targets = [item for item in items if item.id in held]
    reviewed = set() if _new_evidence(session, case, report) else _reviewed_before(rows)
    skipped = [i for i in targets if (i.root_id or i.id) in reviewed]
    targets = [i for i in targets if i not in skipped]
    burst = protection.detect_burst(session, settings, targets, report.trust, case.priority)
    if burst is not None:
        protection.join_burst(session, burst, case, created=case.report_count == 1)
    proven = report.proven
    budget = protection.budget(
        session,
        settings,
        report.client_key,
        report.trust,
        burst,
        proven=proven,
        police=bool(report.law_enforcement_case_number),
        wanted=sum(1 for item in targets if item.visibility == "public"),
    )
    report.copies_allowed = budget.copies
    public = [item for item in targets if item.visibility == "public"]
    hidden_before = [item for item in targets if item.visibility == "restricted"]
    allowed = public if budget.items is None else public[: budget.items]
    actor = f"report:{report.id}"
    triage.protect(session, case, allowed, actor=actor, report_id=report.id)
    held_back = copies = 0
    # Copies of what is hidden now, and of what was hidden already (by a bank hold or an
    # earlier report), join the case within this report's copy cap.
    spread_from = allowed + hidden_before
    if engine is not None and spread_from:
        spread = triage.propagate(
            session,
            engine,
            case,
            spread_from,
            restrict=True,
            report_id=report.id,
            trust=report.trust,
            copy_cap=budget.copies,
        )
        held_back, copies = spread.held_back, spread.hidden
        triage.resweep_later(session, case)
    protection.spend(session, report.client_key, report.trust, copies)  # items: taken above
    if skipped and not allowed:
        return "reviewed_before"
    if len(allowed) < len(public):
        return budget.why if not allowed and budget.why != "limited" else "limited"
    return "limited" if held_back else "restricted"


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
