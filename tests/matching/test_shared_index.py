"""One PDQ index per machine: memory-mapped generations built once, mapped by every process,
followed from their snapshot, replaced by the next generation when the changes pile up."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import psycopg
import pytest
from tests.e2e.helpers import uid

from takedown import matching
from takedown.matching import shared, sync
from takedown.matching.engine import FollowedIndex, MatchEngine


def _libpq(settings) -> str:
    return settings.database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def _hashes(seed: int | None, n: int) -> np.ndarray:
    """Random hashes; seeded only where two calls must agree (tests share one database)."""
    return np.random.default_rng(seed).integers(0, 256, size=(n, 32), dtype=np.uint8)


def _insert(conn: psycopg.Connection, bank_id: int, signal: str, value: bytes) -> int:
    row = conn.execute(
        "INSERT INTO bank_entries (bank_id, signal, value, enabled, created_at) "
        "VALUES (%s, %s, %s, true, now()) RETURNING id",
        (bank_id, signal, value),
    ).fetchone()
    return row[0]


def _found(index: FollowedIndex, value: np.ndarray) -> bool:
    return len(index.near(value[None, :], 0).ids) > 0


@pytest.fixture
def bank(settings, db):
    with db.session() as session:
        bank_id = matching.create_bank(session, uid("shared"), "block").id
    with psycopg.connect(_libpq(settings), autocommit=True) as conn:
        hashes = _hashes(None, 50)
        ids = [_insert(conn, bank_id, "pdq", h.tobytes()) for h in hashes]
    return bank_id, hashes, ids


def test_second_follower_maps_the_first_ones_generation(settings, bank, tmp_path):
    _, hashes, _ = bank
    with psycopg.connect(_libpq(settings), autocommit=True) as conn:
        first = FollowedIndex(sync.BANKS, tmp_path)
        first.load(conn)
        store = first.store
        assert store is not None and store.current() == 1
        second = FollowedIndex(sync.BANKS, tmp_path)
        second.load(conn)
    assert store.current() == 1  # mapped, not rebuilt
    assert second.generation is not None and second.generation.number == 1
    assert not second.generation.main.words.flags.writeable  # a read-only mapping
    assert all(_found(second, h) for h in hashes)
    assert "shared generation 1" in second.describe()


def test_a_late_follower_catches_up_from_the_generation_snapshot(settings, bank, tmp_path):
    bank_id, hashes, ids = bank
    with psycopg.connect(_libpq(settings), autocommit=True) as conn:
        first = FollowedIndex(sync.BANKS, tmp_path)
        first.load(conn)
        added = _hashes(None, 1)[0]
        _insert(conn, bank_id, "pdq", added.tobytes())
        digest = os.urandom(16)
        _insert(conn, bank_id, "md5", digest)
        conn.execute("UPDATE bank_entries SET enabled = false WHERE id = %s", (ids[0],))
        late = FollowedIndex(sync.BANKS, tmp_path)
        late.load(conn)  # generation 1 plus what committed since its snapshot
        assert _found(late, added) and not _found(late, hashes[0]) and _found(late, hashes[1])
        assert len(late.lookup("md5", digest)) == 1
        first.follow(conn)
        assert _found(first, added) and not _found(first, hashes[0])


def test_compaction_publishes_the_next_generation_and_others_switch(settings, bank, tmp_path):
    bank_id, hashes, ids = bank
    with psycopg.connect(_libpq(settings), autocommit=True) as conn:
        a = FollowedIndex(sync.BANKS, tmp_path, compact_after=3)
        b = FollowedIndex(sync.BANKS, tmp_path, compact_after=3)
        a.load(conn)
        b.load(conn)
        more = _hashes(None, 5)
        for h in more:
            _insert(conn, bank_id, "pdq", h.tobytes())
        conn.execute("UPDATE bank_entries SET enabled = false WHERE id = %s", (ids[1],))
        a.follow(conn)  # past the threshold: a writes generation 2 and maps it
        assert a.store is not None and a.store.current() == 2
        assert a.generation is not None and a.generation.number == 2
        assert a.pdq.changed_since_build == 0
        b.follow(conn)  # sees generation 2 and switches to it
        assert b.generation is not None and b.generation.number == 2
        for index in (a, b):
            assert all(_found(index, h) for h in more)
            assert not _found(index, hashes[1]) and _found(index, hashes[2])


def test_an_unfinished_generation_is_never_named_and_is_swept(settings, bank, tmp_path):
    with psycopg.connect(_libpq(settings), autocommit=True) as conn:
        root = tmp_path / shared.database_key(conn) / "banks"
        root.mkdir(parents=True)
        (root / ".gen-1-999").mkdir()  # a builder that crashed half way
        (root / ".gen-1-999" / "ids.npy").write_bytes(b"torn")
        index = FollowedIndex(sync.BANKS, tmp_path)
        index.load(conn)
    assert index.generation is not None and index.generation.number == 1
    assert not (root / ".gen-1-999").exists()
    assert shared.SharedDir(root).open(7) is None  # a missing generation is not mapped


def test_a_torn_generation_is_refused(tmp_path):
    store = shared.SharedDir(tmp_path)
    ids = np.arange(10, dtype=np.int64)
    with store.lock():
        number = store.publish(ids, _hashes(3, 10).view(np.uint64), "1:1:")
    assert store.open(number) is not None
    path = tmp_path / f"gen-{number}" / "positions.npy"
    path.write_bytes(path.read_bytes()[:-8])  # truncated
    assert store.open(number) is None


def test_unwritable_directory_falls_back_to_a_private_index(settings, bank, tmp_path):
    _, hashes, _ = bank
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with psycopg.connect(_libpq(settings), autocommit=True) as conn:
        index = FollowedIndex(sync.BANKS, blocker)
        index.load(conn)
    assert index.generation is None and index.store is None
    assert "private copy (shared index unavailable" in index.describe()
    assert all(_found(index, h) for h in hashes)


CHILD = """
import json, sys
from pathlib import Path
from takedown.matching.engine import MatchEngine
engine = MatchEngine(sys.argv[1], shared_root=Path(sys.argv[2])).start()
engine.wait_ready(120)
gen = engine.banks.generation
maps = open("/proc/self/maps").read()
print(json.dumps({"generation": gen.number if gen else None,
                  "mapped": str(Path(sys.argv[2]).resolve()) in maps}))
