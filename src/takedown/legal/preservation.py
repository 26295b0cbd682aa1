"""Evidence holds: preserved on confirmation, held at least a year, opened only by the few
roles that need it (each opening audited), exported for law enforcement, then purged."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import re
from datetime import datetime, timedelta
from itertools import takewhile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, cases, mail
from takedown.audit import AuditEvent
from takedown.cases import Case, Decision
from takedown.config import Settings
from takedown.db import utcnow
from takedown.jobs import enqueue
from takedown.legal import media as media_fetch
from takedown.legal.errors import EvidenceForbidden, HoldNotShortened, HoldTooLong, NoEvidence
from takedown.legal.evidence import DISK_ERRNOS, EvidenceStore, evidence_root
from takedown.legal.facts import CaseFacts, gather
from takedown.legal.models import EvidenceHold
from takedown.people import User

EVIDENCE_ROLES = ("child_safety_specialist", "law_enforcement_liaison", "admin")
ALERTED_ROLES = ("supervisor", "admin")
PRESERVE_TASK = "legal:preserve_evidence"
SEAL_FAILED = "evidence.seal_failed"
PRESERVED = "evidence.preserved"
MIN_HOLD = timedelta(days=365)
MAX_HOLD = timedelta(days=3653)  # ten years from now at most
NO_MEDIA_NOTE = (
    "Media bytes: Takedown keeps only fingerprints (MD5, SHA-256, PDQ) of the files it "
    "checks. A file is preserved here only when the platform gave a media_url for it."
)
log = logging.getLogger(__name__)


def start_hold(session: Session, case: Case) -> EvidenceHold:
    """Open the hold and queue the preservation, in the confirmation's transaction.

    It runs a year at least (the REPORT Act); `evidence_hold_days` lengthens it when the
    evidence is sealed."""
    hold = session.scalar(select(EvidenceHold).where(EvidenceHold.case_id == case.id))
    if hold is not None:
        return hold
    now = utcnow()
    hold = EvidenceHold(
        case_id=case.id,
        state="pending",
        held_from=now,
        held_until=now + MIN_HOLD,
    )
    session.add(hold)
    session.flush()
    audit.record(
        session,
        "evidence.hold_started",
        actor="system",
        subject_type="case",
        subject_id=case.id,
        data={"held_until": hold.held_until},
    )
    enqueue(session, PRESERVE_TASK, queue="legal", case_id=case.id)
    return hold


def hold_for(session: Session, case_id: int, *, lock: bool = False) -> EvidenceHold:
    query = select(EvidenceHold).where(EvidenceHold.case_id == case_id)
    hold = session.scalar(query.with_for_update() if lock else query)
    if hold is None:
        raise NoEvidence("No evidence is held for this case.")
    return hold


def preserve(session: Session, settings: Settings, case_id: int, attempt: int = 1) -> EvidenceHold:
    """Seal the case record, fingerprints, accounts (and any media) in the store. Idempotent.

    A write that fails (a full disk, an I/O error) leaves nothing in the store: the hold
    stays pending and this is tried again later, with back-off (`_seal_failed`)."""
    hold = hold_for(session, case_id, lock=True)
    if hold.state != "pending":
        return hold
    case = cases.get_case(session, case_id)
    try:
        store = EvidenceStore.for_settings(settings)
        directory = store.directory_for(case.number, hold.id)
        # An earlier attempt's directory, whole (it appears only by rename) but whose
        # transaction was lost: adopt it rather than leave it behind.
        adopted = store.exists(directory)
        if adopted:
            names = store.names(directory)
        else:
            files = _bundle(session, settings, gather(session, case))
            store.write(directory, files)
            names = list(files)
    except OSError as exc:
        _seal_failed(session, settings, hold, case, attempt, exc)
        return hold
    hold.state, hold.directory, hold.stored_at = "stored", directory, utcnow()
    hold_at_least(session, settings, case_id, hold.held_from)
    hold.files = len(names)
    hold.media_files = sum(1 for name in names if name.startswith("media-"))
    audit.record(
        session,
        PRESERVED,
        actor="system",
        subject_type="case",
        subject_id=case_id,
        data={
            "files": hold.files,
            "media_files": hold.media_files,
            "until": hold.held_until,
            "attempt": attempt,
            **({"adopted": True} if adopted else {}),
        },
    )
    return hold


def retry_delay(settings: Settings, attempt: int) -> float:
    """Seconds before the attempt after `attempt`: doubling, at most evidence_backoff_max_s."""
    doubled = settings.evidence_backoff_base_s * 2 ** min(attempt - 1, 40)
    return min(doubled, settings.evidence_backoff_max_s)


def _seal_failed(
    session: Session, settings: Settings, hold: EvidenceHold, case: Case, attempt: int, exc: OSError
) -> None:
    """Queue the next attempt; record the failure, and alert supervisors and admins when the
    disk is at fault, once per hold and episode (the failures since its last seal)."""
    retry_at = utcnow() + timedelta(seconds=retry_delay(settings, attempt))
    enqueue(
        session,
        PRESERVE_TASK,
        queue="legal",
        scheduled_at=retry_at,
        case_id=case.id,
        attempt=attempt + 1,
    )
    disk = exc.errno in DISK_ERRNOS
    log.warning(
        "evidence for case %s not sealed (attempt %d, retry at %s): %s",
        case.number,
        attempt,
        f"{retry_at:%H:%M:%S}",
        exc,
    )
    episode = _episode(session, case.id)
    if episode and (not disk or any(e.data.get("alert") for e in episode)):
        return  # already recorded, and already alerted if the disk is at fault
    recipients = _alert(session, settings, case, exc, retry_at) if disk else 0
    audit.record(
        session,
        SEAL_FAILED,
        actor="system",
        subject_type="case",
        subject_id=case.id,
        data={
            "attempt": attempt,
            "errno": errno.errorcode.get(exc.errno or 0, str(exc.errno)),
            "error": str(exc)[:500],
            "retry_at": retry_at,
            "alert": disk,
            "recipients": recipients,
        },
    )


def _episode(session: Session, case_id: int) -> list[AuditEvent]:
    """The case's seal failures recorded since its last seal, latest first."""
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.subject_type == "case",
            AuditEvent.subject_id == str(case_id),
            AuditEvent.action.in_((SEAL_FAILED, PRESERVED)),
        )
        .order_by(AuditEvent.id.desc())
    )
    return list(takewhile(lambda e: e.action == SEAL_FAILED, events))


