"""In-memory match indexes: exact PDQ radius search (`PdqIndex`) and digest lookup (`ExactIndex`).

`PdqIndex` is an immutable multi-index (see `mih.py`) plus a small brute-forced delta of recent
additions and a sorted array of tombstoned rows. Every change builds a new `_State` and swaps it
in (copy-on-write), so queries never lock and see each change as a whole. `compact()` rebuilds
the multi-index off-lock and replays the changes made meanwhile.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from takedown.matching import kernels
from takedown.matching.mih import Layout, MultiIndex

PDQ_BYTES = 32
DEFAULT_RADIUS = 31
COMPACT_AFTER = 32_768  # delta rows plus tombstones; the delta is scanned on every query
# ExactIndex's dicts cost no query time, and its merge (~0.5-0.9 s at 10M) holds its lock.
EXACT_COMPACT_AFTER = 262_144

_NO_ROWS = np.empty(0, dtype=np.int64)
_NO_WORDS = np.empty((0, 4), dtype=np.uint64)


class Matches(NamedTuple):
    """Entries within the radius, by distance then id."""

    ids: np.ndarray  # int64
    distances: np.ndarray  # int32


def as_words(hashes: np.ndarray | bytes | Iterable[bytes]) -> np.ndarray:
    """PDQ hashes as an (n, 4) uint64 array: from (n, 32) uint8, (n, 4) uint64 or 32-byte strings.

    Any fixed bit order gives the same Hamming distances, so the native word order is used.
    """
    if isinstance(hashes, bytes | bytearray | memoryview):
        hashes = [bytes(hashes)]
    if not isinstance(hashes, np.ndarray):
        hashes = [bytes(h) for h in hashes]
        if any(len(h) != PDQ_BYTES for h in hashes):
            raise ValueError("a PDQ hash is 32 bytes")
        hashes = np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(-1, PDQ_BYTES)
    if hashes.ndim == 1:
        hashes = hashes.reshape(1, -1)
    if hashes.dtype == np.uint64 and hashes.shape[1] == 4:
        return np.ascontiguousarray(hashes)
    if hashes.dtype == np.uint8 and hashes.shape[1] == PDQ_BYTES:
        return np.ascontiguousarray(hashes).view(np.uint64)
    raise ValueError(f"PDQ hashes must be (n, 32) uint8 or (n, 4) uint64, not {hashes.shape}")


def _as_ids(ids: np.ndarray | Iterable[int]) -> np.ndarray:
    return np.array(ids, dtype=np.int64).reshape(-1)  # a copy: changes may be replayed later


def _last_wins(ids: np.ndarray) -> np.ndarray:
    """Indices of the last occurrence of each id, in id order."""
    _, first_in_reversed = np.unique(ids[::-1], return_index=True)
    return ids.shape[0] - 1 - first_in_reversed


def _sorted_matches(ids: np.ndarray, distances: np.ndarray) -> Matches:
    order = np.lexsort((ids, distances))
    return Matches(ids[order], distances[order].astype(np.int32))


@dataclass(frozen=True, slots=True)
class _State:
    main: MultiIndex
    main_ids: np.ndarray  # sorted, aligned with main.words
    dead: np.ndarray  # sorted rows of main that are removed or replaced
    delta_ids: np.ndarray
    delta_words: np.ndarray

    @classmethod
    def of(cls, ids: np.ndarray, words: np.ndarray, layout: Layout | None) -> _State:
        main = MultiIndex.build(words, layout)
        main.scans(DEFAULT_RADIUS)  # prepares the probe plan off-lock, not in a query
        return cls(main, ids, _NO_ROWS, _NO_ROWS, _NO_WORDS)

    def __len__(self) -> int:
        return len(self.main) - self.dead.shape[0] + self.delta_ids.shape[0]

    def main_rows(self, ids: np.ndarray) -> np.ndarray:
        """Live rows of main holding any of `ids`."""
        at = np.minimum(np.searchsorted(self.main_ids, ids), max(len(self.main) - 1, 0))
        found = self.main_ids[at] == ids if len(self.main) else np.zeros(ids.shape, bool)
        return np.setdiff1d(at[found], self.dead)

    def without(self, ids: np.ndarray) -> _State:
        rows = self.main_rows(ids)
        keep = ~np.isin(self.delta_ids, ids)
        return _State(
            self.main, self.main_ids, np.union1d(self.dead, rows),
            self.delta_ids[keep], self.delta_words[keep],
        )  # fmt: skip

    def with_added(self, ids: np.ndarray, words: np.ndarray) -> _State:
        pick = _last_wins(ids)
        base = self.without(ids)
        return _State(
            base.main, base.main_ids, base.dead,
            np.concatenate([base.delta_ids, ids[pick]]),
            np.concatenate([base.delta_words, words[pick]]),
        )  # fmt: skip

    def live(self) -> tuple[np.ndarray, np.ndarray]:
        """All live (ids, words), sorted by id."""
        alive = np.ones(len(self.main), dtype=bool)
        alive[self.dead] = False
        ids, words = self.main_ids[alive], self.main.words[alive]
        order = np.argsort(self.delta_ids)
        at = np.searchsorted(ids, self.delta_ids[order])
        ids = np.insert(ids, at, self.delta_ids[order])
        words = np.insert(words, at, self.delta_words[order], axis=0)
        return ids, np.ascontiguousarray(words)

    def query(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
        rows, dist = self.main.query(q, radius, self.dead)
        ids = self.main_ids[rows]
        if self.delta_ids.shape[0]:
            drows, ddist = kernels.brute_query(self.delta_words, _NO_ROWS, q, radius)
            ids = np.concatenate([ids, self.delta_ids[drows]])
            dist = np.concatenate([dist, ddist])
        return ids, dist


class PdqIndex:
    """Exact Hamming radius search over PDQ hashes keyed by int64 ids; thread-safe.

    Queries may run from any number of threads, concurrently with one another and with
    `add`, `remove`, `build` and `compact`, which are serialized among themselves.
    """

    def __init__(self, layout: Layout | None = None, compact_after: int = COMPACT_AFTER) -> None:
        self._layout = layout
        self._compact_after = compact_after
        self._lock = threading.Lock()  # writers
        self._rebuild_lock = threading.Lock()  # one build or compaction at a time
        self._log: list[Callable[[_State], _State]] | None = None
        self._state = _State.of(_NO_ROWS, _NO_WORDS, layout)

    def __len__(self) -> int:
        return len(self._state)

    @property
    def index_bytes(self) -> int:
        s = self._state
        arrays = (s.main_ids, s.dead, s.delta_ids, s.delta_words)
        return s.main.nbytes + sum(a.nbytes for a in arrays)

    @property
    def layout(self) -> Layout:
        return self._state.main.layout

    @property
    def needs_compaction(self) -> bool:
        return self.changed_since_build > self._compact_after

    def build(self, ids: np.ndarray | Iterable[int], hashes: np.ndarray) -> None:
        """Replace the whole content (and any change made meanwhile) with these entries."""
        ids, words = _as_ids(ids), as_words(hashes)
        if ids.shape[0] != words.shape[0]:
            raise ValueError("ids and hashes differ in length")
        if np.all(ids[1:] > ids[:-1]):
            ids, words = ids.copy(), words.copy()
        else:
            order = np.argsort(ids, kind="stable")
            ids, words = ids[order], words[order]
            if np.any(ids[1:] == ids[:-1]):
                raise ValueError("duplicate ids")
        with self._rebuild_lock:
            state = _State.of(ids, words, self._layout)
            with self._lock:
                self._state = state

    def attach(self, ids: np.ndarray, main: MultiIndex) -> None:
        """Replace the whole content with a prebuilt multi-index (e.g. memory-mapped files)
        whose rows hold `ids` (sorted, unique); nothing is copied."""
        main.scans(DEFAULT_RADIUS)
        with self._rebuild_lock, self._lock:
            self._state = _State(main, ids, _NO_ROWS, _NO_ROWS, _NO_WORDS)

    def live(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live (id, hash), sorted by id: (n,) int64 and (n, 4) uint64, copies."""
        return self._state.live()

    @property
    def changed_since_build(self) -> int:
        """Rows added or removed since the multi-index was built (the brute-forced part)."""
        s = self._state
        return s.dead.shape[0] + s.delta_ids.shape[0]

    def add(self, ids: np.ndarray | Iterable[int], hashes: np.ndarray) -> None:
        """Insert or replace entries (for an id given twice, the last hash wins)."""
        ids, words = _as_ids(ids), as_words(hashes).copy()
        if ids.shape[0] != words.shape[0]:
            raise ValueError("ids and hashes differ in length")
        self._apply(lambda s: s.with_added(ids, words))

    def remove(self, ids: np.ndarray | Iterable[int]) -> int:
        """Remove entries (unknown ids are ignored); returns how many were present."""
        ids = _as_ids(ids)
        with self._lock:
            before = len(self._state)
            self._apply_locked(lambda s: s.without(ids))
            return before - len(self._state)

    def query(self, hash: np.ndarray | bytes, radius: int = DEFAULT_RADIUS) -> Matches:
        """Every entry within Hamming distance `radius` (inclusive) of one hash."""
        q = as_words(hash)
        if q.shape[0] != 1:
            raise ValueError("query takes one hash; see query_orientations")
        return _sorted_matches(*self._state.query(q[0], radius))

    def query_many(
        self, hashes: np.ndarray, radius: int = DEFAULT_RADIUS, threads: int | None = None
    ) -> list[Matches]:
        """One `Matches` per hash, on `threads` threads (default: every core; the kernels
        release the GIL), all against the same state."""
        state, qs = self._state, as_words(hashes)
        threads = max(1, min(threads or os.cpu_count() or 1, qs.shape[0]))

        def part(k: int) -> list[Matches]:
            return [_sorted_matches(*state.query(q, radius)) for q in qs[k::threads]]

        if threads == 1:
            return part(0)
        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = list(pool.map(part, range(threads)))
        out: list[Matches] = [None] * qs.shape[0]  # type: ignore[list-item]
        for k, found in enumerate(parts):
            out[k::threads] = found
        return out

    def query_orientations(self, hashes: np.ndarray, radius: int = DEFAULT_RADIUS) -> Matches:
        """Entries within `radius` of any of several hashes (e.g. the 8 dihedral orientations
        of an image), each with its smallest distance."""
        state = self._state
        found = [state.query(q, radius) for q in as_words(hashes)]
        ids = np.concatenate([f[0] for f in found])
        dist = np.concatenate([f[1] for f in found])
        return _sorted_matches(*kernels.min_per_key(ids, dist))

    def compact(self) -> None:
        """Fold the delta and tombstones into a rebuilt multi-index without blocking writers."""
        with self._rebuild_lock:
            with self._lock:
                snapshot, self._log = self._state, []
            try:
                state = _State.of(*snapshot.live(), self._layout)
            except BaseException:
                with self._lock:
                    self._log = None
                raise
            with self._lock:
                for change in self._log:
                    state = change(state)
                self._state, self._log = state, None

    def _apply(self, change: Callable[[_State], _State]) -> None:
        with self._lock:
            self._apply_locked(change)

    def _apply_locked(self, change: Callable[[_State], _State]) -> None:
        self._state = change(self._state)
        if self._log is not None:
            self._log.append(change)


