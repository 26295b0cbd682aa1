"""One PDQ index per machine: the multi-index in memory-mapped files every process maps.

A directory per database and table followed holds numbered generations, each a complete
multi-index of the live PDQ rows at one PostgreSQL snapshot:

    gen-7/meta.json      format, snapshot, layout, row count
    gen-7/ids.npy        int64, sorted            (the ids of the rows below)
    gen-7/words.npy      uint64 (n, 4)            (the hashes)
    gen-7/offsets.npy    uint32 (chunks, 2**bits + 1)
    gen-7/positions.npy  uint32 (chunks, n)
    CURRENT              "7"
    lock                 flock: one builder at a time

The first process to start builds a generation from PostgreSQL straight into these files
(page cache, not private memory) and publishes it with an atomic rename; every other process
maps it read-only, so the machine holds one copy whatever the number of processes. Each
process follows what committed after the generation's snapshot itself (a small private
delta); when the delta grows past the compaction threshold, one process writes the next
generation from its state and the others switch to it. Files are fsynced before they are
published; an unfinished generation (a crash mid-build) is never named by CURRENT and is
removed by the next builder.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg

from takedown.matching.mih import Layout, MultiIndex

FORMAT = 1
CURRENT = "CURRENT"


@dataclass(frozen=True)
class Generation:
    number: int
    snapshot: str
    ids: np.ndarray  # sorted, read-only, mapped
    main: MultiIndex  # its arrays mapped read-only

    @property
    def mapped_bytes(self) -> int:
        return self.ids.nbytes + self.main.nbytes


def database_key(conn: psycopg.Connection) -> str:
    """Names the database an index belongs to: the cluster's system identifier (where this
    role may read it), the database's oid and name. A recreated database gets a new key."""
    row = conn.execute(
        "SELECT d.oid, d.datname FROM pg_database d WHERE d.datname = current_database()"
    ).fetchone()
    assert row is not None
    try:
        with conn.transaction():
            system = conn.execute("SELECT system_identifier FROM pg_control_system()").fetchone()
    except psycopg.Error:
        system = None
    cluster = str(system[0]) if system else "cluster"
    return f"{cluster}-{row[0]}-{row[1]}"


class SharedDir:
    """The generations of one followed table's PDQ index, on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    @contextmanager
    def lock(self, blocking: bool = True) -> Iterator[bool]:
        """Exclusive across processes; yields False at once if taken and not `blocking`."""
        fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # releases the lock

    def current(self) -> int | None:
        try:
            return int((self.root / CURRENT).read_text().strip())
        except (OSError, ValueError):
            return None

    def open(self, number: int) -> Generation | None:
        """Map a generation read-only; None if it is missing or not whole."""
        path = self.root / f"gen-{number}"
        try:
            meta = json.loads((path / "meta.json").read_text())
            if meta["format"] != FORMAT:
                return None
            arrays = {name: _map(path / f"{name}.npy") for name in _ARRAYS}
        except (OSError, ValueError, KeyError):
            return None
        layout = Layout(*meta["layout"])
        n = meta["rows"]
        ids, words = arrays["ids"], arrays["words"]
        offsets, positions = arrays["offsets"], arrays["positions"]
        if (
            ids.shape != (n,)
            or words.shape != (n, 4)
            or offsets.shape != (layout.chunks, (1 << layout.bits) + 1)
            or positions.shape != (layout.chunks, n)
        ):
            return None
        main = MultiIndex(words, layout, offsets, positions)
        return Generation(number, meta["snapshot"], ids, main)

    def open_current(self) -> Generation | None:
        number = self.current()
        return None if number is None else self.open(number)

    def publish(self, ids: np.ndarray, words: np.ndarray, snapshot: str) -> int:
        """Write the next generation (ids sorted, unique; words aligned) and name it CURRENT.
        The caller holds `lock()`."""
        self._remove_unfinished()
        number = (self.current() or 0) + 1
        tmp = self.root / f".gen-{number}-{os.getpid()}"
        try:
            self._write(tmp, ids, words, snapshot)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)  # no half-written generation stays behind
            raise
        os.rename(tmp, self.root / f"gen-{number}")
        _write_synced(self.root / f".{CURRENT}.tmp", str(number))
        os.rename(self.root / f".{CURRENT}.tmp", self.root / CURRENT)
        _fsync_dir(self.root)
        self._remove_older_than(number - 1)
        return number

    def _write(self, tmp: Path, ids: np.ndarray, words: np.ndarray, snapshot: str) -> None:
        tmp.mkdir(mode=0o700)
        arrays = _Writer(tmp)
        arrays.new("ids", ids.shape, np.int64)[:] = ids
        mapped_words = arrays.new("words", words.shape, np.uint64)
        mapped_words[:] = words
        main = MultiIndex.build(mapped_words, alloc=lambda name, shape: arrays.new(
            name, shape, np.uint32))  # fmt: skip
        arrays.close()
        meta = {"format": FORMAT, "snapshot": snapshot, "rows": int(ids.shape[0]),
                "layout": [main.layout.chunks, main.layout.bits]}  # fmt: skip
        _write_synced(tmp / "meta.json", json.dumps(meta))
        _fsync_dir(tmp)

    def _remove_unfinished(self) -> None:
        for path in self.root.glob(".gen-*"):
            shutil.rmtree(path, ignore_errors=True)

    def _remove_older_than(self, keep_from: int) -> None:
        """Old generations go (a process still mapping one keeps it until it switches)."""
        for path in self.root.glob("gen-*"):
            try:
                number = int(path.name.removeprefix("gen-"))
            except ValueError:
                continue
            if number < keep_from:
                shutil.rmtree(path, ignore_errors=True)


_ARRAYS = ("ids", "words", "offsets", "positions")


def _map(path: Path) -> np.ndarray:
    return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))


class _Writer:
    """Arrays created as memory-mapped .npy files, flushed and fsynced on close."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: list[tuple[Path, np.memmap]] = []

    def new(self, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        """A .npy file with every block allocated up front: a full disk fails here with
        ENOSPC, not later as SIGBUS on a write to the mapping."""
        path = self.root / f"{name}.npy"
        dt = np.dtype(dtype)
        header = {"descr": np.lib.format.dtype_to_descr(dt), "fortran_order": False,
                  "shape": shape}  # fmt: skip
        with open(path, "wb") as f:
            np.lib.format.write_array_header_1_0(f, header)
            offset = f.tell()
            size = offset + dt.itemsize * int(np.prod(shape))
            os.posix_fallocate(f.fileno(), 0, size)
        mm = np.memmap(path, dtype=dt, mode="r+", offset=offset, shape=shape)
        self.made.append((path, mm))
        return np.asarray(mm)  # a plain view (what the kernels take) of the same pages

    def close(self) -> None:
        for path, mm in self.made:
            mm.flush()
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        self.made.clear()


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
