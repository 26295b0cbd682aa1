"""Immutable exact multi-index over 256-bit hashes (the bulk part of `PdqIndex`).

Per chunk, a CSR bucket table: `offsets[c]` (2**bits + 1 uint32) and `positions[c]` (row
numbers sorted by chunk value, uint32). At 10M rows and the default 11 chunks of 21 bits this is
440 MB of positions and 92 MB of offsets beside the 320 MB of hashes.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from takedown.matching import kernels

MAX_BITS = 21  # offsets: 8 MB per chunk
MIN_CHUNKS = 11
POSITIONS_BUDGET = 440_000_000  # bytes: 11 chunks at 10M rows; smaller indexes get more chunks
SCAN_COST = 10  # a scanned row costs about this much less than a candidate (a cache miss)


@dataclass(frozen=True)
class Layout:
    """`chunks` chunks of `bits` bits each, taken from the start of the 256-bit hash."""

    chunks: int
    bits: int

    def __post_init__(self) -> None:
        if not (1 <= self.bits <= 24 and self.chunks >= 1 and self.chunks * self.bits <= 256):
            raise ValueError(f"invalid layout {self}")

    @classmethod
    def for_size(cls, n: int) -> Layout:
        """About 4 rows per bucket (each probe costs about as much as it finds), and as many
        chunks as the memory budget allows (more chunks, smaller flip budgets, fewer probes)."""
        bits = min(MAX_BITS, max(8, round(math.log2(max(n, 1) / 4))))
        affordable = POSITIONS_BUDGET // (4 * max(n, 1))
        return cls(chunks=min(256 // bits, max(MIN_CHUNKS, affordable)), bits=bits)

    def thresholds(self, radius: int) -> np.ndarray:
        """Flip budget per chunk (-1: not probed) with sum(t + 1) = radius + 1 (pigeonhole)."""
        base, extra = divmod(radius + 1, self.chunks)
        t = np.full(self.chunks, base - 1, dtype=np.int64)
        t[:extra] += 1
        return np.minimum(t, self.bits)

    def probes(self, t: int) -> int:
        return sum(math.comb(self.bits, i) for i in range(t + 1))


@functools.lru_cache(maxsize=16)
def probe_masks(bits: int, t: int) -> np.ndarray:
    """All `bits`-bit values with at most `t` bits set, fewest bits first."""
    values = np.arange(1 << bits, dtype=np.int64)
    weight = np.bitwise_count(values)
    masks = values[np.argsort(weight, kind="stable")]
    masks = masks[: int(np.count_nonzero(weight <= t))].copy()
    masks.flags.writeable = False
    return masks


class _Plan(NamedTuple):
    scan: bool
    thresholds: np.ndarray
    nprobes: np.ndarray
    masks: np.ndarray


_NO_MASKS = np.empty(0, dtype=np.int64)

Allocate = Callable[[str, tuple[int, int]], np.ndarray]


def _alloc(name: str, shape: tuple[int, int]) -> np.ndarray:
    return np.empty(shape, dtype=np.uint32)


class MultiIndex:
    """Exact radius search over a fixed array of hashes; rows are positions in `words`."""

    def __init__(self, words: np.ndarray, layout: Layout, offsets, positions) -> None:
        self.words = words
        self.layout = layout
        self.offsets = offsets
        self.positions = positions
        self._plans: dict[int, _Plan] = {}

    @classmethod
    def build(
        cls, words: np.ndarray, layout: Layout | None = None, alloc: Allocate = _alloc
    ) -> MultiIndex:
        """Index `words` (n x 4 uint64, C-contiguous; kept, not copied). `alloc(name, shape)`
        makes the uint32 tables (e.g. in memory-mapped files)."""
        n = words.shape[0]
        if n >= 2**32:
            raise ValueError("at most 2**32 - 1 rows")
        layout = layout or Layout.for_size(n)
        offsets = alloc("offsets", (layout.chunks, (1 << layout.bits) + 1))
        positions = alloc("positions", (layout.chunks, n))

        def sort_chunk(c: int) -> None:
            start = c * layout.bits
            kernels.bucket_sort(words, start, layout.bits, offsets[c], positions[c])

        # The kernel releases the GIL, so chunks are sorted in parallel.
        with ThreadPoolExecutor(max_workers=min(layout.chunks, os.cpu_count() or 1)) as pool:
            list(pool.map(sort_chunk, range(layout.chunks)))
        return cls(words, layout, offsets, positions)

    def __len__(self) -> int:
        return self.words.shape[0]

    @property
    def nbytes(self) -> int:
        return self.words.nbytes + self.offsets.nbytes + self.positions.nbytes

    def _plan(self, radius: int) -> _Plan:
        plan = self._plans.get(radius)
        if plan is None:
            t = self.layout.thresholds(radius)
            nprobes = np.array([self.layout.probes(x) if x >= 0 else 0 for x in t], np.int64)
            candidates = int(nprobes.sum()) * (1 + len(self) / (1 << self.layout.bits))
            scan = candidates * SCAN_COST > len(self)
            masks = _NO_MASKS if scan else probe_masks(self.layout.bits, int(t.max()))
            plan = self._plans[radius] = _Plan(scan, t, nprobes, masks)
        return plan

    def scans(self, radius: int) -> bool:
        """Whether a query at `radius` scans all rows instead of probing buckets."""
        return self._plan(radius).scan

    def query(self, q: np.ndarray, radius: int, dead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, distances) of all rows within `radius` of `q` (4 uint64), minus `dead`."""
        n = len(self)
        if n == 0 or radius < 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32)
        plan = self._plan(radius)
        if plan.scan:
            return kernels.brute_query(self.words, dead, q, radius)
        return kernels.mih_query(
            self.words, self.offsets, self.positions, self.layout.bits, plan.thresholds,
            plan.nprobes, plan.masks, dead, q, radius,
        )  # fmt: skip
