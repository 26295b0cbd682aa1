"""Copies: what the fingerprints say about new uploads and about reported media."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, cases, enforcement, matching
from takedown.cases import Case, CaseItem
from takedown.config import Settings
from takedown.db import utcnow
from takedown.exchanges import hygiene
from takedown.matching import BankMatch, CopyMatch, MatchEngine, MediaQuery
from takedown.platforms import ContentItem
from takedown.triage.service import PROTECTING, RANK_BARE, deadline_for, protect


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
    for copy in matching.find_copies(session, engine, query, platform_id):
        original = session.get(ContentItem, copy.content_id)
        if original is not None and _protected(session, original):
            verdict = "hold" if verdict == "allow" else verdict
    return Verdict(verdict, matches)


def _protected(session: Session, item: ContentItem) -> bool:
    found = cases.standing(session, item)
    return found is not None and found[1].state in PROTECTING and item.visibility == "restricted"


def screen_upload(
    session: Session, settings: Settings, engine: MatchEngine, item: ContentItem, query: MediaQuery
) -> Verdict:
    """A new upload: blocked if a block bank knows it or it copies confirmed media, held if
    it copies media hidden under review or a review bank knows it; it joins that case."""
    matches = matching.match_banks(session, engine, query)
    result = Verdict("allow", hygiene.screen(session, settings, item.id, matches))
    copies = matching.find_copies(session, engine, query, item.platform_id)
    originals = _items(session, [c.content_id for c in copies if c.content_id != item.id])
    found = cases.standings(session, originals.values())
    joined: set[int] = set()  # one join per case: many earlier copies cost one query

    def strength(copy: CopyMatch) -> int:  # the copy that says most about its case first
        original = originals.get(copy.content_id)
        standing = found.get(original.root_id or original.id) if original else None
        if original is None or standing is None:
            return 3
        if standing[1].state == "confirmed":
            return 0
        return 1 if original.visibility == "restricted" else 2

    for copy in sorted(copies, key=strength):
        original = originals.get(copy.content_id)
        standing = found.get(original.root_id or original.id) if original else None
        if original is None or standing is None:
            continue
        result.copy_of.append(original.external_id)
        if standing[0].id not in joined:
            joined.add(standing[0].id)
            _join_as_copy(session, standing, original, item, copy.distance, result)
    if any(m.action == "block" for m in result.bank_matches):
        _block(session, item, result)
    elif any(m.action == "review" for m in result.bank_matches) and result.verdict == "allow":
        _hold_for_review(session, settings, item, result)
    return result


def _items(session: Session, ids: list[int]) -> dict[int, ContentItem]:
    if not ids:
        return {}
    rows = session.scalars(select(ContentItem).where(ContentItem.id.in_(ids)))
    return {item.id: item for item in rows}


def _join_as_copy(
    session: Session,
    found: tuple[Case, CaseItem],
    original: ContentItem,
    item: ContentItem,
    distance: int,
    result: Verdict,
) -> None:
    case, anchor = found
    result.case_number = case.number
    confirmed = anchor.state == "confirmed"
    held = anchor.state in PROTECTING and original.visibility == "restricted"
    look = held and (
        anchor.needs_look
        or (case.credibility >= RANK_BARE and item.author_id != original.author_id)
    )
    cases.add_items(
        session,
        case,
        [item],
        "copy",
        source_id=original.id,
        distance=distance,
        needs_look=look,
        state="confirmed" if confirmed else "open",
    )
    if confirmed:
        _block(session, item, result, case_id=case.id)
    elif held:
        enforcement.restrict_content(
            session, item, case_id=case.id, actor="system", reason="copy of media under review"
        )
        row = cases.item_of(session, case, item.id)
        if row is not None:
            row.hidden_by_report_id = anchor.hidden_by_report_id
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
    case = cases.open_case(
        session, "P1", deadline_for(settings, "P1", utcnow()), "child_safety", credibility=0
    )
    cases.add_items(session, case, [item], "reported")
    enforcement.restrict_content(
        session, item, case_id=case.id, actor="system", reason="matches a review bank"
    )
    cases.states.mark_restricted(case)
    result.verdict, result.case_number = "hold", case.number
    audit.record(
        session,
        "upload.held",
        actor="system",
        subject_type="case",
        subject_id=case.id,
        data={"matches": [m.to_dict() for m in result.bank_matches]},
    )


@dataclass
class Spread:
    """What propagation to copies did: found, hidden, and held back by the copy cap."""

    found: int = 0
    hidden: int = 0
    others: int = 0  # of those hidden, by other authors (what copy_cap bounds)
    held_back: int = 0


def propagate(
    session: Session,
    engine: MatchEngine,
    case: Case,
    items: list[ContentItem],
    *,
    restrict: bool,
    report_id: int | None = None,
    trust: str = "verified",
    copy_cap: int | None = None,
) -> Spread:
    """Bring every copy of the items' media into the case, attributed to the report. When
    asked, hide them: the same author's always, other authors' up to `copy_cap`. Copies by
    other authors from a bare claim, and every copy of an item that itself needs a look,
    must each be looked at by a reviewer."""
    spread = Spread()
    for item in items:
        matches = matching.copy_matches_of(session, engine, item)
        anchor = cases.item_of(session, case, item.id) if matches else None
        for found, match in matches:
            other_author = found.author_id != item.author_id
            exact = match.signal in ("md5", "sha256")
            look = bool(anchor and anchor.needs_look) or (
                other_author and trust == "bare" and not exact
            )
            if cases.add_items(
                session,
                case,
                [found],
                "copy",
                report_id=report_id,
                source_id=item.id,
                distance=match.distance,
                needs_look=look,
            ):
                spread.found += 1
            if not restrict or found.visibility != "public":
                continue
            if other_author and copy_cap is not None and spread.others >= copy_cap:
                spread.held_back += 1
                continue
            hidden = protect(
                session,
                case,
                [found],
                actor=f"report:{report_id}" if report_id else "system",
                reason="copy",
                report_id=report_id,
            )
            spread.hidden += hidden
            spread.others += hidden if other_author else 0
    return spread