def warm_up() -> None:
    """Load every kernel (compiled once into numba's cache) so a first query is not slow."""
    rng = np.random.default_rng(0)
    words = rng.integers(0, 2**63, size=(4096, 4), dtype=np.uint64)
    index = PdqIndex()
    index.build(np.arange(4096), words)
    index.add([5000], words[:1])
    index.query(words[0], 8)
    index.query(words[0], 100)
    index.query_orientations(words[:8])
    # Mapped generations (shared.py) are read-only arrays: numba compiles those apart.
    main = MultiIndex.build(words)
    frozen = [_read_only(a) for a in (main.words, main.offsets, main.positions)]
    shared = PdqIndex()
    shared.attach(np.arange(4096), MultiIndex(frozen[0], main.layout, *frozen[1:]))
    shared.add([5000], words[:1])
    shared.query(_read_only(words[0]), 8)
    shared.query(words[0], 100)
    shared.query_orientations(words[:8])


def _read_only(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view


def _digest_order(keys: np.ndarray) -> np.ndarray:
    """argsort of fixed-size byte strings: a radix sort on the first 8 bytes, then a full
    comparison sort only if equal prefixes left some pair out of order."""
    if keys.dtype.itemsize < 8 or keys.shape[0] == 0:
        return np.argsort(keys, kind="stable")
    raw = keys.view(np.uint8).reshape(keys.shape[0], -1)
    prefix = np.ascontiguousarray(raw[:, :8]).view(">u8").reshape(-1).astype(np.uint64)
    order = np.argsort(prefix, kind="stable")
    ordered = keys[order]
    if np.any(ordered[1:] < ordered[:-1]):
        order = np.argsort(keys, kind="stable")
    return order


class ExactIndex:
    """Exact lookup of fixed-size digests (MD5: 16 bytes, SHA-256: 32) keyed by int64 ids.

    Sorted arrays for the bulk plus dicts for recent changes; one lock (lookups are cheap).
    """

    def __init__(self, digest_size: int, compact_after: int = EXACT_COMPACT_AFTER) -> None:
        self.digest_size = digest_size
        self._dtype = np.dtype(f"S{digest_size}")
        self._compact_after = compact_after
        self._lock = threading.Lock()
        self._keys = np.empty(0, dtype=self._dtype)  # sorted digests
        self._ids = _NO_ROWS  # aligned with _keys
        self._sorted_ids = _NO_ROWS
        self._dead: set[int] = set()  # live ids of the arrays that were removed or replaced
        self._delta: dict[int, bytes] = {}
        self._delta_by_digest: dict[bytes, set[int]] = {}

    def __len__(self) -> int:
        return self._ids.shape[0] - len(self._dead) + len(self._delta)

    @property
    def index_bytes(self) -> int:
        return self._keys.nbytes + self._ids.nbytes + self._sorted_ids.nbytes

    def _digests(self, digests: np.ndarray | Iterable[bytes]) -> list[bytes]:
        if isinstance(digests, np.ndarray):
            digests = [row.tobytes() for row in digests.reshape(-1, self.digest_size)]
        digests = [bytes(d) for d in digests]
        if any(len(d) != self.digest_size for d in digests):
            raise ValueError(f"digests must be {self.digest_size} bytes")
        return digests

    def build(self, ids: np.ndarray | Iterable[int], digests: np.ndarray | Iterable[bytes]) -> None:
        """Replace the whole content with these entries."""
        if isinstance(digests, np.ndarray) and digests.dtype == np.uint8:
            raw = np.ascontiguousarray(digests).reshape(-1, self.digest_size)
            keys = raw.view(self._dtype).reshape(-1)  # no per-row Python objects
        else:
            keys = np.array(self._digests(digests), dtype=self._dtype)
        ids = _as_ids(ids)
        if ids.shape[0] != keys.shape[0]:
            raise ValueError("ids and digests differ in length")
        sorted_ids = np.sort(ids)
        if np.any(sorted_ids[1:] == sorted_ids[:-1]):
            raise ValueError("duplicate ids")
        order = _digest_order(keys)
        with self._lock:
            self._keys, self._ids, self._sorted_ids = keys[order], ids[order], sorted_ids
            self._dead, self._delta, self._delta_by_digest = set(), {}, {}

    def add(self, ids: np.ndarray | Iterable[int], digests: np.ndarray | Iterable[bytes]) -> None:
        """Insert or replace entries."""
        ids, keys = _as_ids(ids), self._digests(digests)
        if ids.shape[0] != len(keys):
            raise ValueError("ids and digests differ in length")
        with self._lock:
            for i, key in zip(ids.tolist(), keys, strict=True):
                self._remove_one(i)
                self._delta[i] = key
                self._delta_by_digest.setdefault(key, set()).add(i)
            self._maybe_compact()

    def remove(self, ids: np.ndarray | Iterable[int]) -> int:
        """Remove entries (unknown ids are ignored); returns how many were present."""
        with self._lock:
            removed = sum(self._remove_one(i) for i in _as_ids(ids).tolist())
            self._maybe_compact()
            return removed

    def lookup(self, digest: bytes) -> np.ndarray:
        """Sorted ids of the entries with this digest."""
        (key,) = self._digests([digest])
        with self._lock:
            lo = int(np.searchsorted(self._keys, key, side="left"))
            hi = int(np.searchsorted(self._keys, key, side="right"))
            found = [i for i in self._ids[lo:hi].tolist() if i not in self._dead]
            found.extend(self._delta_by_digest.get(key, ()))
        return np.array(sorted(found), dtype=np.int64)

    def _in_arrays(self, i: int) -> bool:
        at = int(np.searchsorted(self._sorted_ids, i))
        return at < self._sorted_ids.shape[0] and int(self._sorted_ids[at]) == i

    def _remove_one(self, i: int) -> bool:
        key = self._delta.pop(i, None)
        if key is not None:
            self._delta_by_digest[key].discard(i)
            if not self._delta_by_digest[key]:
                del self._delta_by_digest[key]
        elif i not in self._dead and self._in_arrays(i):
            self._dead.add(i)
        else:
            return False
        return True

    def _maybe_compact(self) -> None:
        """Merge the dicts into the arrays: one pass over them, no full sort."""
        if len(self._dead) + len(self._delta) <= self._compact_after:
            return
        keep = ~np.isin(self._ids, np.fromiter(self._dead, np.int64, len(self._dead)))
        keys, ids = self._keys[keep], self._ids[keep]
        new_ids = np.fromiter(self._delta.keys(), np.int64, len(self._delta))
        new_keys = np.array(list(self._delta.values()), dtype=self._dtype)
        order = np.argsort(new_keys, kind="stable")
        at = np.searchsorted(keys, new_keys[order])
        self._keys = np.insert(keys, at, new_keys[order])
        self._ids = np.insert(ids, at, new_ids[order])
        self._sorted_ids = np.sort(self._ids)
        self._dead, self._delta, self._delta_by_digest = set(), {}, {}
