"""The process's match indexes, kept in step with PostgreSQL by a background thread."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import numpy as np
import psycopg

from takedown.config import Settings
from takedown.jobs import Runtime
from takedown.matching import shared, sync
from takedown.matching.index import (
    COMPACT_AFTER,
    ExactIndex,
    Matches,
    PdqIndex,
    as_words,
    warm_up,
)

log = logging.getLogger(__name__)


EXACT = ("md5", "sha256")
PUBLISH_RETRY_S = 60.0  # after a failed write of the next generation


class FollowedIndex:
    """PDQ, MD5 and SHA-256 indexes of one table, following its committed changes.

    With `shared_root`, the PDQ multi-index lives in memory-mapped files under it, one copy
    per machine for every process (see `shared.py`); this process keeps only the rows
    changed since that copy's snapshot. Without it (or if the files cannot be written), the
    index is private to the process.
    """

    def __init__(
        self,
        source: sync.Source,
        shared_root: Path | None = None,
        compact_after: int = COMPACT_AFTER,
    ) -> None:
        self.source = source
        self.compact_after = compact_after
        self.pdq = PdqIndex(compact_after=compact_after)
        self.exact = {"md5": ExactIndex(16), "sha256": ExactIndex(32)}
        self.snapshot: str | None = None
        self.applied_at = 0.0
        self.shared_root = shared_root
        self.store: shared.SharedDir | None = None
        self.generation: shared.Generation | None = None
        self.shared_error: str | None = None
        self._publish_after = 0.0

    def load(self, conn: psycopg.Connection) -> None:
        if self.shared_root is not None:
            try:
                root = self.shared_root / shared.database_key(conn) / self.source.name
                self.store = shared.SharedDir(root)
                self._load_shared(conn)
                return
            except OSError as exc:  # unwritable or full disk: a private copy still works
                log.warning("shared match index unavailable (%s); using a private one", exc)
                self.store, self.shared_error = None, f"{type(exc).__name__}: {exc}"
        self._load_private(conn)

    def _load_private(self, conn: psycopg.Connection) -> None:
        self.snapshot, rows = sync.load(conn, self.source)
        self.pdq.build(rows["pdq"].ids, rows["pdq"].values)
        for signal, index in self.exact.items():
            index.build(rows[signal].ids, rows[signal].values)
        self.applied_at = time.monotonic()

    def _load_shared(self, conn: psycopg.Connection) -> None:
        """Map the machine's current generation, or build it from PostgreSQL if none (one
        process builds while the others wait for it), then catch up from its snapshot."""
        assert self.store is not None
        with self.store.lock():
            generation = self.store.open_current()
            if generation is None:
                snapshot, rows = sync.load(conn, self.source)
                ids, words = _sorted(rows["pdq"])
                generation = self.store.open(self.store.publish(ids, words, snapshot))
                assert generation is not None
                del ids, words
                self._attach(generation)
                for signal in EXACT:
                    self.exact[signal].build(rows[signal].ids, rows[signal].values)
                self.snapshot, self.applied_at = snapshot, time.monotonic()
                return
        self._switch(conn, generation, load_exact=True)

    def _attach(self, generation: shared.Generation) -> PdqIndex:
        pdq = PdqIndex(compact_after=self.compact_after)
        pdq.attach(generation.ids, generation.main)
        self.pdq, self.generation = pdq, generation
        return pdq

    def _switch(
        self, conn: psycopg.Connection, generation: shared.Generation, load_exact: bool
    ) -> int:
        """Move to `generation`, plus what committed since its snapshot, in one snapshot."""
        follows = {"pdq": generation.snapshot}
        if not load_exact:
            assert self.snapshot is not None
            follows.update(dict.fromkeys(EXACT, self.snapshot))
        snapshot, rows = sync.read(conn, self.source, EXACT if load_exact else (), follows)
        pdq = PdqIndex(compact_after=self.compact_after)
        pdq.attach(generation.ids, generation.main)
        _apply(pdq, rows["pdq"])
        for signal in EXACT:
            if load_exact:
                self.exact[signal].build(rows[signal].ids, rows[signal].values)
            else:
                _apply(self.exact[signal], rows[signal])
        self.pdq, self.generation = pdq, generation
        self.snapshot, self.applied_at = snapshot, time.monotonic()
        return sum(len(c.ids) for c in rows.values())

    def follow(self, conn: psycopg.Connection) -> int:
        assert self.snapshot is not None
        newer = self._newer_generation()
        if newer is not None:
            return self._switch(conn, newer, load_exact=False)
        snapshot, rows = sync.changes(conn, self.source, self.snapshot)
        count = 0
        for signal, change in rows.items():
            count += len(change.ids)
            _apply(self.pdq if signal == "pdq" else self.exact[signal], change)
        self.snapshot = snapshot
        self.applied_at = time.monotonic()
        if self.pdq.needs_compaction:
            self._compact()
        return count

    def _newer_generation(self) -> shared.Generation | None:
        if self.store is None or self.generation is None:
            return None
        number = self.store.current()
        if number is None or number <= self.generation.number:
            return None
        return self.store.open(number)

    def _compact(self) -> None:
        """Fold the changes into the multi-index: in memory, or (shared) as the machine's
        next generation, written by whichever process gets there first."""
        if self.store is None:
            self.pdq.compact()
            return
        assert self.generation is not None and self.snapshot is not None
        if time.monotonic() < self._publish_after:
            return
        with self.store.lock(blocking=False) as mine:
            if not mine or (self.store.current() or 0) > self.generation.number:
                return  # another process publishes; this one switches on a later cycle
            ids, words = self.pdq.live()
            try:
                generation = self.store.open(self.store.publish(ids, words, self.snapshot))
            except OSError as exc:  # a full disk: keep following with the delta, retry later
                log.warning("could not write the next shared index generation: %s", exc)
                self.shared_error = f"{type(exc).__name__}: {exc}"
                self._publish_after = time.monotonic() + PUBLISH_RETRY_S
                return
        self.shared_error = None
        if generation is not None:
            self._attach(generation)

    def describe(self) -> str:
        """Where the PDQ index lives, for /readyz."""
        if self.generation is not None:
            problem = f"; next generation not written: {self.shared_error}"
            return (
                f"shared generation {self.generation.number} "
                f"({len(self.generation.ids):,} hashes mapped, "
                f"{self.pdq.changed_since_build:,} changed since)"
                f"{problem if self.shared_error else ''}"
            )
        if self.shared_error:
            return f"private copy (shared index unavailable: {self.shared_error})"
        return "private copy"

    def lookup(self, signal: str, digest: bytes) -> np.ndarray:
        return self.exact[signal].lookup(digest)

    def near(self, hashes: np.ndarray, radius: int) -> Matches:
        return self.pdq.query_orientations(hashes, radius)

    def __len__(self) -> int:
        return len(self.pdq) + sum(len(i) for i in self.exact.values())


def _sorted(change: sync.Change) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(change.ids, kind="stable")
    return change.ids[order], as_words(change.values)[order]


def _apply(index: PdqIndex | ExactIndex, change: sync.Change) -> None:
    if not len(change.ids):
        return
    index.remove(change.ids)
    if change.live.any():
        index.add(change.ids[change.live], change.values[change.live])


class MatchEngine:
    """Bank and platform-media indexes; `start()` loads them and follows every change."""

    def __init__(
        self, libpq_url: str, interval_s: float = 0.2, shared_root: Path | None = None
    ) -> None:
        self.url = libpq_url
        self.interval_s = interval_s
        self.banks = FollowedIndex(sync.BANKS, shared_root)
        self.media = FollowedIndex(sync.MEDIA, shared_root)
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._cycle = threading.Condition()
        self._started = 0
        self._completed = 0
        self._wake = threading.Event()
        self.error: BaseException | None = None
        self.connected = False
        self.last_cycle_at = 0.0  # time.time() of the last completed follow cycle
        self.load_s = 0.0

    @classmethod
    def for_settings(cls, libpq_url: str, settings: Settings) -> MatchEngine:
        """The engine a serve or worker process runs: shared per machine unless turned off."""
        root = settings.data_dir / "index" if settings.shared_index else None
        return cls(libpq_url, shared_root=root)

    def describe(self) -> str:
        return f"banks: {self.banks.describe()}; media: {self.media.describe()}"

    def start(self) -> MatchEngine:
        self._thread = threading.Thread(target=self._run, name="match-sync", daemon=True)
        self._thread.start()
        return self

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float = 300.0) -> None:
        if not self._ready.wait(timeout):
            raise RuntimeError(f"match index not loaded: {self.error!r}")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def sync_now(self, timeout: float = 10.0) -> None:
        """Return once a follow cycle that started after this call has finished, so what
        the caller committed before calling is in the index."""
        if not self._ready.is_set() or not self.connected:
            return  # nothing to wait for: the database is away, and the caller will see it
        with self._cycle:
            target = self._started + 1
            self._wake.set()
            self._cycle.wait_for(lambda: self._completed >= target, timeout)

    def _follow(self, conn: psycopg.Connection) -> None:
        with self._cycle:
            self._started += 1
            number = self._started
        with self._lock:
            for index in (self.banks, self.media):
                index.follow(conn)
        with self._cycle:
            self._completed = number
            self.last_cycle_at = time.time()
            self._cycle.notify_all()

    def _run(self) -> None:
        warm_up()
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    self._load_and_follow(conn)
            except psycopg.Error as exc:
                self.error = exc
                self.connected = False
                with self._cycle:  # release anyone waiting for a cycle that cannot come
                    self._completed = self._started
                    self._cycle.notify_all()
                log.warning("match index sync lost its connection (%s); retrying", exc)
                self._stop.wait(1.0)

    def _load_and_follow(self, conn: psycopg.Connection) -> None:
        started = time.monotonic()
        with self._lock:
            for index in (self.banks, self.media):
                if index.snapshot is None:
                    index.load(conn)
        self.load_s = time.monotonic() - started
        self.last_cycle_at = time.time()  # the load read the database as of now
        log.info(
            "match index loaded: %d bank hashes, %d media hashes in %.1f s (%s)",
            len(self.banks),
            len(self.media),
            self.load_s,
            self.describe(),
        )
        self._ready.set()
        self.connected = True
        while not self._stop.is_set():
            self._wake.wait(self.interval_s)
            self._wake.clear()
            self._follow(conn)


def engine_of(rt: Runtime) -> MatchEngine:
    """The running job's match index: the server's, or one started for this worker."""
    if not isinstance(rt.engine, MatchEngine):
        rt.engine = MatchEngine.for_settings(rt.db.libpq_url(), rt.settings).start()
        rt.engine.wait_ready()
    return rt.engine