def _alert(
    session: Session, settings: Settings, case: Case, exc: OSError, retry_at: datetime
) -> int:
    """E-mail every active supervisor and admin with an address; returns how many."""
    people = session.scalars(
        select(User).where(User.role.in_(ALERTED_ROLES), User.active, User.email.is_not(None))
    ).all()
    reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "disk error")
    text = (
        f"The evidence of case {case.number} could not be written to {evidence_root(settings)}: "
        f"{reason}. Nothing partial was kept and the hold stays pending. The seal is tried "
        f"again at {retry_at:%Y-%m-%d %H:%M:%S} UTC, then with doubling delays of at most "
        f"{settings.evidence_backoff_max_s:.0f} s, until it is written: free space (or mend "
        "the disk) on the evidence volume. You are told once until this case's evidence is "
        "sealed."
    )
    for person in people:
        mail.send(
            settings,
            person.email or "",
            f"Evidence not sealed: case {case.number}",
            text,
            link_path=f"/cases/{case.number}",
        )
    return len(people)


def _bundle(session: Session, settings: Settings, facts: CaseFacts) -> dict[str, bytes]:
    files = {"record.json": json.dumps(_record(session, facts), indent=2, default=str).encode()}
    for media in facts.media:
        data = media_fetch.fetch(
            media.root.media_url,
            settings.max_upload_bytes,
            allow_private=settings.media_fetch_private_hosts,
        )
        if data is not None:
            files[f"media-{safe_name(media.root.external_id)}.bin"] = data
    return files


def _record(session: Session, facts: CaseFacts) -> dict[str, object]:
    case = facts.case
    decisions = session.scalars(select(Decision).where(Decision.case_id == case.id))
    return {
        "case": {
            "number": case.number,
            "priority": case.priority,
            "state": case.state,
            "category": facts.category,
            "first_report_at": case.first_report_at,
            "restricted_at": case.restricted_at,
            "decided_at": case.decided_at,
            "removed_at": case.removed_at,
        },
        "reports": [_columns(r, exclude={"pin_hash"}) for r in facts.reports],
        "decisions": [_columns(d) for d in decisions],
        "items": [{**_columns(item), "reason": ci.reason} for ci, item in facts.items],
        "accounts": [_columns(a) for a in facts.accounts.values()],
        "media": [
            {"content_id": m.media_id, "type": m.media_type, "md5": m.md5, "sha256": m.sha256}
            for m in facts.media
        ],
        "audit": [
            {"at": e.at, "actor": e.actor, "action": e.action, "data": e.data}
            for e in audit.events_for(session, "case", case.id)
        ],
        "note": NO_MEDIA_NOTE + " IP addresses are not recorded.",
    }


