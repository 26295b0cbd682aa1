"""One fetched batch into the exchange's bank, in one transaction, with set-based SQL.

A key's hashes replace what the key had before; a hash no key of the bank's exchanges holds
any more is disabled (never deleted: every process's index follows the change), and comes
back if an exchange gives it again, unless a curator disabled it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from takedown.db import psycopg_connection, rowcount
from takedown.exchanges.apis import Changes

_TEMP = (
    "CREATE TEMP TABLE IF NOT EXISTS exchange_batch "
    "(key text, signal text, value bytea, meta jsonb) ON COMMIT DELETE ROWS",
    "CREATE TEMP TABLE IF NOT EXISTS exchange_gone "
    "(signal text, value bytea) ON COMMIT DELETE ROWS",
)
_FORGET = text(
    "WITH gone AS (DELETE FROM exchange_items i USING (SELECT DISTINCT key FROM exchange_batch) b "
    "WHERE i.exchange_id = :exchange AND i.key = b.key RETURNING i.signal, i.value) "
    "INSERT INTO exchange_gone SELECT DISTINCT signal, value FROM gone"
)
_REMEMBER = text(
    "INSERT INTO exchange_items (exchange_id, key, signal, value, meta) "
    "SELECT DISTINCT ON (key, signal) :exchange, key, signal, value, meta FROM exchange_batch "
    "WHERE signal IS NOT NULL ON CONFLICT DO NOTHING"
)
_BANK = text(
    "INSERT INTO bank_entries (bank_id, signal, value, entry_id, classification, note, enabled, "
    "created_at) SELECT DISTINCT ON (signal, value) :bank, signal, value, left(key, 200), "
    "left(meta->>'classification', 100), :note, true, now() FROM exchange_batch "
    "WHERE signal IS NOT NULL ORDER BY signal, value, key "
    "ON CONFLICT (bank_id, signal, value) DO UPDATE SET enabled = true, disabled_by = NULL "
    "WHERE bank_entries.disabled_by = 'exchange'"
)
_DISABLE = text(
    "UPDATE bank_entries e SET enabled = false, disabled_by = 'exchange' FROM exchange_gone g "
    "WHERE e.bank_id = :bank AND e.signal = g.signal AND e.value = g.value AND e.enabled "
    "AND NOT EXISTS (SELECT 1 FROM exchange_items i JOIN exchanges x ON x.id = i.exchange_id "
    "WHERE x.bank_id = :bank AND i.signal = g.signal AND i.value = g.value)"
)


def _rowcount(session: Session, statement: TextClause, args: dict[str, Any]) -> int:
    return rowcount(session.execute(statement, args))


@dataclass
class Applied:
    keys: int = 0
    hashes: int = 0
    added: int = 0
    removed: int = 0


def apply(session: Session, exchange_id: int, bank_id: int, note: str, batch: Changes) -> Applied:
    """Store one batch of keys; returns what changed in the bank."""
    for statement in _TEMP:
        session.execute(text(statement))
    raw = psycopg_connection(session)
    hashes = 0
    with (
        raw.cursor() as cur,
        cur.copy("COPY exchange_batch (key, signal, value, meta) FROM STDIN") as copy,
    ):
        for key, found in batch.items():
            if not found:
                copy.write_row((key, None, None, None))
            for h in found:
                copy.write_row((key, h.signal, h.value, json.dumps(h.meta, default=str)))
                hashes += 1
    args = {"exchange": exchange_id, "bank": bank_id, "note": note}
    session.execute(text("ANALYZE exchange_batch"))  # a temp table has no statistics else
    session.execute(_FORGET, args)
    session.execute(_REMEMBER, args)
    added = _rowcount(session, _BANK, args)
    removed = _rowcount(session, _DISABLE, args)
    session.execute(text("TRUNCATE exchange_batch, exchange_gone"))
    return Applied(len(batch), hashes, added, removed)


def chunks(changes: Changes, size: int) -> Iterable[Changes]:
    """A large delta (a whole local file) in batches of `size` keys."""
    keys = list(changes)
    for start in range(0, max(len(keys), 1), size):
        yield {k: changes[k] for k in keys[start : start + size]}


def forget_all(session: Session, exchange_id: int, bank_id: int) -> int:
    """An exchange removed: every hash only it held leaves the bank (disabled)."""
    for statement in _TEMP:
        session.execute(text(statement))
    args = {"exchange": exchange_id, "bank": bank_id}
    session.execute(
        text(
            "WITH gone AS (DELETE FROM exchange_items WHERE exchange_id = :exchange "
            "RETURNING signal, value) INSERT INTO exchange_gone SELECT DISTINCT signal, value "
            "FROM gone"
        ),
        args,
    )
    removed = _rowcount(session, _DISABLE, args)
    session.execute(text("TRUNCATE exchange_batch, exchange_gone"))
    return removed


def drop_missing(session: Session, exchange_id: int, bank_id: int, present: Iterable[str]) -> int:
    """A full snapshot was fetched (a local file): keys it no longer has are gone."""
    for statement in _TEMP:
        session.execute(text(statement))
    session.execute(
        text("CREATE TEMP TABLE IF NOT EXISTS exchange_present (key text) ON COMMIT DROP")
    )
    raw = psycopg_connection(session)
    with raw.cursor() as cur, cur.copy("COPY exchange_present (key) FROM STDIN") as copy:
        for key in present:
            copy.write_row((key,))
    session.execute(text("ANALYZE exchange_present"))
    args = {"exchange": exchange_id, "bank": bank_id}
    session.execute(
        text(
            "WITH gone AS (DELETE FROM exchange_items i WHERE i.exchange_id = :exchange "
            "AND NOT EXISTS (SELECT 1 FROM exchange_present p WHERE p.key = i.key) "
            "RETURNING i.signal, i.value) "
            "INSERT INTO exchange_gone SELECT DISTINCT signal, value FROM gone"
        ),
        args,
    )
    removed = _rowcount(session, _DISABLE, args)
    session.execute(text("TRUNCATE exchange_batch, exchange_gone"))
    return removed
