"""Sharding the PDQ index by hash prefix across processes over one PostgreSQL, and what the
fan-out and merge cost on loopback, against one index holding everything, in one run.

Shard k of S loads from PostgreSQL only the live rows whose first byte b has b * S // 256 == k
(a deterministic, balanced split every shard computes alone), builds its index and answers
batches over a loopback TCP socket. A near-duplicate can differ from its query in the prefix,
so a query goes to every shard; the client sends each batch to all shards at once, reads the
answers and merges them per query by (distance, id). The merged answers are checked to be
identical to the single index's. Reported: lookups/s both ways, one query's round trip both
ways, the empty round trip (the fixed cost of a hop), the merge itself, each shard's memory
and load time.
"""

from __future__ import annotations

import json
import os
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time
from typing import Any

import numpy as np
import psycopg
from rich.console import Console

from takedown.bench import bank
from takedown.bench.match import machine
from takedown.bench.memory import smaps
from takedown.config import Settings
from takedown.db import Database
from takedown.matching import sync
from takedown.matching.engine import FollowedIndex
from takedown.matching.index import Matches, PdqIndex

HEADER = struct.Struct("<II")  # queries, radius
ROUNDS = 50


def run(
    n: int, shards: int, seed: int, settings: Settings, batch: int = 1000, radius: int = 31
) -> dict[str, Any]:
    console = Console(stderr=True)
    db = Database(settings).open()
    db.migrate()
    url = db.libpq_url()
    procs: list[subprocess.Popen] = []
    try:
        written = bank.ensure(db, n, seed, console)
        queries = _queries(written.hashes, batch, seed)
        del written.hashes
        with console.status("one index of everything (as one process loads it)"):
            whole, whole_load_s = _load_whole(url)
        started = []
        with console.status(f"starting {shards} shard processes"):
            for k in range(shards):
                proc, info = _start_shard(url, k, shards)
                procs.append(proc)
                started.append(info)
        conns = [_connect(s["port"]) for s in started]
        for s, p in zip(started, procs, strict=True):
            s.update(smaps(p.pid))
        with console.status("timing"):
            out = _compare(whole, conns, queries, radius)
        for c in conns:
            c.close()
        out.update({
            "n": n, "shards": shards, "batch": batch, "radius": radius,
            "whole_load_s": whole_load_s, "whole_index_bytes": whole.index_bytes,
            "per_shard": started, "machine": machine(),
        })  # fmt: skip
        return out
    finally:
        for p in procs:
            if p.stdin:
                p.stdin.close()
        for p in procs:
            p.wait(timeout=60)
            if p.stdout:
                p.stdout.close()
        db.close()


