"""Reports that name nothing registered (a link the platform never registered, a username,
"I saw it here"): a case for a person, and the platform asked to find the content.

Bounded per client: past `client_unresolved_cases` such reports an hour, a client's later
ones join its latest open one (still read by a person), with no new case and no new
webhook. They hide nothing and name nobody on their own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown import audit, cases, enforcement, triage
from takedown.cases import Case, Report, states
from takedown.config import Settings
from takedown.db import counters, settings_of
from takedown.intake.schemas import ReportIn
from takedown.platforms import Platform, host_of, with_scheme

HOUR = timedelta(hours=1)
EVENT = "report.unresolved"
MAX_PLATFORMS = 10


def case_for(
    session: Session,
    settings: Settings,
    client: str | None,
    triaged: triage.Assessment,
    data: ReportIn,
) -> tuple[Case, bool]:
    """A new case for a person, or (past the client's hourly number) its latest open one."""
    if client is not None:
        opened = counters.hit(session, f"unresolved|{client}", HOUR)
        latest = (
            _latest_open(session, client) if opened > settings.client_unresolved_cases else None
        )
        if latest is not None:
            return cases.get_case(session, latest, lock=True), False
    case = cases.open_case(
        session, triaged.priority, triaged.deadline, triaged.queue, triage.RANK_BARE
    )
    if data.law_enforcement_case_number:
        states.escalate(case, police=True)
    return case, True


def _latest_open(session: Session, client: str) -> int | None:
    return session.scalar(
        select(Report.case_id)
        .join(Case, Case.id == Report.case_id)
        .where(
            Report.client_key == client,
            func.jsonb_array_length(Report.item_ids) == 0,
            Case.state == "open",
        )
        .order_by(Report.id.desc())
        .limit(1)
    )


def _may_broadcast(session: Session, report: Report) -> bool:
    """Asking every platform (a ref no platform serves, a description) is bounded per client
    like the cases themselves: past it, only the platforms serving a host are asked, and
    the case waits for a person all the same."""
    settings = settings_of(session)
    if report.client_key is None or settings is None:
        return True
    sent = counters.hit(session, f"unresolved-broadcast|{report.client_key}", HOUR)
    return sent <= settings.client_unresolved_cases


def platforms_for(session: Session, report: Report, *, broadcast: bool = True) -> list[Platform]:
    """The platforms serving the hosts of the report's links; when a ref names no host a
    platform serves (an id, a username, a description, another site), every platform too
    (unless `broadcast` is off). At most MAX_PLATFORMS."""
    hosts = {host_of(ref) for ref in report.unresolved_refs or []}
    found: dict[int, Platform] = {}
    unknown = bool(report.where_seen)
    for host in sorted(hosts):
        serving = list(session.scalars(_on_host(host).limit(MAX_PLATFORMS))) if host else []
        unknown = unknown or not serving
        found.update((p.id, p) for p in serving)
    if unknown and broadcast:
        every = session.scalars(select(Platform).order_by(Platform.id).limit(MAX_PLATFORMS))
        for platform in every:
            found.setdefault(platform.id, platform)
    return list(found.values())[:MAX_PLATFORMS]  # those serving a host first


def _on_host(host: str):
    return select(Platform).where(Platform.hosts.contains([host])).order_by(Platform.id)


def ask_platforms(session: Session, case: Case, report: Report, *, asked_before: bool) -> None:
    """Send `report.unresolved` (signed, in this transaction) to the platforms concerned."""
    if asked_before:
        return
    asked = platforms_for(session, report, broadcast=_may_broadcast(session, report))
    data = payload(case, report)
    for platform in asked:
        enforcement.notify(session, platform.id, EVENT, data, f"report:{report.id}")
    audit.record(
        session,
        EVENT,
        actor="system",
        subject_type="case",
        subject_id=case.id,
        data={"report_id": report.id, "platforms": [p.name for p in asked]},
    )


def payload(case: Case, report: Report) -> dict[str, object]:
    return {
        "case_number": case.number,
        "report_id": report.id,
        "refs": [with_scheme(ref) for ref in report.unresolved_refs or []],
        "where_seen": report.where_seen,
        "priority": case.priority,
        "minor_depicted": report.minor_depicted,
        "reported_at": report.created_at.isoformat(),
        "attach": f"POST /v1/reports/{case.number}/content",
    }
