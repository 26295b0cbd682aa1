"""Priority rules, decision deadlines, how far a report is trusted, and the immediate,
attributed protection of reported content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

from takedown import audit, cases, enforcement, matching
from takedown.cases import Case, states
from takedown.config import Settings
from takedown.db import utcnow
from takedown.i18n import N_
from takedown.matching import MatchEngine
from takedown.platforms import ContentItem, family

PROTECTING = cases.PROTECTING
# Trust, for what a report may hide by itself. verified: a trusted flagger's key or a
# block-bank match; credible: details a reviewer can act on (the age of the child shown, a
# police case number, a victim who can be reached); bare: a claim alone.
TRUST = ("verified", "credible", "bare")
# Queue rank within a priority (cases.credibility): verified; two or more details (the
# child's age, a police number, a reachable victim, an independent second reporter); one;
# a bare claim; a released burst's cases last.
RANK_VERIFIED, RANK_DETAILED, RANK_DETAIL, RANK_BARE, RANK_RELEASED = range(5)


class Claim(Protocol):
    """What a report says, as triage reads it (intake's report form is one)."""

    @property
    def reporter_role(self) -> str: ...
    @property
    def minor_depicted(self) -> str: ...
    @property
    def age_at_time(self) -> int | None: ...
    @property
    def law_enforcement_case_number(self) -> str | None: ...
    @property
    def contact(self) -> str | None: ...


@dataclass(frozen=True)
class Assessment:
    """Triage's answer for one report: how urgent, whose queue, decided by when, and how
    far the report is trusted to hide content by itself."""

    priority: str
    queue: str
    deadline: datetime
    trust: str


def assess(
    session: Session,
    settings: Settings,
    claim: Claim,
    items: list[ContentItem],
    engine: MatchEngine | None,
    *,
    flagger: bool,
) -> Assessment:
    """Priority, queue, deadline and trust of a report about these items, in one call."""
    priority = priority_for(
        claim.reporter_role, claim.minor_depicted, claim.law_enforcement_case_number
    )
    return Assessment(
        priority=priority,
        queue=queue_for(claim.reporter_role, claim.minor_depicted, priority),
        deadline=deadline_for(settings, priority, utcnow()),
        trust=trust_for(
            claim.reporter_role,
            claim.minor_depicted,
            claim.age_at_time,
            claim.law_enforcement_case_number,
            claim.contact,
            flagger=flagger,
            bank_match=_bank_match(session, engine, items),
        ),
    )


def _bank_match(session: Session, engine: MatchEngine | None, items: list[ContentItem]) -> bool:
    """The reported media is known to a block bank: the claim is verified by the bank.

    Before the first lookup, everything committed so far is in the index (the copies found
    later for this report are looked up in it too). This runs before the report takes any
    lock: waiting for the index while holding one would stall the reports waiting on it. A
    report of nothing fingerprinted has nothing to look up, and does not wait."""
    if engine is None:
        return False
    synced = False
    for item in items:
        query = matching.stored_query(session, item.root_id or item.id)
        if not (query.pdqs or query.md5 or query.sha256):
            continue
        if not synced:
            engine.sync_now()
            synced = True
        if any(m.action == "block" for m in matching.match_banks(session, engine, query)):
            return True
    return False


def priority_for(reporter_role: str, minor_depicted: str, le_case_number: str | None) -> str:
    """P0: a child may be depicted, or the police are involved. Never lower for those."""
    if minor_depicted == "yes" or reporter_role == "law_enforcement" or le_case_number:
        return "P0"
    if minor_depicted == "unsure" or reporter_role in (
        "trusted_flagger",
        "ngo",
        "victim",
        "parent_guardian",
    ):
        return "P1"
    return "P2"


def trust_for(
    reporter_role: str,
    minor_depicted: str,
    age: int | None,
    le_case_number: str | None,
    contact: str | None,
    *,
    flagger: bool,
    bank_match: bool,
) -> str:
    if flagger or bank_match:
        return "verified"
    child_with_age = minor_depicted == "yes" and age is not None and age < 18
    reachable_victim = reporter_role in ("victim", "parent_guardian") and bool(contact)
    if le_case_number or child_with_age or (reachable_victim and minor_depicted == "yes"):
        return "credible"
    return "bare"


def credibility_rank(
    trust: str,
    reporter_role: str,
    minor_depicted: str,
    age: int | None,
    le_case_number: str | None,
    contact: str | None,
    *,
    independent: bool,
) -> int:
    if trust == "verified":
        return RANK_VERIFIED
    details = sum(
        (
            minor_depicted == "yes" and age is not None and age < 18,
            bool(le_case_number),
            reporter_role in ("victim", "parent_guardian") and bool(contact),
            independent,
        )
    )
    return RANK_DETAILED if details >= 2 else RANK_DETAIL if details else RANK_BARE


def lock_families(session: Session, items: list[ContentItem]) -> None:
    """Serialise reports on the same repost families until this transaction ends."""
    for root in sorted({item.root_id or item.id for item in items}):
        session.execute(text("SELECT pg_advisory_xact_lock(7236100, :r)"), {"r": root})


def queue_for(reporter_role: str, minor_depicted: str, priority: str) -> str:
    """Which reviewers see it: anything that may involve a child goes to child safety."""
    if priority == "P0" or minor_depicted in ("yes", "unsure"):
        return "child_safety"
    return "general"


def deadline_for(settings: Settings, priority: str, start: datetime) -> datetime:
    if priority == "P0":
        return start + timedelta(minutes=settings.p0_decision_minutes)
    return start + timedelta(hours=settings.default_decision_hours)


def protect(
    session: Session,
    case: Case,
    items: list[ContentItem],
    *,
    actor: str,
    reason: str = "reported",
    report_id: int | None = None,
) -> int:
    """Restrict the items and every repost of them, and put them all in the case, each
    marked with the report that hid it."""
    restricted = 0
    for item in items:
        members = family(session, item)
        held = cases.items_by_content(session, case, [m.id for m in members])
        anchor = held.get(item.id)
        look = bool(anchor and anchor.needs_look)
        added = 0
        if anchor is None:
            added += cases.add_items(
                session, case, [item], reason, report_id=report_id, needs_look=look
            )
        reposts = [m for m in members if m.id != item.id and m.id not in held]
        added += cases.add_items(
            session, case, reposts, "repost", report_id=report_id, source_id=item.id,
            needs_look=look,
        )  # fmt: skip
        if added:
            held = cases.items_by_content(session, case, [m.id for m in members])
        for member in members:
            if enforcement.restrict_content(
                session,
                member,
                case_id=case.id,
                actor=actor,
                reason="reported: minor may be depicted",
            ):
                restricted += 1
                row = held.get(member.id)
                if row is not None and row.hidden_by_report_id is None:
                    row.hidden_by_report_id = report_id
    if states.mark_restricted(case):
        cases.tell_reporter(
            session,
            case,
            "restricted",
            N_(
                "The content you reported, and every repost of it, is now hidden from "
                "everyone, cannot be shared and earns no money while people review it."
            ),
            report_id=report_id,
        )
    return restricted


def on_new_content(session: Session, item: ContentItem) -> str:
    """The verdict for a newly registered item (a repost): that of the item it reposts."""
    found = cases.standing(session, item)
    if found is None:
        return "allow"
    case, anchor = found
    source = session.get(ContentItem, anchor.content_id)
    if anchor.state == "confirmed":
        cases.add_items(
            session, case, [item], "repost", source_id=anchor.content_id, state="confirmed"
        )
        enforcement.remove_content(
            session, item, case_id=case.id, actor="system", reason="repost of removed content"
        )
        audit.record(
            session,
            "content.blocked",
            actor="system",
            subject_type="content",
            subject_id=item.id,
            data={"case": case.number},
        )
        return "block"
    if anchor.state in PROTECTING and source is not None and source.visibility == "restricted":
        cases.add_items(
            session,
            case,
            [item],
            "repost",
            source_id=anchor.content_id,
            needs_look=anchor.needs_look,
        )
        enforcement.restrict_content(
            session, item, case_id=case.id, actor="system", reason="repost of content under review"
        )
        held = cases.item_of(session, case, item.id)
        if held is not None:
            held.hidden_by_report_id = anchor.hidden_by_report_id
        return "hold"
    return "allow"
