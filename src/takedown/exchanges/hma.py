"""HMA's (OpenMediaMatch's) curation, hashing and matching API over Takedown's banks, index
and exchanges, with HMA's shapes, so its clients (ROOST's Coop among them) work unchanged.

Where Takedown differs it says so rather than pretend: matching is exact and never sampled,
so an `enabled_ratio` is 0 or 1; credentials are read from files on the server, never sent
over HTTP or stored; a deleted bank is disabled and renamed, never destroyed (its entries
are provenance); an exchange's base URL is an operator's setting, never a curator's.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from takedown import audit, matching
from takedown.errors import TakedownError
from takedown.exchanges import apis, service
from takedown.exchanges.errors import UnknownExchange
from takedown.exchanges.models import Exchange
from takedown.fingerprints import Fingerprint
from takedown.matching import Bank, BankEntry, MatchEngine, UnknownBank

BANK_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,99}")
DELETED = ".deleted."
SIGNAL_TYPES = {"pdq": "pdq", "video_md5": "md5"}  # HMA's names: Takedown's signals
CONTENT_TYPES = ("photo", "video")
PDQ_RADIUS = 31  # HMA's PDQ index threshold
MAX_BANKS_PARAM = 100


class HmaError(TakedownError):
    """HMA answers bad requests with 400."""

    code = "bad_request"
    status = 400


class BadBankName(HmaError):
    code = "bad_bank_name"


class BankExists(HmaError):
    code = "bank_exists"
    status = 403  # HMA's answer for a name taken


class BadSignal(HmaError):
    code = "bad_signal"


class NotSupported(HmaError):
    code = "not_supported"


# -- banks --------------------------------------------------------------------------------


def bank_config(bank: Bank) -> dict[str, object]:
    return {"name": bank.name, "matching_enabled_ratio": 1.0 if bank.enabled else 0.0}


def banks(session: Session) -> list[dict[str, object]]:
    rows = session.scalars(select(Bank).where(~Bank.name.contains(DELETED)).order_by(Bank.name))
    return [bank_config(b) for b in rows]


def bank(session: Session, name: str) -> Bank:
    if DELETED in name:
        raise UnknownBank(f"bank '{name}' not found", field="bank")
    return matching.get_bank(session, name)


def ratio(value: object) -> bool:
    """HMA's enabled_ratio (a number or its string) as Takedown's on/off."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise HmaError("enabled_ratio must be a number", field="enabled_ratio") from None
    if number not in (0.0, 1.0):
        raise NotSupported(
            "Takedown matches every entry of an enabled bank (no sampling): "
            "enabled_ratio is 0 or 1.",
            field="enabled_ratio",
        )
    return number == 1.0


def _check_bank_name(name: object) -> str:
    if not isinstance(name, str) or not BANK_NAME.fullmatch(name):
        raise BadBankName("Bank names must be UPPER_WITH_UNDERSCORE", field="name")
    return name


def create_bank(session: Session, name: object, enabled: bool, actor: str) -> Bank:
    name = _check_bank_name(name)
    if session.scalar(select(Bank.id).where(Bank.name == name)):
        raise BankExists("Bank already exists", field="name")
    # HMA's banks only answer lookups; in Takedown a bank also acts on uploads. One made by
    # an HMA client holds a match for a person (review), never blocks by itself.
    created = matching.create_bank(session, name, "review", source="hma")
    if not enabled:
        matching.set_bank_enabled(session, name, False)
    _audit(session, created, "hma.bank_created", actor, enabled=enabled)
    return created


def update_bank(
    session: Session, name: str, new_name: object, enabled: bool | None, actor: str
) -> Bank:
    found = bank(session, name)
    if found.name == matching.CONFIRMED_BANK:
        raise NotSupported("Takedown's confirmed bank follows reviewers' decisions only.")
    if new_name is not None and new_name != found.name:
        new_name = _check_bank_name(new_name)
        if session.scalar(select(Bank.id).where(Bank.name == new_name)):
            raise BankExists("Bank already exists", field="name")
        if _exchange_of(session, found) is not None:
            raise NotSupported("An exchange feeds this bank: its name is the exchange's.")
        found.name = new_name
    if enabled is not None and enabled != found.enabled:
        matching.set_bank_enabled(session, found.name, enabled)
    _audit(session, found, "hma.bank_updated", actor, name=found.name, enabled=found.enabled)
    return found