def _columns(row: object, exclude: set[str] | None = None) -> dict[str, object]:
    table = row.__table__  # type: ignore[attr-defined]
    return {c.name: getattr(row, c.key) for c in table.columns if c.name not in (exclude or ())}


def _require_role(user: User) -> None:
    if user.role not in EVIDENCE_ROLES:
        raise EvidenceForbidden(f"Role {user.role!r} cannot open evidence.")


def open_evidence(
    session: Session, settings: Settings, case: Case, user: User, purpose: str
) -> dict[str, bytes]:
    """Decrypt a case's evidence for an allowed role, in one of their queues (an admin sees
    every queue); the opening is audited first."""
    _require_role(user)
    if user.role != "admin" and case.queue not in (user.queues or []):
        raise EvidenceForbidden(f"Case {case.number} is not in your queues.")
    hold = hold_for(session, case.id)
    if hold.state != "stored" or not hold.directory:
        raise NoEvidence(f"Evidence for {case.number} is {hold.state}.")
    audit.record(
        session,
        "evidence.opened",
        actor=f"user:{user.username}",
        subject_type="case",
        subject_id=case.id,
        data={"purpose": purpose, "role": user.role},
    )
    session.flush()
    return EvidenceStore.for_settings(settings).read_all(hold.directory)


def export(session: Session, settings: Settings, case: Case, user: User, out: Path) -> Path:
    """A bundle for law enforcement: the files and a manifest of their SHA-256 sums."""
    files = open_evidence(session, settings, case, user, purpose=f"export to {out}")
    hold = hold_for(session, case.id)
    target = out / case.number
    target.mkdir(parents=True, exist_ok=False)
    entries = []
    for name, data in sorted(files.items()):
        (target / name).write_bytes(data)
        entries.append({"name": name, "bytes": len(data), "sha256": _sha256(data)})
    manifest = {
        "case": case.number,
        "exported_at": utcnow(),
        "exported_by": user.username,
        "held_until": hold.held_until,
        "files": entries,
        "note": NO_MEDIA_NOTE,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    sums = "".join(f"{e['sha256']}  {e['name']}\n" for e in entries)
    (target / "SHA256SUMS").write_text(sums)
    return target


def extend_hold(
    session: Session, case: Case, until: datetime, reason: str, user: User
) -> EvidenceHold:
    """Keep evidence longer (a law-enforcement request); a hold is never shortened."""
    _require_role(user)
    if until > utcnow() + MAX_HOLD:
        raise HoldTooLong("A hold can run at most ten years from now.")
    hold = hold_for(session, case.id, lock=True)
    if until <= hold.held_until:
        raise HoldNotShortened(f"The hold already runs until {hold.held_until:%Y-%m-%d}.")
    before, hold.held_until, hold.extended_reason = hold.held_until, until, reason
    audit.record(
        session,
        "evidence.hold_extended",
        actor=f"user:{user.username}",
        subject_type="case",
        subject_id=case.id,
        data={"from": before, "until": until, "reason": reason},
    )
    return hold


def hold_at_least(session: Session, settings: Settings, case_id: int, start: datetime) -> None:
    """The REPORT Act's year runs from the report to NCMEC: never end before it."""
    hold = session.scalar(select(EvidenceHold).where(EvidenceHold.case_id == case_id))
    if hold is not None:
        hold.held_until = max(hold.held_until, start + timedelta(days=settings.evidence_hold_days))


def purge_expired(session: Session, settings: Settings, now: datetime | None = None) -> list[str]:
    """Destroy evidence whose hold has ended; returns the case numbers purged."""
    now = now or utcnow()
    expired = session.execute(
        select(EvidenceHold, Case.number)
        .join(Case, Case.id == EvidenceHold.case_id)
        .where(EvidenceHold.state.in_(("pending", "stored")), EvidenceHold.held_until < now)
        .with_for_update(of=EvidenceHold, skip_locked=True)
    ).all()
    store = EvidenceStore.for_settings(settings) if expired else None
    for hold, number in expired:
        if hold.directory and store is not None:
            store.destroy(hold.directory)
        hold.state, hold.purged_at = "purged", now
        audit.record(
            session,
            "evidence.purged",
            actor="system",
            subject_type="case",
            subject_id=hold.case_id,
            data={"held_until": hold.held_until, "case": number},
        )
    return [number for _, number in expired]


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise EvidenceForbidden(f"No staff account {username!r}.")
    return user


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)[:100]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
