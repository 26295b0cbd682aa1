"""PDQ radius search: `PdqIndex` vs FAISS IndexBinaryFlat and IndexBinaryMultiHash (HMA's setup).

Random hashes plus planted near-duplicates of each query at distances spread over 0..radius+1.
Everything is timed on one thread, one query per call (as the service queries). FAISS flat
results are the ground truth. Progress goes to stderr; the result is a dict (JSON-ready).
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from rich.console import Console
from rich.progress import Progress

from takedown.matching.index import Matches, PdqIndex

PLANTED_PER_QUERY = 3
ORIENTATIONS = 8
FLAT_8_QUERIES = 50  # FAISS flat with 8 lookups takes ~0.2 s per query at 10M


def _flip(rng: np.random.Generator, word: np.ndarray, d: int) -> np.ndarray:
    bits = np.unpackbits(word.view(np.uint8))
    bits[rng.choice(256, size=d, replace=False)] ^= 1
    return np.packbits(bits).view(np.uint64)


def make_data(n: int, queries: int, radius: int, seed: int):
    """(index words, queries, orientation sets (queries x 8 x 4 words)), all uint64."""
    rng = np.random.default_rng(seed)
    words = rng.integers(0, 2**64 - 1, size=(n, 4), dtype=np.uint64, endpoint=True)
    qs = rng.integers(0, 2**64 - 1, size=(queries, 4), dtype=np.uint64, endpoint=True)
    others = rng.integers(0, 2**64 - 1, size=(queries, ORIENTATIONS - 1, 4), dtype=np.uint64)
    orient = np.concatenate([qs[:, None, :], others], axis=1)
    planted = min(n, queries * PLANTED_PER_QUERY)
    rows = rng.choice(n, size=min(n, planted + queries), replace=False)
    for k, row in enumerate(rows[:planted]):
        # Distances cycle through 0..radius+1, so both sides of the boundary are covered.
        words[row] = _flip(rng, qs[k // PLANTED_PER_QUERY], k % (radius + 2))
    for k, row in enumerate(rows[planted:]):
        # A neighbour of another orientation too, so the merge has work to do.
        words[row] = _flip(rng, orient[k, 1 + k % (ORIENTATIONS - 1)], k % (radius + 1))
    return words, qs, orient


def _per_query_ms(calls: int, fn: Callable[[int], object], progress: Progress, name: str) -> float:
    task = progress.add_task(name, total=calls)
    start = time.perf_counter()
    for i in range(calls):
        fn(i)
        progress.advance(task)
    return (time.perf_counter() - start) / calls * 1e3


@contextmanager
def _phase(progress: Progress, name: str) -> Iterator[dict[str, float]]:
    task = progress.add_task(name, total=None)
    timing: dict[str, float] = {}
    start = time.perf_counter()
    yield timing
    timing["s"] = time.perf_counter() - start
    progress.update(task, total=1, completed=1)


def _faiss_search(index, qs: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, distances) within `radius` of any of `qs`: FAISS returns distances < its radius."""
    _lims, dist, ids = index.range_search(qs.view(np.uint8).reshape(-1, 32), radius + 1)
    return ids, dist


def _faiss_min(found: tuple[np.ndarray, np.ndarray]) -> dict[int, int]:
    best: dict[int, int] = {}
    for i, d in zip(found[0].tolist(), found[1].astype(int).tolist(), strict=True):
        best[i] = min(d, best.get(i, d))
    return best