def delete_bank(session: Session, name: str, actor: str) -> None:
    """HMA deletes a bank; Takedown disables it and its entries (each process's index
    follows) and frees the name, keeping the rows as provenance."""
    try:
        found = bank(session, name)
    except UnknownBank:
        return  # HMA: deleting what is not there succeeds
    if found.name == matching.CONFIRMED_BANK or _exchange_of(session, found) is not None:
        raise NotSupported("This bank is Takedown's own or fed by an exchange; remove that first.")
    matching.set_bank_enabled(session, found.name, False)
    session.execute(
        update(BankEntry)
        .where(BankEntry.bank_id == found.id, BankEntry.enabled)
        .values(enabled=False, disabled_by="curator")
    )
    found.name = f"{found.name}{DELETED}{found.id}"
    _audit(session, found, "hma.bank_deleted", actor, name=name)


def _exchange_of(session: Session, found: Bank) -> Exchange | None:
    return session.scalar(select(Exchange).where(Exchange.bank_id == found.id))


def add_signals(
    session: Session, name: str, signals: object, actor: str, note: str | None = None
) -> dict[str, object]:
    """`POST /c/bank/<name>/signal` (and content, once hashed): one piece of content, into
    a bank an HMA client made (review only). A curator's key never adds to a bank that
    blocks or allows by itself, nor to Takedown's confirmed bank or an exchange's."""
    found = bank(session, name)
    if found.source != "hma" or found.action != "review":
        raise NotSupported(
            "Only banks made through this API (they hold a match for a person) take content "
            "from it.",
            field="bank",
        )
    if not isinstance(signals, dict) or not signals:
        raise HmaError("No signals given")
    parsed = {kind: _signal(kind, value) for kind, value in signals.items()}
    content = f"hma:{secrets.token_hex(8)}"
    ids = {}
    for kind, raw in parsed.items():
        ids[kind] = _upsert_entry(session, found, SIGNAL_TYPES[kind], raw, content, note)
    _audit(session, found, "hma.content_added", actor, signals=sorted(parsed), entry_id=content)
    first = ids.get("pdq") or next(iter(ids.values()))
    return {"id": first, "signals": {k: v.hex() for k, v in parsed.items()}}


def _upsert_entry(
    session: Session, found: Bank, signal: str, raw: bytes, content: str, note: str | None
) -> int:
    matching.add_entries(
        session, found, [matching.EntryIn(signal, raw, entry_id=content, note=note)]
    )
    row = session.scalar(
        select(BankEntry).where(
            BankEntry.bank_id == found.id, BankEntry.signal == signal, BankEntry.value == raw
        )
    )
    assert row is not None
    if not row.enabled and row.disabled_by != "quarantine":
        row.enabled, row.disabled_by = True, None  # a curator adds it again
    return row.id


def content(session: Session, name: str, content_id: int) -> dict[str, object]:
    """HMA's BankContent for one entry (with the others added with it)."""
    found, entry = _entry(session, name, content_id)
    together = [entry]
    if entry.entry_id:
        together = list(
            session.scalars(
                select(BankEntry).where(
                    BankEntry.bank_id == found.id, BankEntry.entry_id == entry.entry_id
                )
            )
        )
    names = {v: k for k, v in SIGNAL_TYPES.items()}
    return {
        "id": entry.id,
        "disable_until_ts": 1 if entry.enabled else 0,
        "original_media_uri": None,
        "bank": bank_config(found),
        "signals": {names[e.signal]: e.value.hex() for e in together if e.signal in names},
    }


