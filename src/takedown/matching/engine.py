"""The process's match indexes, kept in step with PostgreSQL by a background thread."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import psycopg

from takedown.matching import sync
from takedown.matching.index import ExactIndex, Matches, PdqIndex, warm_up

log = logging.getLogger(__name__)


class FollowedIndex:
    """PDQ, MD5 and SHA-256 indexes of one table, following its committed changes."""

    def __init__(self, source: sync.Source) -> None:
        self.source = source
        self.pdq = PdqIndex()
        self.exact = {"md5": ExactIndex(16), "sha256": ExactIndex(32)}
        self.snapshot: str | None = None
        self.applied_at = 0.0

    def load(self, conn: psycopg.Connection) -> None:
        self.snapshot, rows = sync.load(conn, self.source)
        self.pdq.build(rows["pdq"].ids, rows["pdq"].values)
        for signal, index in self.exact.items():
            index.build(rows[signal].ids, rows[signal].values)
        self.applied_at = time.monotonic()

    def follow(self, conn: psycopg.Connection) -> int:
        assert self.snapshot is not None
        snapshot, rows = sync.changes(conn, self.source, self.snapshot)
        count = 0
        for signal, change in rows.items():
            count += len(change.ids)
            _apply(self.pdq if signal == "pdq" else self.exact[signal], change)
        self.snapshot = snapshot
        self.applied_at = time.monotonic()
        if self.pdq.needs_compaction:
            self.pdq.compact()
        return count

    def lookup(self, signal: str, digest: bytes) -> np.ndarray:
        return self.exact[signal].lookup(digest)

    def near(self, hashes: np.ndarray, radius: int) -> Matches:
        return self.pdq.query_orientations(hashes, radius)

    def __len__(self) -> int:
        return len(self.pdq) + sum(len(i) for i in self.exact.values())


def _apply(index: PdqIndex | ExactIndex, change: sync.Change) -> None:
    if not len(change.ids):
        return
    index.remove(change.ids)
    if change.live.any():
        index.add(change.ids[change.live], change.values[change.live])


class MatchEngine:
    """Bank and platform-media indexes; `start()` loads them and follows every change."""

    def __init__(self, libpq_url: str, interval_s: float = 0.2) -> None:
        self.url = libpq_url
        self.interval_s = interval_s
        self.banks = FollowedIndex(sync.BANKS)
        self.media = FollowedIndex(sync.MEDIA)
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
        log.info(
            "match index loaded: %d bank hashes, %d media hashes in %.1f s",
            len(self.banks),
            len(self.media),
            time.monotonic() - started,
        )
        self._ready.set()
        self.connected = True
        while not self._stop.is_set():
            self._wake.wait(self.interval_s)
            self._wake.clear()
            self._follow(conn)
