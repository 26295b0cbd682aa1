"""Banks, the platform's media fingerprints, and matching against both."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from takedown import audit
from takedown.db import rowcount
from takedown.fingerprints import PDQ_QUALITY_THRESHOLD
from takedown.matching.engine import MatchEngine
from takedown.matching.errors import UnknownBank
from takedown.matching.models import Bank, BankEntry, MediaHash
from takedown.matching.query import MediaQuery
from takedown.matching.vpdq import exact_ids, pdq_groups
from takedown.platforms import ContentItem

CONFIRMED_BANK = "takedown-confirmed"
STORED_QUERIES = "matching.stored_queries"
ACTIONS = ("block", "review", "allow")  # allow: an allowlist, its match suppresses the others


@dataclass
class EntryIn:
    signal: str
    value: bytes
    entry_id: str | None = None
    classification: str | None = None
    note: str | None = None


def create_bank(
    session: Session,
    name: str,
    action: str = "block",
    pdq_threshold: int = 31,
    source: str = "local",
    description: str = "",
) -> Bank:
    bank = Bank(
        name=name,
        action=action,
        pdq_threshold=pdq_threshold,
        source=source,
        description=description,
        enabled=True,
    )
    session.add(bank)
    session.flush()
    audit.record(
        session,
        "bank.created",
        actor="system",
        subject_type="bank",
        subject_id=bank.id,
        data={"name": name, "action": action},
    )
    return bank


def get_bank(session: Session, name: str) -> Bank:
    bank = session.scalar(select(Bank).where(Bank.name == name))
    if bank is None:
        raise UnknownBank(f"No bank named {name!r}.", field="bank")
    return bank


def confirmed_bank(session: Session) -> Bank:
    bank = session.scalar(select(Bank).where(Bank.name == CONFIRMED_BANK))
    return bank or create_bank(
        session,
        CONFIRMED_BANK,
        "block",
        source="takedown",
        description="Media confirmed by Takedown's reviewers",
    )


def list_banks(session: Session) -> list[dict[str, object]]:
    counts = dict(
        session.execute(
            select(BankEntry.bank_id, func.count())
            .where(BankEntry.enabled)
            .group_by(BankEntry.bank_id)
        ).all()
    )
    return [
        {
            "name": b.name,
            "action": b.action,
            "pdq_threshold": b.pdq_threshold,
            "enabled": b.enabled,
            "source": b.source,
            "entries": counts.get(b.id, 0),
        }
        for b in session.scalars(select(Bank).order_by(Bank.name))
    ]


def set_bank_enabled(session: Session, name: str, enabled: bool) -> Bank:
    bank = get_bank(session, name)
    bank.enabled = enabled
    # Touch the entries so every process's follower sees them change.
    session.execute(
        update(BankEntry).where(BankEntry.bank_id == bank.id).values(enabled=BankEntry.enabled)
    )
    audit.record(
        session,
        "bank.enabled" if enabled else "bank.disabled",
        actor="system",
        subject_type="bank",
        subject_id=bank.id,
    )
    return bank


def add_entries(
    session: Session, bank: Bank, entries: Iterable[EntryIn], case_id: int | None = None
) -> int:
    """Insert entries (a known hash in the bank is left as it is); returns how many were new."""
    rows = [
        {
            "bank_id": bank.id,
            "signal": e.signal,
            "value": e.value,
            "entry_id": e.entry_id,
            "classification": e.classification,
            "note": e.note,
            "case_id": case_id,
            "enabled": True,
        }
        for e in entries
    ]
    if not rows:
        return 0
    result = session.execute(
        insert(BankEntry).values(rows).on_conflict_do_nothing().returning(BankEntry.id)
    )
    return len(result.all())


def set_entry_enabled(
    session: Session, bank: Bank, signal: str, value: bytes, enabled: bool
) -> int:
    result = session.execute(
        update(BankEntry)
        .where(BankEntry.bank_id == bank.id, BankEntry.signal == signal, BankEntry.value == value)
        .values(enabled=enabled)
    )
    return rowcount(result)


def export_entries(session: Session, bank: Bank) -> Iterable[BankEntry]:
    return session.scalars(
        select(BankEntry)
        .where(BankEntry.bank_id == bank.id, BankEntry.enabled)
        .order_by(BankEntry.id)
    )


def index_media(session: Session, content_id: int, query: MediaQuery) -> int:
    """Store a content item's fingerprints, so later reports and uploads find its copies."""
    # Every row carries every key: a multi-row INSERT takes its columns from the first.
    blank = {"quality": None, "orientations": None, "timestamp_s": None}
    rows: list[dict[str, object]] = [
        {"signal": signal, "value": value, **blank}
        for signal, value in (("md5", query.md5), ("sha256", query.sha256))
        if value is not None
    ]
    for number, orientations in enumerate(query.pdqs):
        rows.append(
            {
                "signal": "pdq",
                "value": orientations[0].tobytes(),
                "quality": None,
                "orientations": orientations.tobytes() if len(orientations) > 1 else None,
                "timestamp_s": float(number) if query.is_video else None,
            }
        )
    if rows:
        session.execute(insert(MediaHash).values([{**r, "content_id": content_id} for r in rows]))
    _queries(session).pop(content_id, None)
    return len(rows)


