"""The PDQ indexes `takedown bench match` times, behind one small interface.

Every contender indexes the same rows (row number = id) and answers one query or a batch with
{row: distance} for every row within the radius (inclusive). FAISS flat is the ground truth.

- `ours`: `takedown.matching.PdqIndex` (exact multi-index, numba).
- `threatexchange`: `PDQIndex` from python-threatexchange, HMA's matcher, built and queried
  the way HMA does (hex strings in, `PDQIndex.build(entries)`, `query(hex)` one at a time;
  batches through its own `search_with_distance_in_result`).
- `faiss_flat`: FAISS `IndexBinaryFlat` (exhaustive).
- `faiss_mih`: FAISS `IndexBinaryMultiHash(256, 16, 16)`, nflip 1 (the core of HMA's index).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from typing import Any, Protocol

import numpy as np

from takedown.matching.index import PdqIndex

Found = dict[int, int]


class Contender(Protocol):
    name: str

    def build(self, words: np.ndarray) -> None: ...

    def query(self, q: np.ndarray) -> Any: ...

    def found(self, raw: Any) -> Found: ...

    def batch(self, qs: np.ndarray, threads: int) -> Any: ...

    def found_batch(self, raw: Any, count: int) -> list[Found]: ...


def rss_bytes() -> int:
    """This process's resident memory now (after handing freed heap back to the system, so
    what an earlier contender freed is not counted again)."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _as_bytes(words: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(words).view(np.uint8).reshape(-1, 32)


class Ours:
    name = "ours"

    def __init__(self, radius: int) -> None:
        self.radius = radius
        self.index = PdqIndex()

    def build(self, words: np.ndarray) -> None:
        self.index.build(np.arange(words.shape[0], dtype=np.int64), words)

    def query(self, q: np.ndarray) -> Any:
        return self.index.query(q, self.radius)

    def found(self, raw: Any) -> Found:
        return dict(zip(raw.ids.tolist(), raw.distances.tolist(), strict=True))

    def batch(self, qs: np.ndarray, threads: int) -> Any:
        return self.index.query_many(qs, self.radius, threads=threads)

    def found_batch(self, raw: Any, count: int) -> list[Found]:
        return [self.found(m) for m in raw]


class _Faiss:
    name = "faiss"

    def __init__(self, radius: int) -> None:
        self.radius = radius
        self.index: Any = None

    def query(self, q: np.ndarray) -> Any:
        import faiss

        faiss.omp_set_num_threads(1)
        return self.index.range_search(_as_bytes(q[None, :]), self.radius + 1)

    def found(self, raw: Any) -> Found:
        return self.found_batch(raw, 1)[0]

    def batch(self, qs: np.ndarray, threads: int) -> Any:
        import faiss

        faiss.omp_set_num_threads(threads)
        try:
            return self.index.range_search(_as_bytes(qs), self.radius + 1)
        finally:
            faiss.omp_set_num_threads(1)

    def found_batch(self, raw: Any, count: int) -> list[Found]:
        lims, dist, ids = raw
        ids, dist = ids.tolist(), dist.tolist()
        return [
            dict(zip(ids[lims[i] : lims[i + 1]], dist[lims[i] : lims[i + 1]], strict=True))
            for i in range(count)
        ]


class FaissFlat(_Faiss):
    name = "faiss_flat"

    def build(self, words: np.ndarray) -> None:
        import faiss

        self.index = faiss.IndexBinaryFlat(256)
        self.index.add(_as_bytes(words))


class FaissMih(_Faiss):
    name = "faiss_mih"

    def build(self, words: np.ndarray) -> None:
        import faiss

        faiss.omp_set_num_threads(1)
        self.index = faiss.IndexBinaryMultiHash(256, 16, 16)
        self.index.nflip = 1
        self.index.add(_as_bytes(words))


def hex_strings(words: np.ndarray) -> list[str]:
    """PDQ hashes as the 64-character hex strings HMA stores and threatexchange takes."""
    raw = _as_bytes(words).tobytes()
    return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]


class ThreatExchange:
    """HMA's matcher: threatexchange's `PDQIndex` (IndexBinaryMultiHash 16 x 16 in an ID
    map, nflip = 31 // 16 = 1), radius fixed at PDQ's confident threshold 31."""

    name = "threatexchange"

    def __init__(self, radius: int, hexes: list[str]) -> None:
        if radius != 31:
            raise ValueError("threatexchange's PDQIndex answers at radius 31 only")
        self.hexes = hexes  # made beforehand: HMA reads them as strings from its database
        self.index: Any = None

    def build(self, words: np.ndarray) -> None:
        from threatexchange.signal_type.pdq.pdq_index import PDQIndex

        self.index = PDQIndex.build((h, row) for row, h in enumerate(self.hexes))

    def query(self, q: np.ndarray) -> Any:
        import faiss

        faiss.omp_set_num_threads(1)
        return self.index.query(_as_bytes(q[None, :]).tobytes().hex())

    def found(self, raw: Any) -> Found:
        return {int(m.metadata): int(m.similarity_info.distance) for m in raw}

    def batch(self, qs: np.ndarray, threads: int) -> Any:
        import faiss

        hexes = hex_strings(qs)
        faiss.omp_set_num_threads(threads)
        try:
            return hexes, self.index.index.search_with_distance_in_result(hexes, 31)
        finally:
            faiss.omp_set_num_threads(1)

    def found_batch(self, raw: Any, count: int) -> list[Found]:
        hexes, by_query = raw
        rows = self.index.local_id_to_entry
        return [{int(rows[i][1]): int(d) for i, _h, d in by_query[h]} for h in hexes]
