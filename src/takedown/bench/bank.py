"""A bank of N random PDQ hashes for the benchmarks that start processes over PostgreSQL.

Writing 10 million rows (with the table's indexes and txid trigger) takes minutes, so a bank
named for its size and seed is kept and reused by later runs; only the bank asked for is
enabled, so a starting process loads exactly its N hashes. `--drop` removes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import psycopg
from rich.console import Console
from sqlalchemy import text

from takedown.bench.sync import _write
from takedown.db import Database
from takedown.matching import create_bank

PREFIX = "bench-pdq-"


@dataclass
class BenchBank:
    bank_id: int
    hashes: np.ndarray  # (n, 32) uint8, in the order written
    write_s: float | None  # None: reused from an earlier run


def hashes(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, 32), dtype=np.uint8)


def ensure(db: Database, n: int, seed: int, console: Console) -> BenchBank:
    """The bank of `n` hashes from `seed`, written if missing; every other bench bank off."""
    name = f"{PREFIX}{n}-{seed}"
    values = hashes(n, seed)
    with db.session() as session:
        session.execute(
            text("UPDATE banks SET enabled = (name = :name) WHERE name LIKE :prefix"),
            {"name": name, "prefix": f"{PREFIX}%"},
        )
        row = session.execute(
            text(
                "SELECT b.id, (SELECT count(*) FROM bank_entries e WHERE e.bank_id = b.id) "
                "FROM banks b WHERE b.name = :name"
            ),
            {"name": name},
        ).first()
        if row is not None and row[1] == n:
            return BenchBank(row[0], values, None)
        if row is not None:
            session.execute(text("DELETE FROM bank_entries WHERE bank_id = :b"), {"b": row[0]})
            bank_id = row[0]
        else:
            bank_id = create_bank(session, name, "block", source="bench").id
    with console.status(f"writing {n:,} hashes to PostgreSQL (kept for later runs)"):
        write_s = _write(db.libpq_url(), bank_id, values)
    return BenchBank(bank_id, values, write_s)


def drop(db: Database) -> None:
    """Remove every bench bank's hashes."""
    with psycopg.connect(db.libpq_url()) as conn:
        conn.execute(
            "DELETE FROM bank_entries WHERE bank_id IN (SELECT id FROM banks WHERE name LIKE %s)",
            (f"{PREFIX}%",),
        )