def _connect(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port))
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def _queries(hashes: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Half near-duplicates of indexed hashes (0..32 bits flipped), half random."""
    rng = np.random.default_rng(seed + 1)
    half = count // 2
    near = hashes[rng.choice(len(hashes), size=half)].copy()
    for i, row in enumerate(near):
        bits = np.unpackbits(row)
        bits[rng.choice(256, size=i % 33, replace=False)] ^= 1
        near[i] = np.packbits(bits)
    rand = rng.integers(0, 256, size=(count - half, 32), dtype=np.uint8)
    return np.concatenate([near, rand]).view(np.uint64).reshape(-1, 4)


def _load_whole(url: str) -> tuple[PdqIndex, float]:
    index = FollowedIndex(sync.BANKS)
    with psycopg.connect(url, autocommit=True) as conn:
        start = time.perf_counter()
        index.load(conn)
        return index.pdq, time.perf_counter() - start


def _compare(
    whole: PdqIndex, conns: list[socket.socket], qs: np.ndarray, radius: int
) -> dict[str, Any]:
    threads = os.cpu_count() or 1
    whole.query_many(qs[:threads], radius, threads)  # warm
    t = time.perf_counter()
    local = whole.query_many(qs, radius, threads)
    local_s = time.perf_counter() - t
    t = time.perf_counter()
    answers = _fan_out(conns, qs, radius)
    fan_s = time.perf_counter() - t
    t = time.perf_counter()
    merged = _merge(answers, len(qs))
    merge_s = time.perf_counter() - t
    identical = all(
        np.array_equal(a.ids, b.ids) and np.array_equal(a.distances, b.distances)
        for a, b in zip(local, merged, strict=True)
    )
    return {
        "identical_to_one_index": identical,
        "matches": int(sum(len(m.ids) for m in local)),
        "one_index_lookups_per_s": len(qs) / local_s,
        "sharded_lookups_per_s": len(qs) / (fan_s + merge_s),
        "merge_ms_per_1000": merge_s / len(qs) * 1e6,
        "one_index_query_ms": _single_ms(lambda q: whole.query(q, radius), qs),
        "sharded_query_ms": _single_ms(lambda q: _merge(_fan_out(conns, q[None], radius), 1), qs),
        "empty_round_trip_ms": _single_ms(lambda q: _fan_out(conns, qs[:0], radius), qs),
    }


def _single_ms(fn: Any, qs: np.ndarray) -> float:
    picks = qs[:: max(1, len(qs) // ROUNDS)][:ROUNDS]
    start = time.perf_counter()
    for q in picks:
        fn(q)
    return (time.perf_counter() - start) / len(picks) * 1e3


def _fan_out(conns: list[socket.socket], qs: np.ndarray, radius: int) -> list[tuple]:
    payload = HEADER.pack(len(qs), radius) + np.ascontiguousarray(qs).tobytes()
    for c in conns:
        c.sendall(payload)
    return [_read_answer(c, len(qs)) for c in conns]


def _read_answer(conn: socket.socket, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    (total,) = struct.unpack("<I", _recv(conn, 4))
    offsets = np.frombuffer(_recv(conn, 4 * (count + 1)), dtype=np.uint32)
    ids = np.frombuffer(_recv(conn, 8 * total), dtype=np.int64)
    dists = np.frombuffer(_recv(conn, 4 * total), dtype=np.int32)
    return offsets, ids, dists


def _recv(conn: socket.socket, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        chunk = conn.recv(min(size - len(buf), 1 << 20))
        if not chunk:
            raise ConnectionError("shard closed the connection")
        buf += chunk
    return bytes(buf)


def _merge(answers: list[tuple], count: int) -> list[Matches]:
    out = []
    for i in range(count):
        ids = np.concatenate([a[1][a[0][i] : a[0][i + 1]] for a in answers])
        dists = np.concatenate([a[2][a[0][i] : a[0][i + 1]] for a in answers])
        order = np.lexsort((ids, dists))
        out.append(Matches(ids[order], dists[order]))
    return out


def _start_shard(url: str, k: int, count: int) -> tuple[subprocess.Popen, dict[str, Any]]:
    args = [sys.executable, "-m", "takedown.bench.shards", url, str(k), str(count)]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"shard {k} died before it was ready")
    return proc, json.loads(line)


def _load_shard(url: str, k: int, count: int) -> tuple[PdqIndex, float]:
    start = time.perf_counter()
    query = (
        f"COPY (SELECT e.id, e.value FROM {sync.BANKS.from_clause} WHERE e.signal = 'pdq' "
        f"AND length(e.value) = 32 AND {sync.BANKS.live} "
        f"AND get_byte(e.value, 0) * {count} / 256 = {k}) TO STDOUT (FORMAT BINARY)"
    )
    with psycopg.connect(url) as conn:
        ids, values = sync._copy_fixed(conn, query, 32)
    index = PdqIndex()
    index.build(ids, values)
    return index, time.perf_counter() - start


def _serve_shard(url: str, k: int, count: int) -> None:
    """A shard process: load, answer batches on a loopback port, stop at EOF on stdin."""
    index, load_s = _load_shard(url, k, count)
    threads = max(1, (os.cpu_count() or 1) // count)
    index.query_many(np.zeros((threads, 4), dtype=np.uint64), 31, threads)  # warm the kernels

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while True:
                try:
                    queries, radius = HEADER.unpack(_recv(self.request, HEADER.size))
                except ConnectionError:
                    return
                raw = _recv(self.request, 32 * queries)
                qs = np.frombuffer(raw, dtype=np.uint64).reshape(-1, 4).copy()
                found = index.query_many(qs, radius, threads) if queries else []
                self.request.sendall(_answer(found))

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    info = {"shard": k, "port": server.server_address[1], "rows": len(index),
            "load_s": load_s, "index_bytes": index.index_bytes}  # fmt: skip
    print(json.dumps(info), flush=True)
    sys.stdin.read()
    server.shutdown()


def _answer(found: list[Matches]) -> bytes:
    offsets = np.zeros(len(found) + 1, dtype=np.uint32)
    offsets[1:] = np.cumsum([len(m.ids) for m in found]) if found else []
    ids = np.concatenate([m.ids for m in found]) if found else np.empty(0, np.int64)
    dists = np.concatenate([m.distances for m in found]) if found else np.empty(0, np.int32)
    total = struct.pack("<I", int(offsets[-1]))
    return total + offsets.tobytes() + ids.astype(np.int64).tobytes() + dists.astype(
        np.int32).tobytes()  # fmt: skip


if __name__ == "__main__":
    _serve_shard(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
