"""Building the match index from PostgreSQL, and following one change, vs FAISS's MIH build.

N random PDQ hashes are written to a bank (binary COPY; setup, not timed as a result), then
timed: loading them into a `FollowedIndex` exactly as a starting process does (binary COPY
out plus the index build), and how long a hash committed afterwards takes to become
matchable in a running `MatchEngine`. Baseline in the same run: building FAISS's
IndexBinaryMultiHash (HMA's index, which HMA rebuilds whole to add one hash) from the same
hashes already in memory.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import numpy as np
import psycopg
from rich.console import Console

from takedown.bench.match import machine
from takedown.config import Settings
from takedown.db import Database
from takedown.matching import MatchEngine, create_bank, sync
from takedown.matching.engine import FollowedIndex

FOLLOW_TRIALS = 5


def run(n: int, seed: int, settings: Settings, keep: bool = False) -> dict[str, object]:
    console = Console(stderr=True)
    db = Database(settings).open()
    db.migrate()
    try:
        with db.session() as session:
            bank_id = create_bank(
                session, f"bench-{uuid.uuid4().hex[:8]}", "block", source="bench"
            ).id
        hashes = np.random.default_rng(seed).integers(0, 256, size=(n, 32), dtype=np.uint8)
        url = db.libpq_url()
        with console.status(f"writing {n:,} hashes to PostgreSQL"):
            write_s = _write(url, bank_id, hashes)
        result: dict[str, Any] = {
            "n": n,
            "write_s": round(write_s, 1),
            **_load(url, hashes, console),
            **_follow(url, bank_id, seed),
            **_faiss_build(hashes, console),
        }
        result["ratio_build_vs_faiss_mih"] = round(
            result["faiss_mih_build_s"] / result["build_from_db_s"], 2
        )
        if not keep:
            with console.status("removing the benchmark's hashes"), psycopg.connect(url) as c:
                c.execute("DELETE FROM bank_entries WHERE bank_id = %s", (bank_id,))
        result["machine"] = machine()
        return result
    finally:
        db.close()


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, extension length
_ROW = np.dtype(
    [("n", ">i2"), ("l1", ">i4"), ("bank", ">i4"), ("l2", ">i4"), ("sig", "S3"),
     ("l3", ">i4"), ("v", "u1", 32), ("l4", ">i4"), ("en", "u1"), ("l5", ">i4"), ("ts", ">i8")]
)  # fmt: skip
_CHUNK = 500_000


def _write(url: str, bank_id: int, hashes: np.ndarray) -> float:
    """PDQ rows into a bank by binary COPY, built in numpy (no per-row Python)."""
    start = time.perf_counter()
    now_us = int((time.time() - 946_684_800) * 1e6)  # PostgreSQL's epoch is 2000-01-01
    with (
        psycopg.connect(url) as conn,
        conn.cursor() as cur,
        cur.copy(
            "COPY bank_entries (bank_id, signal, value, enabled, created_at) "
            "FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.write(_COPY_HEADER)
        for at in range(0, len(hashes), _CHUNK):
            part = hashes[at : at + _CHUNK]
            rows = np.zeros(len(part), dtype=_ROW)
            rows["n"], rows["l1"], rows["bank"], rows["l2"], rows["sig"] = 5, 4, bank_id, 3, b"pdq"
            rows["l3"], rows["v"], rows["l4"], rows["en"] = 32, part, 1, 1
            rows["l5"], rows["ts"] = 8, now_us
            copy.write(rows.tobytes())
        copy.write(b"\xff\xff")
    return time.perf_counter() - start


def _load(url: str, hashes: np.ndarray, console: Console) -> dict[str, object]:
    index = FollowedIndex(sync.BANKS)
    with (
        console.status("loading the index from PostgreSQL"),
        psycopg.connect(url, autocommit=True) as conn,
    ):
        start = time.perf_counter()
        index.load(conn)
        elapsed = time.perf_counter() - start
    probe = hashes[:: max(1, len(hashes) // 100)]
    found = sum(1 for h in probe if len(index.near(h[None, :], 0).ids))
    return {
        "build_from_db_s": round(elapsed, 4),
        "index_bytes": index.pdq.index_bytes,
        "loaded": len(index.pdq),
        "probes_found": f"{found}/{len(probe)}",
    }


def _follow(url: str, bank_id: int, seed: int) -> dict[str, object]:
    engine = MatchEngine(url).start()
    engine.wait_ready(timeout=600)
    rng = np.random.default_rng(seed + 1)
    lags = []
    try:
        for _ in range(FOLLOW_TRIALS):
            value = rng.integers(0, 256, size=32, dtype=np.uint8)
            with psycopg.connect(url) as conn:
                conn.execute(
                    "INSERT INTO bank_entries (bank_id, signal, value, enabled, "
                    "created_at) VALUES (%s, 'pdq', %s, true, now())",
                    (bank_id, value.tobytes()),
                )
            committed = time.perf_counter()
            while not len(engine.banks.near(value[None, :], 0).ids):
                time.sleep(0.001)
            lags.append(time.perf_counter() - committed)
    finally:
        engine.stop()
    return {
        "follow_ms_median": round(float(np.median(lags)) * 1e3, 1),
        "follow_ms_max": round(max(lags) * 1e3, 1),
        "follow_trials": FOLLOW_TRIALS,
    }


def _faiss_build(hashes: np.ndarray, console: Console) -> dict[str, object]:
    import faiss

    faiss.omp_set_num_threads(1)
    with console.status("building FAISS IndexBinaryMultiHash (HMA's index)"):
        start = time.perf_counter()
        index = faiss.IndexBinaryMultiHash(256, 16, 16)
        index.nflip = 1
        index.add(hashes)
        return {"faiss_mih_build_s": round(time.perf_counter() - start, 4)}