def stored_query(session: Session, content_id: int) -> MediaQuery:
    """A content item's own fingerprints, as a query for its copies (read once per
    transaction: a report asks for the same item's several times). Do not change it."""
    cache = _queries(session)
    if content_id not in cache:
        cache[content_id] = _read_query(session, content_id)
    return cache[content_id]


def _queries(session: Session) -> dict[int, MediaQuery]:
    """This transaction's stored queries (another transaction may have added hashes)."""
    transaction = session.get_transaction()
    held = session.info.get(STORED_QUERIES)
    if held is None or held[0] is not transaction:
        held = session.info[STORED_QUERIES] = (transaction, {})
    return held[1]


def _read_query(session: Session, content_id: int) -> MediaQuery:
    import numpy as np

    query = MediaQuery()
    rows = session.scalars(_HASHES_OF, {"content_id": content_id}).all()
    for row in rows:
        if row.signal in ("md5", "sha256"):
            setattr(query, row.signal, row.value)
        elif (row.quality or 100) >= PDQ_QUALITY_THRESHOLD:
            raw = row.orientations or row.value
            query.pdqs.append(np.frombuffer(raw, dtype=np.uint8).reshape(-1, 32))
            query.is_video = query.is_video or row.timestamp_s is not None
    return query


_HASHES_OF = (
    select(MediaHash).where(MediaHash.content_id == bindparam("content_id")).order_by(MediaHash.id)
)


def bank_content(
    session: Session, content_ids: list[int], case_id: int, classification: str | None
) -> int:
    """Add confirmed content's fingerprints to the internal block bank."""
    bank = confirmed_bank(session)
    entries = []
    for row in session.scalars(select(MediaHash).where(MediaHash.content_id.in_(content_ids))):
        if row.signal == "pdq" and (row.quality or 100) < PDQ_QUALITY_THRESHOLD:
            continue
        entries.append(
            EntryIn(
                row.signal,
                row.value,
                entry_id=f"content:{row.content_id}",
                classification=classification,
                note=f"case {case_id}",
            )
        )
    return add_entries(session, bank, entries, case_id=case_id)


def unbank_content(session: Session, content_ids: list[int]) -> int:
    """Disable the confirmed bank's entries taken from these items (an appeal granted)."""
    bank = session.scalar(select(Bank).where(Bank.name == CONFIRMED_BANK))
    if bank is None:
        return 0
    keys = [f"content:{i}" for i in content_ids]
    result = session.execute(
        update(BankEntry)
        .where(BankEntry.bank_id == bank.id, BankEntry.entry_id.in_(keys))
        .values(enabled=False)
    )
    return rowcount(result)


@dataclass
class BankMatch:
    bank: str
    action: str
    signal: str
    distance: int
    entry_id: str | None
    classification: str | None
    source: str
    note: str | None = None
    frames_matched_pct: float | None = None
    entry_pk: int | None = field(default=None, repr=False)  # the bank_entries row (hygiene)

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "entry_pk"}


@dataclass
class CopyMatch:
    content_id: int
    signal: str
    distance: int
    details: dict[str, float] = field(default_factory=dict)


def match_banks(session: Session, engine: MatchEngine, query: MediaQuery) -> list[BankMatch]:
    out: list[BankMatch] = []
    for signal, ids in exact_ids(engine.banks, query).items():
        for entry, bank in _entries(session, [int(i) for i in ids]):
            out.append(_bank_match(entry, bank, signal, 0))
    radius = session.scalar(select(func.max(Bank.pdq_threshold)).where(Bank.enabled)) or 31
    for hit in pdq_groups(
        engine.banks,
        query,
        radius,
        lambda ids: _bank_keys(session, ids),
        lambda keys: _bank_sizes(session, keys),
    ):
        live = _entries(session, hit.ids)  # the index may still hold a just-disabled entry
        if not live:
            continue
        entry, bank = live[0]
        if hit.distance <= bank.pdq_threshold:
            match = _bank_match(entry, bank, "pdq", hit.distance)
            match.frames_matched_pct = hit.query_pct if query.is_video else None
            out.append(match)
    return _allowlisted(out)


