"""Bank hygiene: a bank entry that suddenly matches far too much (a hash of a blank frame, a
logo, a poisoned list) stops acting automatically and waits for a supervisor, with the
matches listed. Allowlist banks (action `allow`) are in matching's own `match_banks`.

Counts are of distinct content items per entry within `flood_window_minutes`; crossing
`flood_matches` quarantines the entry in the transaction of the upload that crossed it:
that upload and later ones are not acted on through it (every process's index drops it).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from takedown import audit, mail
from takedown.config import Settings
from takedown.db import utcnow
from takedown.errors import Conflict, NotFound
from takedown.exchanges.models import BankEntryHit, Quarantine
from takedown.jobs import enqueue
from takedown.matching import Bank, BankEntry, BankMatch
from takedown.people import User
from takedown.platforms import ContentItem

ALERT_TASK = "exchanges:alert_quarantine"


class UnknownQuarantine(NotFound):
    code = "unknown_quarantine"


class QuarantineDecided(Conflict):
    code = "quarantine_decided"


def screen(
    session: Session, settings: Settings, content_id: int, matches: list[BankMatch]
) -> list[BankMatch]:
    """Count each match against its entry; the matches that may still act."""
    kept = []
    since = utcnow() - timedelta(minutes=settings.flood_window_minutes)
    for match in matches:
        if match.entry_pk is None or match.action == "allow":
            kept.append(match)
            continue
        session.execute(
            insert(BankEntryHit)
            .values(bank_entry_id=match.entry_pk, content_id=content_id, at=utcnow())
            .on_conflict_do_nothing()
        )
        hits = session.scalar(
            select(func.count())
            .select_from(BankEntryHit)
            .where(BankEntryHit.bank_entry_id == match.entry_pk, BankEntryHit.at >= since)
        )
        if (hits or 0) > settings.flood_matches:
            _quarantine(session, match, int(hits or 0))
        else:
            kept.append(match)
    return kept


def _quarantine(session: Session, match: BankMatch, hits: int) -> None:
    entry = session.get(BankEntry, match.entry_pk, with_for_update=True)
    if entry is None or entry.disabled_by == "quarantine":
        return  # another upload quarantined it a moment ago
    entry.enabled, entry.disabled_by = False, "quarantine"
    row = Quarantine(bank_entry_id=entry.id, state="open", hits=hits, started_at=utcnow())
    session.add(row)
    session.flush()
    enqueue(session, ALERT_TASK, queue="exchanges", quarantine_id=row.id)
    audit.record(
        session,
        "bank.entry_quarantined",
        actor="system",
        subject_type="bank",
        subject_id=entry.bank_id,
        data={"quarantine_id": row.id, "bank": match.bank, "signal": entry.signal,
              "hash": entry.value.hex(), "hits": hits},
    )  # fmt: skip


def quarantines(session: Session, state: str | None = "open") -> list[dict[str, object]]:
    query = (
        select(Quarantine, BankEntry, Bank)
        .join(BankEntry, BankEntry.id == Quarantine.bank_entry_id)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .order_by(Quarantine.id.desc())
    )
    if state is not None:
        query = query.where(Quarantine.state == state)
    out = []
    for q, entry, bank in session.execute(query).all():
        matched = session.execute(
            select(ContentItem.external_id, ContentItem.platform_id, BankEntryHit.at)
            .join(ContentItem, ContentItem.id == BankEntryHit.content_id)
            .where(BankEntryHit.bank_entry_id == entry.id)
            .order_by(BankEntryHit.at)
        ).all()
        out.append(
            {
                "id": q.id,
                "state": q.state,
                "bank": bank.name,
                "signal": entry.signal,
                "hash": entry.value.hex(),
                "entry_id": entry.entry_id,
                "hits": q.hits,
                "started_at": q.started_at,
                "decided_by": q.decided_by,
                "matches": [
                    {"content_id": ext, "platform_id": platform, "at": at}
                    for ext, platform, at in matched
                ],
            }
        )
    return out


def decide(session: Session, quarantine_id: int, release: bool, actor: str) -> dict[str, object]:
    """Release (the entry acts again, its count starts afresh) or keep it disabled."""
    row = session.get(Quarantine, quarantine_id, with_for_update=True)
    if row is None:
        raise UnknownQuarantine(f"No quarantine {quarantine_id}.", field="quarantine")
    if row.state != "open":
        raise QuarantineDecided(f"Quarantine {quarantine_id} was decided: {row.state}.")
    entry = session.get(BankEntry, row.bank_entry_id)
    assert entry is not None
    if release:
        entry.enabled, entry.disabled_by = True, None
        session.execute(delete(BankEntryHit).where(BankEntryHit.bank_entry_id == entry.id))
    row.state = "released" if release else "kept"
    row.decided_by, row.decided_at = actor, utcnow()
    audit.record(
        session,
        f"bank.entry_{row.state}",
        actor=actor,
        subject_type="bank",
        subject_id=entry.bank_id,
        data={"quarantine_id": row.id, "hash": entry.value.hex()},
    )
    return {"id": row.id, "state": row.state}


def alert(session: Session, settings: Settings, quarantine_id: int) -> int:
    """E-mail every supervisor and admin with an address that an entry was quarantined."""
    found = quarantines(session, state=None)
    row = next((q for q in found if q["id"] == quarantine_id), None)
    if row is None:
        return 0
    text = (
        f"A hash in the bank {row['bank']} matched {row['hits']} different uploads in "
        f"{settings.flood_window_minutes:g} minutes. It stopped acting automatically and waits "
        f"for you (quarantine {row['id']}): release it, or keep it disabled."
    )
    sent = 0
    for person in session.scalars(
        select(User).where(User.role.in_(("supervisor", "admin")), User.active)
    ):
        if person.email:
            mail.send(settings, person.email, f"Bank entry quarantined ({row['bank']})", text,
                      link_path="/v1/quarantines")  # fmt: skip
            sent += 1
    return sent