def set_content_enabled(
    session: Session, name: str, content_id: int, disable_until_ts: object, actor: str
) -> dict[str, object]:
    """HMA's per-content switch: `disable_until_ts` 0 (disabled) or 1 (enabled)."""
    found, entry = _entry(session, name, content_id)
    if disable_until_ts not in (0, 1):
        raise NotSupported("disable_until_ts is 0 (disabled) or 1 (enabled) here.")
    if entry.disabled_by == "quarantine":
        raise NotSupported("This entry is quarantined: a supervisor releases it.")
    entry.enabled = disable_until_ts == 1
    entry.disabled_by = None if entry.enabled else "curator"
    _audit(session, found, "hma.content_" + ("enabled" if entry.enabled else "disabled"),
           actor, entry=entry.id)  # fmt: skip
    return content(session, name, content_id)


def _entry(session: Session, name: str, content_id: int) -> tuple[Bank, BankEntry]:
    found = bank(session, name)
    entry = session.get(BankEntry, content_id)
    if entry is None or entry.bank_id != found.id:
        raise UnknownBank(f"content {content_id} not found in bank '{name}'", field="content")
    return found, entry


def _signal(kind: object, value: object) -> bytes:
    if kind not in SIGNAL_TYPES:
        raise BadSignal(f"No such signal type {kind}", field="signal_type")
    size = 32 if kind == "pdq" else 16
    if not isinstance(value, str) or len(value) != size * 2:
        raise BadSignal(f"Invalid {kind} signal: {size * 2} hex digits", field="signal")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise BadSignal(f"Invalid {kind} signal: not hexadecimal", field="signal") from None


def hashes_of(fp: Fingerprint, types: Iterable[str] | None = None) -> dict[str, str]:
    """HMA's hash answer for a file: `pdq` for a photo, `video_md5` for a video."""
    out = {"pdq": fp.pdq} if fp.kind == "image" and fp.pdq else {"video_md5": fp.md5}
    if types is not None:
        wanted = set(types)
        unknown = wanted - set(SIGNAL_TYPES)
        if unknown:
            raise BadSignal(f"signal type '{sorted(unknown)[0]}' doesn't exist or is disabled")
        out = {k: v for k, v in out.items() if k in wanted}
    return out


# -- matching -----------------------------------------------------------------------------


def raw_lookup(engine: MatchEngine, signal_type: str, signal: str) -> list[tuple[int, int]]:
    """(bank entry id, distance) from the index (HMA: enabled state not checked)."""
    raw = _signal(signal_type, signal)
    kind = SIGNAL_TYPES[signal_type]
    if kind == "pdq":
        found = engine.banks.near(np.frombuffer(raw, dtype=np.uint8).reshape(1, 32), PDQ_RADIUS)
        return [(int(i), int(d)) for i, d in zip(found.ids, found.distances, strict=True)]
    return [(int(i), 0) for i in engine.banks.lookup(kind, raw)]


def lookup(
    session: Session,
    engine: MatchEngine,
    signal_type: str,
    signal: str,
    only: set[str] | None = None,
) -> dict[str, list[dict[str, object]]]:
    """HMA's lookup: {bank: [{bank_content_id, distance}]}, enabled entries and banks only,
    each PDQ within its bank's threshold."""
    hits = dict(raw_lookup(engine, signal_type, signal))
    if not hits:
        return {}
    rows = session.execute(
        select(BankEntry.id, Bank.name, Bank.pdq_threshold)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .where(BankEntry.id.in_(list(hits)), BankEntry.enabled, Bank.enabled)
        .order_by(BankEntry.id)
    ).all()
    out: dict[str, list[dict[str, object]]] = {}
    for entry_id, bank_name, threshold in rows:
        if (only is not None and bank_name not in only) or hits[entry_id] > threshold:
            continue
        out.setdefault(bank_name, []).append(
            {"bank_content_id": entry_id, "distance": str(hits[entry_id])}
        )
    return out


def banks_param(value: str | None) -> set[str] | None:
    if not value:
        return None
    names = {n for n in value.split(",") if n}
    if len(names) > MAX_BANKS_PARAM:
        raise HmaError(f"at most {MAX_BANKS_PARAM} banks", field="banks")
    return names


