"""PDQ radius search, in one run on the same hashes and queries: `PdqIndex` (ours) against
threatexchange's `PDQIndex` (HMA's matcher), FAISS IndexBinaryFlat and FAISS
IndexBinaryMultiHash (16 x 16, nflip 1). See `contenders.py`.

Ours is built first and kept: in each of `rounds` rounds a baseline is timed and ours right
after it on the same queries; each side keeps its best round, and the ratio is taken between
those adjacent timings (other work on the machine changes the load from minute to minute).
Two query sets, reported apart: near-duplicates (an indexed hash with 0..32 bits flipped,
distances cycling, so both sides of radius 31 are covered) and random hashes (almost never
within the radius of anything: the common case of an upload check).
Latency is one thread, one query per call, as the service queries; throughput is a batch on
every core. FAISS flat is the ground truth; recall counts (row, distance) pairs found. Each
baseline is freed before the next is built: peak memory is ours, one baseline, the hashes.
"""

from __future__ import annotations

import gc
import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypedDict, Unpack

import numpy as np
from rich.console import Console

from takedown.bench import contenders as c

KINDS = ("near", "random")
MAX_FLIP = 32
ORIENTATIONS = 8
ALL = ("ours", "threatexchange", "faiss_flat", "faiss_mih")


def _flip(rng: np.random.Generator, word: np.ndarray, d: int) -> np.ndarray:
    bits = np.unpackbits(word.view(np.uint8))
    bits[rng.choice(256, size=d, replace=False)] ^= 1
    return np.packbits(bits).view(np.uint64)


