"""Hashes fetched from an exchange into a bank per second, and how long after each batch's
commit its hashes match, at N entries; against `takedown bank import`'s path (binary COPY of
the same hashes into a bank) in the same run.

The exchange is threatexchange's own local-file API reading N random PDQ hashes (the store
path is the one every exchange takes: a page of keys, committed with its checkpoint, in
batches of `BATCH_KEYS`). A `MatchEngine` started before the fetch follows the bank; a
watcher notes when each batch's last hash becomes matchable.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from rich.console import Console

from takedown import exchanges
from takedown.bench.match import machine
from takedown.config import Settings
from takedown.db import Database
from takedown.exchanges.service import BATCH_KEYS
from takedown.matching import MatchEngine, bulk, create_bank
from takedown.matching.service import EntryIn


class _Watcher(threading.Thread):
    """Polls the engine for each committed batch's probe hash; records the delay."""

    def __init__(self, engine: MatchEngine) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.pending: list[tuple[np.ndarray, float]] = []
        self.delays: list[float] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def add(self, probe: np.ndarray) -> None:
        with self.lock:
            self.pending.append((probe, time.perf_counter()))

    def run(self) -> None:
        while not self.stop.is_set() or self.pending:
            with self.lock:
                waiting = list(self.pending)
            for probe, committed in waiting:
                if len(self.engine.banks.near(probe.reshape(1, 32), 0).ids):
                    self.delays.append(time.perf_counter() - committed)
                    with self.lock:
                        self.pending.remove((probe, committed))
            time.sleep(0.005)


def run(n: int, seed: int, settings: Settings) -> dict[str, object]:
    console = Console(stderr=True)
    db = Database(settings).open()
    db.migrate()
    hashes = np.random.default_rng(seed).integers(0, 256, size=(n, 32), dtype=np.uint8)
    name = f"BENCH_{uuid.uuid4().hex[:8].upper()}"
    engine = MatchEngine(db.libpq_url()).start()
    engine.wait_ready()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hashes.txt"
        with console.status(f"writing {n:,} hashes to a file"):
            path.write_text("".join(f"pdq {h.tobytes().hex()}\n" for h in hashes))
        try:
            result = _fetch(db, engine, name, path, hashes, console)
            result.update(_import_baseline(db, hashes, console))
        finally:
            engine.stop()
            _clean(db.libpq_url(), name)
            db.close()
    result["ratio_fetch_vs_bank_import"] = round(
        result["fetched_hashes_per_s"] / result["bank_import_hashes_per_s"], 2
    )
    result["machine"] = machine()
    return result


def _fetch(
    db: Database, engine: MatchEngine, name: str, path: Path, hashes: np.ndarray, console: Console
) -> dict[str, Any]:
    with db.session() as session:
        exchanges.add(
            session, name, "local_file", {"filename": str(path)}, actor="bench",
            send_feedback=False,
        )  # fmt: skip
    watcher = _Watcher(engine)
    watcher.start()
    done = [0]

    def on_batch(applied: Any) -> None:
        done[0] += applied.keys
        watcher.add(hashes[done[0] - 1])

    with console.status(f"fetching {len(hashes):,} hashes through the exchange"):
        start = time.perf_counter()
        fetched = exchanges.fetch(db, name, on_batch)
        took = time.perf_counter() - start
        watcher.stop.set()
        watcher.join(timeout=60)
    delays = sorted(watcher.delays)
    return {
        "n": len(hashes),
        "batch_keys": BATCH_KEYS,
        "batches": len(delays),
        "fetch_s": round(took, 1),
        "fetched_hashes_per_s": round(fetched.hashes / took),
        "match_delay_after_batch_commit_p50_ms": round(delays[len(delays) // 2] * 1000),
        "match_delay_after_batch_commit_max_ms": round(delays[-1] * 1000),
        "index_size_after": len(engine.banks.pdq),
    }


def _import_baseline(db: Database, hashes: np.ndarray, console: Console) -> dict[str, Any]:
    with db.session() as session:
        bank = create_bank(session, f"bench-import-{uuid.uuid4().hex[:8]}", "block", source="bench")
    entries = (EntryIn("pdq", h.tobytes()) for h in hashes)
    with console.status("the same hashes through `takedown bank import`'s path"):
        start = time.perf_counter()
        with db.session() as session:
            _, added = bulk.import_entries(session, bank, entries)
        took = time.perf_counter() - start
    with psycopg.connect(db.libpq_url()) as conn:
        conn.execute("DELETE FROM bank_entries WHERE bank_id = %s", (bank.id,))
    return {"bank_import_s": round(took, 1), "bank_import_hashes_per_s": round(added / took)}


def _clean(url: str, name: str) -> None:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT id, bank_id FROM exchanges WHERE name = %s", (name,)).fetchone()
        if row is not None:
            conn.execute("DELETE FROM exchange_items WHERE exchange_id = %s", (row[0],))
            conn.execute("DELETE FROM exchanges WHERE id = %s", (row[0],))
            conn.execute("DELETE FROM bank_entries WHERE bank_id = %s", (row[1],))
