"""How much an anonymous report may hide on its own: bounded per report and per client,
stopped for a burst, never again after a two-person dismissal without new evidence.

Nothing here drops a report: what is not hidden at once is queued for a person, and the
reporter is told so."""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from takedown import audit, cases
from takedown.cases import Burst, Case, CaseItem, Report
from takedown.config import Settings
from takedown.db import counters, utcnow
from takedown.errors import TakedownError
from takedown.i18n import N_
from takedown.jobs import enqueue
from takedown.platforms import ContentItem
from takedown.triage.service import RANK_DETAIL

HOUR = timedelta(hours=1)
BURST_ALERT_TASK = "triage:alert_burst"


class TooManyReports(TakedownError):
    status = 429
    code = "too_many_reports"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "3600"}


@dataclass
class Budget:
    """What this report may hide at once: named items and copies by other authors."""

    items: int | None
    copies: int | None
    why: str  # full, limited, burst, paused, unproven


def check_rate(session: Session, settings: Settings, client: str | None, trust: str) -> None:
    """Refuse (429, nothing stored) a client past its hourly number of reports."""
    if client is None or trust == "verified":
        return
    if counters.hit(session, f"reports|{client}", HOUR) > settings.client_report_limit:
        raise TooManyReports(
            N_(
                "Too many reports from here in the last hour. Please try again later; if a "
                "child is in danger now, call the police."
            )
        )


def budget(
    session: Session,
    settings: Settings,
    client: str | None,
    trust: str,
    burst: Burst | None,
    *,
    proven: bool = True,
    police: bool = False,
    wanted: int = 0,
) -> Budget:
    """`proven`: a bare claim came with the proof of work the service asks for (if any).
    During a burst, a report with a police case number still hides one item at once.
    `wanted` items are taken from the client's hourly allowance here (copies later)."""
    if trust == "verified":
        return Budget(None, None, "full")
    if burst is not None:
        return Budget(1 if police else 0, 0, "burst")
    if trust == "bare" and not proven:
        return Budget(0, 0, "unproven")
    want = min(settings.report_item_cap, wanted)
    granted = (
        counters.take(session, f"hide|{client}", HOUR, want, settings.client_hide_cap)
        if client
        else want
    )
    if granted == 0 and want:
        return Budget(0, 0, "paused")
    return Budget(granted, settings.report_copy_cap, "limited")


def spend(session: Session, client: str | None, trust: str, hidden: int) -> None:
    if client and trust != "verified" and hidden:
        counters.hit(session, f"hide|{client}", HOUR, hidden)


def detect_burst(
    session: Session, settings: Settings, items: list[ContentItem], trust: str, priority: str
) -> Burst | None:
    """Count unverified reports against each named account and platform in the window;
    an open burst, or a count past its threshold, stops automatic hiding for them."""
    if trust == "verified" or not items:
        return None
    window = timedelta(minutes=settings.burst_window_minutes)
    for account_id, n in sorted(Tally(item.author_id for item in items).items()):
        n = min(n, settings.report_item_cap)  # one request counts as at most its cap
        count = counters.hit(session, f"burst-account|{account_id}", window, n)
        crossed = count >= settings.burst_account_items
        burst = _open_burst(session, "account", account_id, crossed, window)
        if burst is not None:
            return burst
    if priority != "P0" or trust != "bare":
        return None  # a platform-wide burst stops only bare claims, never everyone's reports
    for platform_id in sorted({item.platform_id for item in items}):
        count = counters.hit(session, f"burst-platform|{platform_id}", window)
        crossed = count >= settings.burst_platform_reports
        burst = _open_burst(session, "platform", platform_id, crossed, window)
        if burst is not None:
            return burst
    return None


def _open_burst(
    session: Session, kind: str, target: int, crossed: bool, window: timedelta
) -> Burst | None:
    which = {"kind": kind, "target": target}
    burst = session.scalar(_OPEN_BURST, which)
    if burst is not None or not crossed:
        return burst
    session.execute(
        text("SELECT pg_advisory_xact_lock(7236101, hashtext(:k))"), {"k": f"{kind}:{target}"}
    )
    burst = session.scalar(_OPEN_BURST, which)  # another report may have opened it meanwhile
    if burst is None:
        burst = Burst(target_type=kind, target_id=target, state="open", reports=0, note="")
        session.add(burst)
        session.flush()
        audit.record(
            session,
            "burst.detected",
            actor="system",
            subject_type="burst",
            subject_id=burst.id,
            data={"target_type": kind, "target_id": target},
        )
        enqueue(session, BURST_ALERT_TASK, queue="maintenance", burst_id=burst.id)
        _gather(session, burst, window)
    return burst


_OPEN_BURST = select(Burst).where(
    Burst.target_type == bindparam("kind"),
    Burst.target_id == bindparam("target"),
    Burst.state == "open",
)


def _gather(session: Session, burst: Burst, window: timedelta) -> None:
    """The window's earlier unverified reports against the target belong to the burst too,
    with what they hid: the supervisor sees, and can release, all of it at once."""
    target = ContentItem.author_id if burst.target_type == "account" else ContentItem.platform_id
    earlier = session.scalars(
        select(Case)
        .join(CaseItem, CaseItem.case_id == Case.id)
        .join(ContentItem, ContentItem.id == CaseItem.content_id)
        .join(Report, Report.id == CaseItem.hidden_by_report_id)
        .where(
            target == burst.target_id,
            CaseItem.added_at >= utcnow() - window,
            CaseItem.state.in_(cases.PROTECTING),
            Report.trust != "verified",
            Case.burst_id.is_(None),
            Case.created_at >= utcnow() - window,
            Case.credibility >= RANK_DETAIL,
            Case.escalated.is_(False),
        )
        .distinct()
    ).all()
    for case in earlier:
        join_burst(session, burst, case)


def join_burst(session: Session, burst: Burst, case: Case, *, created: bool = True) -> None:
    """The report's case is part of the burst: one supervisor item, not many queue rows.
    A report joining an older case, or a case with a police number or several details,
    never moves it out of the reviewers' queue."""
    burst.reports += 1
    movable = created and not case.escalated and case.credibility >= RANK_DETAIL
    if case.burst_id is None and movable:
        cases.states.join_burst(case, burst.id)