def _allowlisted(matches: list[BankMatch]) -> list[BankMatch]:
    """Media an allowlist bank knows (a known false positive) matches nothing else."""
    allowed = [m for m in matches if m.action == "allow"]
    return allowed or matches


def _bank_match(entry: BankEntry, bank: Bank, signal: str, distance: int) -> BankMatch:
    return BankMatch(
        bank=bank.name,
        action=bank.action,
        signal=signal,
        distance=distance,
        entry_id=entry.entry_id,
        classification=entry.classification,
        source=bank.source,
        note=entry.note,
        entry_pk=entry.id,
    )


# A bank entry set: (bank id, entry id), or (bank id, "#<row id>") for an entry without one.
BankKey = tuple[int, str]


def _entries(session: Session, ids: list[int]) -> list[tuple[BankEntry, Bank]]:
    rows = session.execute(
        select(BankEntry, Bank)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .where(BankEntry.id.in_(ids), BankEntry.enabled, Bank.enabled)
    )
    return [(e, b) for e, b in rows]


def _bank_keys(session: Session, ids: list[int]) -> dict[int, BankKey]:
    rows = session.execute(
        select(BankEntry.id, BankEntry.bank_id, BankEntry.entry_id).where(BankEntry.id.in_(ids))
    )
    return {i: (bank_id, entry_id or f"#{i}") for i, bank_id, entry_id in rows}


def _bank_sizes(session: Session, keys: list[BankKey]) -> dict[BankKey, int]:
    named = [k for k in keys if not str(k[1]).startswith("#")]
    sizes: dict[BankKey, int] = {k: 1 for k in keys}
    if named:
        rows = session.execute(
            select(BankEntry.bank_id, BankEntry.entry_id, func.count())
            .where(
                BankEntry.signal == "pdq",
                BankEntry.enabled,
                BankEntry.entry_id.in_([k[1] for k in named]),
            )
            .group_by(BankEntry.bank_id, BankEntry.entry_id)
        )
        sizes.update({(b, e): n for b, e, n in rows if e is not None})  # IN: never None
    return sizes


def find_copies(
    session: Session,
    engine: MatchEngine,
    query: MediaQuery,
    platform_id: int | None = None,
    radius: int = 31,
) -> list[CopyMatch]:
    """Content whose media is this media, exactly or nearly (on one platform, if given).

    Across platforms, known media travels through banks, never through another platform's
    cases."""
    found: dict[int, CopyMatch] = {}
    if not (query.pdqs or query.md5 or query.sha256):
        return []
    for signal, ids in exact_ids(engine.media, query).items():
        for content_id in _media_content(session, [int(i) for i in ids]).values():
            found.setdefault(int(content_id), CopyMatch(int(content_id), signal, 0))
    hits = pdq_groups(
        engine.media,
        query,
        radius,
        lambda ids: _media_content(session, ids),
        lambda keys: _media_sizes(session, keys),
    )
    for hit in hits:
        found.setdefault(
            int(hit.key),
            CopyMatch(
                int(hit.key),
                "pdq",
                hit.distance,
                {"query_pct": hit.query_pct, "target_pct": hit.target_pct},
            ),
        )
    if platform_id is None or not found:
        return list(found.values())
    mine = set(
        session.scalars(
            select(ContentItem.id).where(
                ContentItem.id.in_(list(found)), ContentItem.platform_id == platform_id
            )
        )
    )
    return [c for c in found.values() if c.content_id in mine]


def _media_content(session: Session, ids: list[int]) -> dict[int, int]:
    return dict(
        session.execute(
            select(MediaHash.id, MediaHash.content_id).where(MediaHash.id.in_(ids))
        ).all()
    )


def _media_sizes(session: Session, keys: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(MediaHash.content_id, func.count())
        .where(
            MediaHash.content_id.in_(keys),
            MediaHash.signal == "pdq",
            func.coalesce(MediaHash.quality, 100) >= PDQ_QUALITY_THRESHOLD,
        )
        .group_by(MediaHash.content_id)
    )
    return dict(rows.all())


def copies_of(session: Session, engine: MatchEngine, item: ContentItem) -> list[ContentItem]:
    """Other content on the item's platform carrying the same media (a repost's media is
    its original's). The caller syncs the engine first (before taking any lock)."""
    return [other for other, _ in copy_matches_of(session, engine, item)]


def copy_matches_of(
    session: Session, engine: MatchEngine, item: ContentItem
) -> list[tuple[ContentItem, CopyMatch]]:
    """The same, with how each matched (the signal and the distance)."""
    media_id = item.root_id or item.id
    found = find_copies(session, engine, stored_query(session, media_id), item.platform_id)
    out = []
    for match in found:
        other = session.get(ContentItem, match.content_id)
        if other is not None and other.id not in (item.id, media_id):
            out.append((other, match))
    return out
