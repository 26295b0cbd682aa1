"""Exchanges: add, list, status, remove, and the incremental fetch into their banks."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from takedown import audit, matching
from takedown.db import Database, utcnow
from takedown.exchanges import apis, store
from takedown.exchanges.errors import (
    BadExchangeConfig,
    ExchangeExists,
    ExchangeUnavailable,
    UnknownExchange,
)
from takedown.exchanges.models import Exchange, ExchangeItem
from takedown.jobs import enqueue
from takedown.matching import UnknownBank

log = logging.getLogger(__name__)
# HMA's rule for exchange (and their banks') names.
NAME = re.compile(r"[A-Z0-9_]{1,100}")
FETCH_TASK = "exchanges:fetch"
# APIs whose every fetch is the whole list: a key missing from it is gone.
SNAPSHOTS = ("local_file",)
BATCH_KEYS = 20_000  # keys per transaction when a page is larger (a whole local file)
_LOCK = "SELECT pg_try_advisory_lock(hashtext('takedown.exchange'), :id)"
_UNLOCK = "SELECT pg_advisory_unlock(hashtext('takedown.exchange'), :id)"


def check_name(name: str) -> str:
    if not NAME.fullmatch(name or ""):
        raise BadExchangeConfig(
            "Exchange names are 1 to 100 of A-Z, 0-9 and _ (HMA's rule).", field="name"
        )
    return name


def add(
    session: Session,
    name: str,
    api: str,
    config: dict[str, object] | None = None,
    *,
    actor: str,
    action: str = "block",
    base_url: str | None = None,
    credentials_file: str | None = None,
    send_feedback: bool = True,
    share_back: bool = False,
) -> Exchange:
    """A new exchange and its bank (of the same name, created if missing)."""
    check_name(name)
    config = dict(config or {})
    try:
        apis.check_config(api, name, config)
    except Exception as exc:  # dacite and threatexchange raise their own kinds
        raise BadExchangeConfig(f"Config refused for {api}: {exc}", field="api_json") from None
    if session.scalar(select(Exchange.id).where(Exchange.name == name)):
        raise ExchangeExists(f"An exchange named {name} exists.", field="name")
    try:
        bank = matching.get_bank(session, name)
    except UnknownBank:
        bank = matching.create_bank(
            session, name, action, source=api, description=f"fed by the {api} exchange {name}"
        )
    exchange = Exchange(
        name=name,
        api=api,
        bank_id=bank.id,
        config=config,
        base_url=base_url,
        credentials_file=credentials_file,
        enabled=True,
        send_feedback=send_feedback,
        share_back=share_back,
        fetched_items=0,
        up_to_date=False,
    )
    session.add(exchange)
    session.flush()
    _audit(session, exchange, "exchange.added", actor, api=api, share_back=share_back)
    return exchange


def enqueue_fetch(session: Session, name: str) -> None:
    """A durable fetch job, one exchange at a time (procrastinate's lock)."""
    enqueue(session, FETCH_TASK, queue="exchanges", lock=f"exchange:{name}", name=name)


def get(session: Session, name: str) -> Exchange:
    found = session.scalar(select(Exchange).where(Exchange.name == name))
    if found is None:
        raise UnknownExchange(f"No exchange named {name!r}.", field="exchange")
    return found


def names(session: Session) -> list[str]:
    return list(session.scalars(select(Exchange.name).order_by(Exchange.name)))


@dataclass
class Status:
    name: str
    api: str
    bank: str
    enabled: bool
    share_back: bool
    send_feedback: bool
    entries: int
    checkpoint_ts: int | None
    running_fetch_start_ts: int | None
    last_fetch_complete_ts: int | None
    last_fetch_succeeded: bool | None
    up_to_date: bool
    fetched_items: int
    last_error: str | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def status(session: Session, name: str) -> Status:
    ex = get(session, name)
    bank = session.get(matching.models.Bank, ex.bank_id)
    entries = session.scalar(
        select(func.count()).select_from(ExchangeItem).where(ExchangeItem.exchange_id == ex.id)
    )
    return Status(
        name=ex.name,
        api=ex.api,
        bank=bank.name if bank else "",
        enabled=ex.enabled,
        share_back=ex.share_back,
        send_feedback=ex.send_feedback,
        entries=int(entries or 0),
        checkpoint_ts=ex.checkpoint_ts,
        running_fetch_start_ts=_ts(ex.running_since),
        last_fetch_complete_ts=_ts(ex.last_fetch_complete_at),
        last_fetch_succeeded=ex.last_fetch_succeeded,
        up_to_date=ex.up_to_date,
        fetched_items=ex.fetched_items,
        last_error=ex.last_error,
    )


def statuses(session: Session) -> list[Status]:
    return [status(session, n) for n in names(session)]


def _ts(at: datetime | None) -> int | None:
    return int(at.timestamp()) if at else None


def set_options(
    session: Session,
    name: str,
    *,
    actor: str,
    enabled: bool | None = None,
    share_back: bool | None = None,
    send_feedback: bool | None = None,
) -> Exchange:
    ex = get(session, name)
    changed = {}
    for field, value in (
        ("enabled", enabled),
        ("share_back", share_back),
        ("send_feedback", send_feedback),
    ):
        if value is not None and getattr(ex, field) != value:
            setattr(ex, field, value)
            changed[field] = value
    if changed:
        _audit(session, ex, "exchange.changed", actor, **changed)
    return ex


def remove(session: Session, name: str, *, actor: str) -> int:
    """Remove the exchange; the hashes only it gave leave its bank. Returns how many."""
    ex = get(session, name)
    removed = store.forget_all(session, ex.id, ex.bank_id)
    _audit(session, ex, "exchange.removed", actor, hashes_disabled=removed)
    session.delete(ex)
    return removed


@dataclass
class FetchResult:
    exchange: str
    pages: int = 0
    keys: int = 0
    hashes: int = 0
    added: int = 0
    removed: int = 0
    up_to_date: bool = False
    skipped: bool = False  # another process is fetching this exchange

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


Progress = Callable[[store.Applied], None]


def fetch(
    db: Database, name: str, progress: Progress | None = None, max_pages: int | None = None
) -> FetchResult:
    """Fetch from the exchange's checkpoint until it is up to date (or `max_pages`), each
    page committed with its checkpoint: a fetch cut off anywhere resumes from its last page."""
    with db.session() as session:
        ex = get(session, name)
        exchange_id = ex.id
    assert db.engine is not None
    with db.engine.connect() as lock:  # held for the whole fetch; dies with the process
        if not lock.execute(text(_LOCK), {"id": exchange_id}).scalar():
            return FetchResult(name, skipped=True)
        try:
            return _fetch_locked(db, exchange_id, progress, max_pages)
        finally:
            lock.execute(text(_UNLOCK), {"id": exchange_id})
            lock.commit()


def _fetch_locked(
    db: Database, exchange_id: int, progress: Progress | None, max_pages: int | None
) -> FetchResult:
    with db.session() as session:
        ex = session.get(Exchange, exchange_id)
        assert ex is not None
        ex.running_since = utcnow()
    result = FetchResult(ex.name)
    try:
        api = apis.build(ex)
        checkpoint = apis.checkpoint_from_json(api, ex.checkpoint)
        if checkpoint is not None and checkpoint.is_stale() and ex.api != "local_file":
            checkpoint = None
        seen: set[str] | None = set() if ex.api in SNAPSHOTS else None
        for delta in api.fetch_iter(apis.SIGNAL_TYPES, checkpoint):
            _store_page(db, ex, delta, result, progress, seen)
            if max_pages is not None and result.pages >= max_pages:
                break
        else:
            result.up_to_date = True
            if seen is not None:
                with db.session() as session:
                    result.removed += store.drop_missing(session, ex.id, ex.bank_id, seen)
    except Exception as exc:
        _finish(db, exchange_id, result, exc)
        if isinstance(exc, ExchangeUnavailable):
            raise
        raise ExchangeUnavailable(
            f"Fetch from {ex.name} stopped after {result.pages} pages: {_describe(exc)}"
        ) from exc
    _finish(db, exchange_id, result, None)
    return result


def _store_page(
    db: Database,
    ex: Exchange,
    delta: object,
    result: FetchResult,
    progress: Progress | None,
    seen: set[str] | None,
) -> None:
    changes = apis.changes(ex, delta.updates)  # type: ignore[attr-defined]
    if seen is not None:
        seen.update(changes)
    batches = list(store.chunks(changes, BATCH_KEYS))
    for number, batch in enumerate(batches, start=1):
        with db.session() as session:
            applied = store.apply(session, ex.id, ex.bank_id, f"{ex.api}:{ex.name}", batch)
            row = session.get(Exchange, ex.id)
            assert row is not None
            row.fetched_items += applied.keys
            if number == len(batches):  # the page's checkpoint only with its last rows
                checkpoint = delta.checkpoint  # type: ignore[attr-defined]
                if checkpoint is not None:
                    row.checkpoint = apis.checkpoint_to_json(checkpoint)
                    row.checkpoint_ts = checkpoint.get_progress_timestamp()
        result.keys += applied.keys
        result.hashes += applied.hashes
        result.added += applied.added
        result.removed += applied.removed
        if progress is not None:
            progress(applied)
    result.pages += 1


def _finish(db: Database, exchange_id: int, result: FetchResult, exc: Exception | None) -> None:
    with db.session() as session:
        ex = session.get(Exchange, exchange_id)
        if ex is None:
            return
        ex.running_since = None
        ex.last_fetch_complete_at = utcnow()
        ex.last_fetch_succeeded = exc is None
        ex.up_to_date = exc is None and result.up_to_date
        ex.last_error = None if exc is None else _describe(exc)[:2000]
        _audit(session, ex, "exchange.fetched", "system", **result.to_dict(), ok=exc is None)


def _describe(exc: BaseException) -> str:
    # Never the exception's repr of a request: it may carry a URL with a token.
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return f"{type(exc).__name__}" + (f" (HTTP {status})" if status else "")


def _audit(session: Session, ex: Exchange, action: str, actor: str, **data: object) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        subject_type="exchange",
        subject_id=ex.id,
        data={"name": ex.name, **data},
    )
