"""Follow a hash table in PostgreSQL exactly: bulk load once, then every committed change.

Each row carries the id of the transaction that last wrote it (`txid`, set by a trigger).
A follower keeps the snapshot it last read at; the rows to apply next are exactly those
whose writer was not yet visible in that snapshot. No change is missed or applied twice
out of order, whatever the commit order of concurrent writers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import psycopg

SIGNALS = {"pdq": 32, "md5": 16, "sha256": 32}

BANK_LIVE = "e.enabled AND b.enabled"
BANK_FROM = "bank_entries e JOIN banks b ON b.id = e.bank_id"
MEDIA_LIVE = "(e.signal <> 'pdq' OR coalesce(e.quality, 100) >= 50)"
MEDIA_FROM = "media_hashes e"


@dataclass(frozen=True)
class Source:
    """Which table to follow: its FROM clause and what makes a row live (indexed)."""

    name: str
    from_clause: str
    live: str


BANKS = Source("banks", BANK_FROM, BANK_LIVE)
MEDIA = Source("media", MEDIA_FROM, MEDIA_LIVE)


@dataclass
class Change:
    ids: np.ndarray
    values: np.ndarray  # (n, size) uint8
    live: np.ndarray  # bool


def read(
    conn: psycopg.Connection,
    source: Source,
    loads: Iterable[str] = (),
    follows: dict[str, str] | None = None,
) -> tuple[str, dict[str, Change]]:
    """In one snapshot: every live row of the signals in `loads` (binary COPY: fast), and for
    each signal in `follows` the rows written by transactions not visible in its snapshot.
    Returns that snapshot and the rows by signal (a signal in neither is left out)."""
    follows = follows or {}
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = _snapshot(conn)
        out = {signal: _copy_signal(conn, source, signal) for signal in loads}
        # Follows always use the txid index: right after a bulk import the planner's
        # statistics are stale, and a sequential scan every cycle breaks the 1 s promise.
        conn.execute("SET LOCAL enable_seqscan = off")
        by_since: dict[str, list[str]] = {}
        for signal, since in follows.items():
            by_since.setdefault(since, []).append(signal)
        for since, signals in by_since.items():
            out.update(_group(_changed_rows(conn, source, since), signals))
    return snapshot, out


def load(conn: psycopg.Connection, source: Source) -> tuple[str, dict[str, Change]]:
    """Every live row by signal, and the snapshot they were read at."""
    return read(conn, source, loads=SIGNALS)


def changes(conn: psycopg.Connection, source: Source, since: str) -> tuple[str, dict[str, Change]]:
    """Rows written by transactions that committed after snapshot `since`."""
    return read(conn, source, follows=dict.fromkeys(SIGNALS, since))


def _copy_signal(conn: psycopg.Connection, source: Source, signal: str) -> Change:
    size = SIGNALS[signal]
    query = (
        f"COPY (SELECT e.id, e.value FROM {source.from_clause} "
        f"WHERE e.signal = '{signal}' AND length(e.value) = {size} AND {source.live}) "
        "TO STDOUT (FORMAT BINARY)"
    )
    ids, values = _copy_fixed(conn, query, size)
    return Change(ids, values, np.ones(len(ids), dtype=bool))


def _changed_rows(conn: psycopg.Connection, source: Source, since: str) -> list[tuple]:
    return conn.execute(
        f"SELECT e.id, e.signal, e.value, {source.live} FROM {source.from_clause} "
        "WHERE e.txid >= pg_snapshot_xmin(%(s)s::pg_snapshot) "
        "AND NOT pg_visible_in_snapshot(e.txid, %(s)s::pg_snapshot)",
        {"s": since},
    ).fetchall()


def _snapshot(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT pg_current_snapshot()::text").fetchone()
    assert row is not None
    return row[0]


def _group(rows: list[tuple], signals: Iterable[str] = SIGNALS) -> dict[str, Change]:
    out = {}
    for signal in signals:
        size = SIGNALS[signal]
        mine = [r for r in rows if r[1] == signal and len(r[2]) == size]
        ids = np.fromiter((r[0] for r in mine), dtype=np.int64, count=len(mine))
        values = np.frombuffer(b"".join(bytes(r[2]) for r in mine), dtype=np.uint8)
        out[signal] = Change(
            ids,
            values.reshape(len(mine), size),
            np.fromiter((bool(r[3]) for r in mine), dtype=bool, count=len(mine)),
        )
    return out


_HEADER = 19  # PGCOPY signature (11) + flags (4) + header extension length (4)


def _copy_fixed(conn: psycopg.Connection, query: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Parse a binary COPY of (bigint, bytea of `size`) rows straight into numpy."""
    raw = b"".join(_copy_chunks(conn, query))
    body = raw[_HEADER:-2]  # trailer: int16 -1
    row = np.dtype([("n", ">i2"), ("l1", ">i4"), ("id", ">i8"), ("l2", ">i4"), ("v", "u1", size)])
    if len(body) % row.itemsize:
        raise ValueError("unexpected COPY layout")
    records = np.frombuffer(body, dtype=row)
    return records["id"].astype(np.int64), np.ascontiguousarray(records["v"])


def _copy_chunks(conn: psycopg.Connection, query: str) -> Iterator[bytes]:
    with conn.cursor() as cur, cur.copy(query) as copy:
        for chunk in copy:
            yield bytes(chunk)
