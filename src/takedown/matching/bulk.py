"""Fast imports: COPY a batch into a temporary table, then insert what is new."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice

from sqlalchemy import text
from sqlalchemy.orm import Session

from takedown.db import psycopg_connection, rowcount
from takedown.matching.models import Bank
from takedown.matching.service import EntryIn

BATCH = 50_000


def import_entries(
    session: Session,
    bank: Bank,
    entries: Iterable[EntryIn],
    progress: Callable[[int], None] = lambda n: None,
) -> tuple[int, int]:
    """(read, added). Entries already in the bank are left as they are."""
    session.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS bank_import "
            "(signal text, value bytea, entry_id text, classification text, note text) "
            "ON COMMIT DELETE ROWS"
        )
    )
    raw = psycopg_connection(session)
    read = added = 0
    iterator = iter(entries)
    while batch := list(islice(iterator, BATCH)):
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY bank_import (signal, value, entry_id, classification, note) FROM STDIN"
            ) as copy,
        ):
            for e in batch:
                copy.write_row((e.signal, e.value, e.entry_id, e.classification, e.note))
        result = session.execute(
            text(
                "INSERT INTO bank_entries (bank_id, signal, value, entry_id, classification, note, "
                "enabled, created_at) SELECT :bank, signal, value, entry_id, classification, note, "
                "true, now() FROM bank_import ON CONFLICT DO NOTHING"
            ),
            {"bank": bank.id},
        )
        session.execute(text("TRUNCATE bank_import"))
        read += len(batch)
        added += rowcount(result)
        progress(len(batch))
    return read, added