def index_status(engine: MatchEngine, signal_type: str | None = None) -> dict[str, object]:
    if signal_type is not None and signal_type not in SIGNAL_TYPES:
        raise HmaError(f"No such signal type '{signal_type}'", field="signal_type")
    built_to = int(engine.last_cycle_at) if engine.ready else -1
    sizes = {"pdq": len(engine.banks.pdq), "video_md5": len(engine.banks.exact["md5"])}
    return {
        name: {"built_to": built_to, "present": engine.ready, "size": size}
        for name, size in sizes.items()
        if signal_type in (None, name)
    }


# -- exchanges ----------------------------------------------------------------------------

REFUSED_FIELDS = {"base_url", "credentials_file", "credential_json"}


def exchange_apis() -> list[str]:
    return list(apis.APIS)


def exchange_api(api: str) -> dict[str, bool]:
    if api not in apis.APIS:
        raise HmaError(f"no such Exchange API '{api}'")
    supports = api in apis.CREDENTIALS
    has = False
    if supports:
        try:
            apis.read_credentials(api, None)
            has = True
        except Exception:  # threatexchange says missing or invalid in its own ways
            has = False
    return {"supports_authentification": supports, "has_set_authentification": has}


def refuse_credentials(body: dict[str, object]) -> None:
    if body.get("credential_json"):
        raise NotSupported(
            "Credentials are read from files on the server (takedown exchange add "
            "--credentials-file), never sent over HTTP nor stored in the database.",
            field="credential_json",
        )


def create_exchange(session: Session, body: dict[str, object], actor: str) -> Exchange:
    refuse_credentials(body)
    name = body.get("bank")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Z0-9_]+", name):
        raise BadBankName("Field `bank` must match /^[A-Z0-9_]$/", field="bank")
    api = body.get("api")
    if not isinstance(api, str) or api not in apis.APIS:
        raise HmaError(f"No such exchange type '{api}'", field="api")
    if api == "local_file":
        raise NotSupported(
            "A file on the server is an operator's choice (takedown exchange add), never a "
            "curator's over HTTP.",
            field="api",
        )
    config = body.get("api_json") or {}
    if not isinstance(config, dict):
        raise HmaError("Field `api_json` must be object", field="api_json")
    refused = REFUSED_FIELDS & set(config)
    if refused:
        raise NotSupported(
            f"{sorted(refused)[0]} is an operator's setting (the command line), not a "
            "curator's: an exchange's address and credentials never come over HTTP.",
            field="api_json",
        )
    config = {k: v for k, v in config.items() if k not in ("name", "api", "enabled")}
    created = service.add(session, name, api, config, actor=actor)
    service.enqueue_fetch(session, name)  # HMA fetches a new exchange at once
    return created


def exchange_config(session: Session, name: str) -> dict[str, object]:
    ex = _exchange(session, name)
    return {"name": ex.name, "api": ex.api, "enabled": ex.enabled, **ex.config}


def exchange_status(session: Session, name: str) -> dict[str, object]:
    status = service.status(session, _exchange(session, name).name)
    complete = status.last_fetch_complete_ts
    return {
        # HMA's FetchStatus fields, as Coop reads them ...
        "checkpoint_ts": status.checkpoint_ts,
        "running_fetch_start_ts": status.running_fetch_start_ts,
        "last_fetch_complete_ts": complete,
        "last_fetch_succeeded": status.last_fetch_succeeded,
        "up_to_date": status.up_to_date,
        "fetched_items": status.fetched_items,
        # ... and the older status endpoint's.
        "last_fetch_time": complete or 0,
        "checkpoint_time": status.checkpoint_ts or 0,
        "success": bool(status.last_fetch_succeeded),
    }


def _exchange(session: Session, name: str) -> Exchange:
    try:
        return service.get(session, name)
    except UnknownExchange:
        raise UnknownExchange(f"Exchange '{name}' not found", field="exchange") from None


def _audit(session: Session, found: Bank, action: str, actor: str, **data: object) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        subject_type="bank",
        subject_id=found.id,
        data={"bank": found.name, **data},
    )