def make_data(n: int, count: int, seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(n indexed hashes, {"near": count queries, "random": count queries}), (., 4) uint64."""
    rng = np.random.default_rng(seed)
    words = rng.integers(0, 2**64 - 1, size=(n, 4), dtype=np.uint64, endpoint=True)
    rows = rng.choice(n, size=count, replace=count > n)
    near = np.stack([_flip(rng, words[r], k % (MAX_FLIP + 1)) for k, r in enumerate(rows)])
    rand = rng.integers(0, 2**64 - 1, size=(count, 4), dtype=np.uint64, endpoint=True)
    return words, {"near": near, "random": rand}


def machine() -> dict[str, object]:
    import faiss
    import numba

    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "load_avg_1m": os.getloadavg()[0],
        "memory_gb": round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "faiss": faiss.__version__,
        "threatexchange": _version("threatexchange"),
    }


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


@contextmanager
def _timed() -> Iterator[dict[str, float]]:
    out: dict[str, float] = {}
    start = time.perf_counter()
    yield out
    out["s"] = time.perf_counter() - start


def _recall(found: list[c.Found], truth: list[c.Found]) -> tuple[float, bool]:
    hits = sum(
        sum(1 for k, d in t.items() if f.get(k) == d) for f, t in zip(found, truth, strict=True)
    )
    total = sum(len(t) for t in truth)
    return (hits / total if total else 1.0), found == truth


def _make(name: str, radius: int, words: np.ndarray) -> c.Contender:
    if name == "ours":
        return c.Ours(radius)
    if name == "faiss_flat":
        return c.FaissFlat(radius)
    if name == "faiss_mih":
        return c.FaissMih(radius)
    if name == "threatexchange":
        return c.ThreatExchange(radius, c.hex_strings(words))
    raise ValueError(f"unknown contender {name}")


def _latency(idx: c.Contender, qs: np.ndarray) -> tuple[float, list[c.Found]]:
    raw = []
    start = time.perf_counter()
    for q in qs:
        raw.append(idx.query(q))
    ms = (time.perf_counter() - start) / len(qs) * 1e3
    return ms, [idx.found(r) for r in raw]


def _throughput(idx: c.Contender, qs: np.ndarray, threads: int) -> tuple[float, list[c.Found]]:
    start = time.perf_counter()
    raw = idx.batch(qs, threads)
    per_s = len(qs) / (time.perf_counter() - start)
    return per_s, idx.found_batch(raw, len(qs))


def _measure(
    idx: c.Contender, sets: dict[str, np.ndarray], single: int, threads: int, rounds: int,
    ours: c.Contender | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, float]]]:  # fmt: skip
    """Latency and throughput per query set: the best of `rounds` rounds; with `ours`, ours
    is timed in each round right after, on the same queries (its best is the adjacent one)."""
    out, adjacent = {}, {}
    for kind, qs in sets.items():
        lat, thr, ours_lat, ours_thr = [], [], [], []
        for _ in range(rounds):
            ms, found = _latency(idx, qs[:single])
            per_s, batch_found = _throughput(idx, qs, threads)
            lat.append(ms)
            thr.append(per_s)
            if ours is not None:
                ours_lat.append(_latency(ours, qs[:single])[0])
                ours_thr.append(_throughput(ours, qs, threads)[0])
        out[kind] = {"ms_per_query": min(lat), "lookups_per_s": max(thr), "rounds_ms": lat,
                     "_single": found, "_batch": batch_found}  # fmt: skip
        if ours is not None:
            adjacent[kind] = {"ms_per_query": min(ours_lat), "lookups_per_s": max(ours_thr)}
    return out, adjacent


def _one(
    name: str, radius: int, words: np.ndarray, sets: dict[str, np.ndarray], single: int,
    threads: int, say: Callable[[str], None], rounds: int = 1, ours: c.Contender | None = None,
) -> tuple[dict[str, Any], c.Contender]:  # fmt: skip
    gc.collect()
    before = c.rss_bytes()
    idx = _make(name, radius, words)
    say(f"building {name}")
    with _timed() as build:
        idx.build(words)
    grown = c.rss_bytes() - before
    if name == "ours":
        idx.query(sets["near"][0])  # numba loads its compiled code from the cache once
        idx.batch(sets["near"][:threads], threads)
    say(f"timing {name}")
    load = [round(x, 2) for x in os.getloadavg()]
    result = {"load_avg_at_timing": load, "build_s": build["s"], "rss_growth_mb": grown / 2**20}
    measured, adjacent = _measure(idx, sets, single, threads, rounds, ours)
    result.update(measured)
    if adjacent:
        result["ours_adjacent"] = adjacent
    if name == "ours":
        if not isinstance(idx, c.Ours):
            raise TypeError(f"contender 'ours' is a {type(idx).__name__}, not Ours")
        result["index_bytes"] = idx.index.index_bytes
        result["layout"] = str(idx.index.layout)
        result["ms_per_image_8_orientations"] = _orientations(idx, sets["near"][:single])
    return result, idx


def _orientations(idx: c.Ours, near: np.ndarray) -> float:
    """ms for one image's lookup: the query and 7 other orientations (random), merged."""
    rng = np.random.default_rng(1)
    others = rng.integers(0, 2**63, size=(len(near), ORIENTATIONS - 1, 4), dtype=np.uint64)
    sets = np.concatenate([near[:, None, :], others], axis=1)
    start = time.perf_counter()
    for s in sets:
        idx.index.query_orientations(s, idx.radius)
    return (time.perf_counter() - start) / len(sets) * 1e3


def _summarise(results: dict[str, dict[str, Any]], truth: dict[str, list[c.Found]],
               single: int) -> None:  # fmt: skip
    for name, res in results.items():
        ours = results["ours"] if name == "ours" else res.get("ours_adjacent")
        for kind in KINDS:
            r = res[kind]
            r["recall"], r["identical_to_brute_force"] = _recall(
                r.pop("_single"), truth[kind][:single]
            )
            r["batch_recall"], r["batch_identical"] = _recall(r.pop("_batch"), truth[kind])
            if ours is not None:
                r["x_slower_than_ours"] = r["ms_per_query"] / ours[kind]["ms_per_query"]
                r["x_fewer_lookups_than_ours"] = ours[kind]["lookups_per_s"] / r["lookups_per_s"]


def run(
    n: int, queries: int = 200, radius: int = 31, seed: int = 7, batch: int = 1000,
    only: tuple[str, ...] = ALL, threads: int | None = None, rounds: int = 1,
) -> dict[str, Any]:  # fmt: skip
    """One size: every contender in `only` on the same hashes and queries."""
    threads = threads or os.cpu_count() or 1
    console = Console(stderr=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    words, sets = make_data(n, max(queries, batch), seed)
    # Ours first and kept: timed again after each baseline (ratios of adjacent timings, the
    # machine's load changes). Then FAISS flat (the truth), the largest index last.
    order = [x for x in ("ours", "faiss_flat", "faiss_mih", "threatexchange")
             if x in only or x == "faiss_flat"]  # fmt: skip
    results: dict[str, dict[str, Any]] = {}
    ours: c.Contender | None = None
    for name in order:
        results[name], idx = _one(
            name, radius, words, sets, queries, threads, console.log, rounds, ours
        )
        if name == "ours":
            ours = idx
        del idx
        gc.collect()
    del ours
    truth = {k: [dict(f) for f in v] for k, v in _truths(results["faiss_flat"]).items()}
    if "faiss_flat" not in only:
        results.pop("faiss_flat")
    _summarise(results, truth, queries)
    return {
        "n": n, "radius": radius, "queries": queries, "batch": len(sets["near"]),
        "threads": threads, "seed": seed, "rounds": rounds,
        "matches_per_query": {k: sum(map(len, v)) / len(v) for k, v in truth.items()},
        "contenders": results,
        "load_avg_before": load_before,
        "machine": machine(),
    }  # fmt: skip


def _truths(flat: dict[str, Any]) -> dict[str, list[c.Found]]:
    return {kind: flat[kind]["_batch"] for kind in KINDS}


class MatchOptions(TypedDict, total=False):
    """`run`'s settings after the size, as `run_sizes` passes them to each run."""

    queries: int
    radius: int
    seed: int
    batch: int
    only: tuple[str, ...]
    threads: int | None
    rounds: int


def run_sizes(sizes: list[int], **kwargs: Unpack[MatchOptions]) -> dict[str, Any]:
    """Several sizes in one run (the scaling table), each as `run`."""
    runs = [run(n, **kwargs) for n in sizes]
    return {"runs": runs, "scaling": scaling(runs), "machine": machine()}


def scaling(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per size and contender: latency, batched lookups/s, ratios, memory."""
    rows = []
    for r in runs:
        for name, res in r["contenders"].items():
            rows.append(
                {
                    "n": r["n"],
                    "contender": name,
                    "build_s": round(res["build_s"], 2),
                    "rss_growth_mb": round(res["rss_growth_mb"]),
                    **{
                        f"{kind}_{key}": round(res[kind][key], 4)
                        for kind in KINDS
                        for key in ("ms_per_query", "lookups_per_s", "recall")
                    },
                    **{
                        f"{kind}_x_slower_than_ours": round(res[kind]["x_slower_than_ours"], 2)
                        for kind in KINDS
                        if "x_slower_than_ours" in res[kind]
                    },
                }
            )
    return rows


def report(result: dict[str, Any]) -> list[str]:
    """Human-readable lines: each contender's latency, throughput, ratio and recall."""
    runs = result.get("runs", [result])
    lines = []
    for r in runs:
        lines.append(f"n={r['n']:,} radius={r['radius']} threads={r['threads']} "
                     f"load {r['load_avg_before']} -> {r['machine']['load_avg']}")  # fmt: skip
        for name, res in r["contenders"].items():
            for kind in KINDS:
                k = res[kind]
                ratio = k.get("x_slower_than_ours", float("nan"))
                lines.append(
                    f"  {name:15} {kind:6} {k['ms_per_query']:9.3f} ms/query "
                    f"({ratio:6.1f}x ours) {k['lookups_per_s']:11.0f} lookups/s "
                    f"recall {k['recall']:.4f} build {res['build_s']:.1f} s "
                    f"rss +{res['rss_growth_mb']:.0f} MB"
                )
    return lines
