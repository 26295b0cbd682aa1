"""Copies: what the fingerprints say about new uploads and about reported media."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from takedown import audit, cases, enforcement, matching
from takedown.cases import Case
from takedown.config import Settings
from takedown.db.base import utcnow
from takedown.matching import BankMatch, MatchEngine, MediaQuery
from takedown.platforms import ContentItem, get_account
from takedown.triage.service import PROTECTING, deadline_for, protect


@dataclass
class Verdict:
    verdict: str  # allow, hold, block
    bank_matches: list[BankMatch] = field(default_factory=list)
    copy_of: list[str] = field(default_factory=list)
    case_number: str | None = None


def check_media(
    session: Session, engine: MatchEngine, query: MediaQuery, platform_id: int
) -> Verdict:
    """Bank matches and the verdict they give, for a bare file or bare hashes."""
    matches = matching.match_banks(session, engine, query)
    actions = {m.action for m in matches}
    verdict = "block" if "block" in actions else "hold" if "review" in actions else "allow"
    copies = matching.find_copies(session, engine, query, platform_id)
    for copy in copies:
        case = cases.case_for_content(session, [session.get(ContentItem, copy.content_id)])
        if case is not None and case.priority == "P0" and case.state in PROTECTING:
            verdict = "hold" if verdict == "allow" else verdict
    return Verdict(verdict, matches)


def screen_upload(
    session: Session, settings: Settings, engine: MatchEngine, item: ContentItem, query: MediaQuery
) -> Verdict:
    """A new upload: blocked if a block bank knows it, held if it copies media under P0
    review or a review bank knows it; it joins the case of what it copies."""
    result = Verdict("allow", matching.match_banks(session, engine, query))
    for copy in matching.find_copies(session, engine, query, item.platform_id):
        original = session.get(ContentItem, copy.content_id)
        case = cases.case_for_content(session, [original]) if original else None
        if case is None or copy.content_id == item.id:
            continue
        result.copy_of.append(original.external_id)  # type: ignore[union-attr]
        _join_as_copy(session, case, item, result)
    if any(m.action == "block" for m in result.bank_matches):
        _block(session, item, result)
    elif any(m.action == "review" for m in result.bank_matches) and result.verdict == "allow":
        _hold_for_review(session, settings, item, result)
    return result


def _join_as_copy(session: Session, case: Case, item: ContentItem, result: Verdict) -> None:
    cases.add_items(session, case, [item], "copy")
    result.case_number = case.number
    if case.state == "confirmed":
        _block(session, item, result, case_id=case.id)
    elif case.priority == "P0" and case.state in PROTECTING:
        enforcement.restrict_content(
            session, item, case_id=case.id, actor="system", reason="copy of media under review"
        )
        result.verdict = "hold" if result.verdict == "allow" else result.verdict


def _block(
    session: Session, item: ContentItem, result: Verdict, case_id: int | None = None
) -> None:
    result.verdict = "block"
    enforcement.remove_content(
        session, item, case_id=case_id, actor="system", reason="matches known media"
    )
    audit.record(
        session,
        "upload.blocked",
        actor="system",
        subject_type="content",
        subject_id=item.id,
        data={"matches": [m.to_dict() for m in result.bank_matches], "copy_of": result.copy_of},
    )


def _hold_for_review(
    session: Session, settings: Settings, item: ContentItem, result: Verdict
) -> None:
    case = cases.open_case(session, "P1", deadline_for(settings, "P1", utcnow()), "child_safety")
    cases.add_items(session, case, [item], "reported")
    enforcement.restrict_content(
        session, item, case_id=case.id, actor="system", reason="matches a review bank"
    )
    case.state, case.restricted_at = "restricted", utcnow()
    result.verdict, result.case_number = "hold", case.number
    audit.record(
        session,
        "upload.held",
        actor="system",
        subject_type="case",
        subject_id=case.id,
        data={"matches": [m.to_dict() for m in result.bank_matches]},
    )


def propagate(
    session: Session, engine: MatchEngine, case: Case, items: list[ContentItem], *, restrict: bool
) -> int:
    """Bring every copy of the items' media into the case (restricted, when asked)."""
    added = 0
    for item in items:
        for found in matching.copies_of(session, engine, item):
            added += cases.add_items(session, case, [found], "copy")
            if restrict:
                protect(session, case, [found], actor="system", reason="copy")
    return added


def uploaders(session: Session, case: Case) -> list[dict[str, object]]:
    """The accounts behind every item of a case, for the reviewer to act on."""
    seen: dict[int, dict[str, object]] = {}
    for ci, item in cases.items_of(session, case):
        account = get_account(session, item.author_id)
        entry = seen.setdefault(
            account.id,
            {
                "id": account.id,
                "account_id": account.external_id,
                "handle": account.handle,
                "state": account.state,
                "items": [],
            },
        )
        entry["items"].append({"content_id": item.external_id, "reason": ci.reason})  # type: ignore[union-attr]
    return list(seen.values())
