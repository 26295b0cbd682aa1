"""Memory per process and start-up time: the shared (memory-mapped) index against a private
index in every process, over the same PostgreSQL, in one run.

N random PDQ hashes are written to a bank (setup, kept for later runs: `bank.py`), then for
each mode K processes are started one after the other, each running a `MatchEngine` as serve
and worker do, waiting until it is ready and then answering `QUERIES` random lookups (so the
pages a real process touches are resident). While all K are alive, each one's
/proc/PID/smaps_rollup is read: RSS, PSS (shared pages divided among their users) and USS
(pages only it holds: what one more process costs).
A process that loads nothing (same imports, numba warmed up) is the baseline subtracted.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from takedown.bench import bank
from takedown.bench.match import machine
from takedown.config import Settings
from takedown.db import Database

QUERIES = 2000
MODES = ("private", "shared")


def smaps(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of a process, in MB."""
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                fields[parts[0][:-1]] = int(parts[1])
    uss = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return {
        "rss_mb": fields.get("Rss", 0) / 1024,
        "pss_mb": fields.get("Pss", 0) / 1024,
        "uss_mb": uss / 1024,
    }


def run(n: int, processes: int, seed: int, settings: Settings) -> dict[str, Any]:
    console = Console(stderr=True)
    db = Database(settings).open()
    db.migrate()
    url = db.libpq_url()
    root = settings.data_dir / f"bench-index-{uuid.uuid4().hex[:8]}"
    try:
        written = bank.ensure(db, n, seed, console)
        del written.hashes
        with console.status("baseline process (no index)"):
            baseline = _group(url, None, 1, baseline=True)[0]
        out: dict[str, Any] = {"n": n, "processes": processes, "write_s": written.write_s,
                               "baseline": baseline}  # fmt: skip
        for mode in MODES:
            shared_root = root if mode == "shared" else None
            with console.status(f"{processes} processes, {mode} index"):
                out[mode] = _summary(_group(url, shared_root, processes), baseline)
        out["index_mapped_mb"] = _dir_mb(root)
        out["uss_per_extra_process_ratio"] = out["private"]["extra_process_uss_mb"] / max(
            out["shared"]["extra_process_uss_mb"], 1
        )
        out["machine"] = machine()
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)
        db.close()


def _group(url: str, root: Path | None, count: int, baseline: bool = False) -> list[dict[str, Any]]:
    """Start `count` processes one after another; measure them all while all are alive."""
    procs, started = [], []
    try:
        for _ in range(count):
            args = [sys.executable, "-m", "takedown.bench.memory", url, str(root or "-")]
            if baseline:
                args.append("--baseline")
            proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            procs.append(proc)
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("a benchmark process died before it was ready")
            started.append(json.loads(line))
        time.sleep(0.5)
        return [{**s, **smaps(p.pid)} for s, p in zip(started, procs, strict=True)]
    finally:
        for proc in procs:
            if proc.stdin:
                proc.stdin.close()
        for proc in procs:
            proc.wait(timeout=120)
            if proc.stdout:
                proc.stdout.close()


def _summary(group: list[dict[str, Any]], baseline: dict[str, Any]) -> dict[str, Any]:
    extra = group[1:] or group
    return {
        "per_process": group,
        "first_start_s": group[0]["ready_s"],
        "extra_start_s": float(np.mean([g["ready_s"] for g in extra])),
        "extra_process_uss_mb": float(np.mean([g["uss_mb"] - baseline["uss_mb"] for g in extra])),
        "extra_process_rss_mb": float(np.mean([g["rss_mb"] - baseline["rss_mb"] for g in extra])),
        "total_pss_mb": float(sum(g["pss_mb"] for g in group)),
    }


def _dir_mb(root: Path) -> float:
    if not root.exists():
        return 0.0
    return sum(p.stat().st_size for p in root.rglob("*.npy")) / 2**20


def _child(url: str, root: str, baseline: bool) -> None:
    """One process as serve or worker holds the index: print when ready, wait for EOF."""
    started = time.perf_counter()
    from takedown.matching.engine import MatchEngine
    from takedown.matching.index import warm_up

    info: dict[str, Any] = {}
    if baseline:
        warm_up()
    else:
        engine = MatchEngine(url, shared_root=None if root == "-" else Path(root)).start()
        engine.wait_ready(timeout=1800)
        info["ready_s"] = time.perf_counter() - started
        info["load_s"] = engine.load_s
        info["where"] = engine.banks.describe()
        queries = np.random.default_rng().integers(0, 2**63, size=(QUERIES, 4), dtype=np.uint64)
        for q in queries:
            engine.banks.near(q[None, :], 31)
    info.setdefault("ready_s", time.perf_counter() - started)
    print(json.dumps(info), flush=True)
    sys.stdin.read()
    if not baseline:
        engine.stop()


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], "--baseline" in sys.argv[3:])