def _as_dict(m: Matches) -> dict[int, int]:
    # Bench ids are 2 * row + 1, mapped back to FAISS row numbers.
    return dict(zip(((m.ids - 1) // 2).tolist(), m.distances.tolist(), strict=True))


def _recall(found: list[dict[int, int]], truth: list[dict[int, int]]) -> tuple[float, bool]:
    pairs = zip(found, truth, strict=True)
    hits = sum(sum(1 for k, d in t.items() if f.get(k) == d) for f, t in pairs)
    total = sum(len(t) for t in truth)
    return (hits / total if total else 1.0), found == truth


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
        "load_avg_1m": os.getloadavg()[0],
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "faiss": faiss.__version__,
    }


def run(n: int, queries: int, radius: int = 31, seed: int = 7) -> dict[str, object]:
    import faiss
    import numba

    faiss.omp_set_num_threads(1)
    numba.set_num_threads(1)
    console = Console(stderr=True)
    with Progress(console=console, transient=True) as progress:
        with _phase(progress, f"random data, n={n:,}"):
            words, qs, orient = make_data(n, queries, radius, seed)
        ids = np.arange(n, dtype=np.int64) * 2 + 1
        index = PdqIndex()
        with _phase(progress, "build ours") as build:
            index.build(ids, words)
        index.query(qs[0], radius)  # warm-up: numba loads compiled code from its cache
        index.query_orientations(orient[0], radius)
        with _phase(progress, "build FAISS flat"):
            flat = faiss.IndexBinaryFlat(256)
            flat.add(words.view(np.uint8))
        with _phase(progress, "build FAISS MIH (16 x 16 bits)") as mih_build:
            mih = faiss.IndexBinaryMultiHash(256, 16, 16)
            mih.nflip = 1
            mih.add(words.view(np.uint8))
        del words

        # Raw results are kept while timing and converted afterwards.
        ours: list = []
        ms = _per_query_ms(
            queries, lambda i: ours.append(index.query(qs[i], radius)), progress, "ours"
        )
        truth: list = []
        flat_ms = _per_query_ms(
            queries, lambda i: truth.append(_faiss_search(flat, qs[i], radius)), progress,
            "FAISS flat",
        )  # fmt: skip
        via_mih: list = []
        mih_ms = _per_query_ms(
            queries, lambda i: via_mih.append(_faiss_search(mih, qs[i], radius)), progress,
            "FAISS MIH",
        )  # fmt: skip
        ours8: list = []
        ms8 = _per_query_ms(
            queries, lambda i: ours8.append(index.query_orientations(orient[i], radius)),
            progress, "ours, 8 orientations",
        )  # fmt: skip
        n8 = min(queries, FLAT_8_QUERIES)
        truth8: list = []
        flat8_ms = _per_query_ms(
            n8, lambda i: truth8.append(_faiss_search(flat, orient[i], radius)), progress,
            "FAISS flat, 8 lookups",
        )  # fmt: skip

    truth = [_faiss_min(r) for r in truth]
    recall, exact = _recall([_as_dict(m) for m in ours], truth)
    recall8, exact8 = _recall([_as_dict(m) for m in ours8[:n8]], [_faiss_min(r) for r in truth8])
    return {
        "n": n,
        "radius": radius,
        "queries": queries,
        "seed": seed,
        "recall": recall,
        "identical_to_brute_force": exact,
        "recall_8_orientations": recall8,
        "identical_to_brute_force_8_orientations": exact8,
        "faiss_mih_recall": _recall([_faiss_min(r) for r in via_mih], truth)[0],
        "matches_per_query": sum(len(t) for t in truth) / max(queries, 1),
        "ms_per_query": ms,
        "faiss_flat_ms_per_query": flat_ms,
        "faiss_mih_ms_per_query": mih_ms,
        "ratio_vs_faiss_flat": flat_ms / ms,
        "ratio_vs_faiss_mih": mih_ms / ms,
        "ms_per_query_8_orientations": ms8,
        "faiss_flat_ms_8_lookups": flat8_ms,
        "faiss_flat_8_lookups_queries": n8,
        "ratio_8_orientations_vs_faiss_flat": flat8_ms / ms8,
        "index_bytes": index.index_bytes,
        "layout": str(index.layout),
        "build_s": build["s"],
        "build_threads": os.cpu_count(),
        "faiss_mih_build_s": mih_build["s"],
        "machine": machine(),
    }