engine.stop()
"""


def test_another_process_maps_the_same_files(settings, bank, tmp_path):
    _, hashes, _ = bank
    url = _libpq(settings)
    engine = MatchEngine(url, shared_root=tmp_path).start()
    try:
        engine.wait_ready(120)
        assert engine.banks.generation is not None
        built = engine.banks.generation.number
        out = subprocess.run(
            [sys.executable, "-c", CHILD, url, str(tmp_path)],
            capture_output=True, text=True, timeout=180, check=True,
        )  # fmt: skip
        child = json.loads(out.stdout.strip().splitlines()[-1])
        assert child == {"generation": built, "mapped": True}
        assert engine.banks.store is not None and engine.banks.store.current() == built
        assert all(len(engine.banks.near(h[None, :], 0).ids) for h in hashes)
    finally:
        engine.stop()


def test_readyz_says_where_the_index_lives(client):
    body = client.get("/readyz").json()
    (check,) = [c for c in body["checks"] if c["name"] == "match_index"]
    assert check["ok"], check
    assert "banks: shared generation" in check["detail"]
    assert "media: shared generation" in check["detail"]


def test_generation_files_are_private_to_the_service(settings, tmp_path):
    store = shared.SharedDir(tmp_path / "x")
    with store.lock():
        store.publish(np.arange(2, dtype=np.int64), _hashes(1, 2).view(np.uint64), "1:1:")
    assert (Path(store.root).stat().st_mode & 0o077) == 0


@pytest.fixture
def tiny_tmpfs(tmp_path: Path):
    """A real 16 MB tmpfs (root and mount(8) needed), unmounted afterwards."""
    import shutil

    where = tmp_path / "small"
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"this sandbox refuses to mount a tmpfs: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(root: Path) -> None:
    """Take every byte left on `root`'s file system."""
    fd = os.open(root / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)


def test_a_full_disk_keeps_the_index_following_and_leaves_no_half_generation(
    settings, bank, tiny_tmpfs
):
    bank_id, hashes, _ = bank
    with psycopg.connect(_libpq(settings), autocommit=True) as conn:
        index = FollowedIndex(sync.BANKS, tiny_tmpfs, compact_after=3)
        index.load(conn)
        assert index.generation is not None and index.generation.number == 1
        _fill(tiny_tmpfs)
        more = _hashes(None, 5)
        for h in more:
            _insert(conn, bank_id, "pdq", h.tobytes())
        index.follow(conn)  # the next generation cannot be written: ENOSPC, not SIGBUS
        assert index.generation.number == 1
        assert "next generation not written" in index.describe()
        assert all(_found(index, h) for h in more) and all(_found(index, h) for h in hashes)
        root = index.store.root
        assert not list(root.glob(".gen-*"))
        (tiny_tmpfs / "filler").unlink()
        index._publish_after = 0.0  # the retry's back-off, shortened for the test
        index.follow(conn)
        _insert(conn, bank_id, "pdq", _hashes(None, 1)[0].tobytes())
        index.follow(conn)
        assert index.generation.number == 2 and "not written" not in index.describe()
    del index  # unmaps the files, so the tmpfs can be unmounted
