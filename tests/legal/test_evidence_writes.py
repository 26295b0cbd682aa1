"""Evidence writes that survive a full disk: every file and directory fsynced, a case directory
whole or absent (never an orphan), the hold left pending and the seal retried with back-off,
supervisors and admins alerted once, crashed writes swept.

The full disk is real: a tmpfs and a loop-mounted ext4, each a few hundred kilobytes, mounted
for the test (root is needed; without it, or where mounting is refused, they are skipped and
the fault-injection tests below still run)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from takedown.audit.models import AuditEvent
from takedown.config import Settings
from takedown.db.base import utcnow
from takedown.jobs import enqueue
from takedown.legal import evidence, preservation, tasks
from takedown.legal.evidence import EvidenceStore, master_key, sweep_temporary
from takedown.legal.models import EvidenceHold
from tests.console.helpers import make_user
from tests.legal.helpers import case_id, confirm, report, upload, wait_row
from tests.support import wait_for

SIZES_KB = {"tmpfs": 512, "ext4": 4096}
NOT_OURS = {"lost+found"}  # ext4's own


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@contextmanager
def _mounted(kind: str, where: Path) -> Iterator[Path]:
    """A real file system of SIZES_KB[kind] at `where`, unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip(f"mounting a {kind} needs root and mount(8); the fault-injection tests ran")
    where.mkdir()
    if kind == "tmpfs":
        done = _run("mount", "-t", "tmpfs", "-o", f"size={SIZES_KB[kind]}k", "tmpfs", str(where))
    else:
        mkfs = shutil.which("mkfs.ext4")
        if mkfs is None:
            pytest.skip("no mkfs.ext4 here for a loop-mounted ext4")
        image = where.with_suffix(".img")
        with open(image, "wb") as handle:
            handle.truncate(SIZES_KB[kind] * 1024)
        done = _run(mkfs, "-q", "-F", "-m", "0", str(image))  # -m 0: no blocks kept for root
        if done.returncode == 0:
            done = _run("mount", "-o", "loop", str(image), str(where))
    if done.returncode != 0:
        pytest.skip(f"this sandbox refuses to mount a {kind}: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if _run("umount", str(where)).returncode != 0:
            _run("umount", "-l", str(where))


@pytest.fixture(params=["tmpfs", "ext4"])
def tiny_fs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    with _mounted(request.param, tmp_path / "small") as root:
        yield root


def fill(root: Path) -> Path:
    """A file taking every byte left on `root`'s file system (until writes fail ENOSPC)."""
    filler = root / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while True:  # again after each fsync: a file system may hand back reserved blocks
            wrote = 0
            for size in (1 << 16, 1 << 12, 1 << 9, 1):
                chunk = b"\0" * size
                while True:
                    try:
                        wrote += os.write(fd, chunk)
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break
            with suppress(OSError):
                os.fsync(fd)
            if not wrote:
                return filler
    finally:
        os.close(fd)


def entries(root: Path) -> set[str]:
    return set(os.listdir(root)) - NOT_OURS


def seal_failures(session, case: int) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == preservation.SEAL_FAILED,
                AuditEvent.subject_id == str(case),
            )
            .order_by(AuditEvent.id)
        )
    )


def seal_jobs(session, case: int) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """(attempt, status) of every preservation job of a case, oldest first."""
    rows = session.execute(
        text(
            "SELECT coalesce((args->>'attempt')::int, 1), status::text FROM procrastinate_jobs "
            "WHERE task_name = :task AND (args->>'case_id')::bigint = :case ORDER BY id"
        ),
        {"task": preservation.PRESERVE_TASK, "case": case},
    )
    return [(attempt, status) for attempt, status in rows]


def confirmed_case(client, platform, staff, db) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    ids = upload(client, platform["api_key"])
    receipt = report(client, [ids["post"]], age_at_time=14, statement="It is me, I was 14.")
    confirm(client, staff["child_safety_specialist"][1], receipt["case_number"], "csam_b1")
    return receipt["case_number"], case_id(db, receipt["case_number"])


# A real full disk, the real worker.


def test_a_full_disk_leaves_no_orphan_alerts_once_and_the_retry_seals(  # type: ignore[no-untyped-def]
    tiny_fs, client, platform, staff, db, settings, smtp_sink, monkeypatch
):
    monkeypatch.setattr(settings, "evidence_dir", tiny_fs)
    monkeypatch.setattr(settings, "evidence_backoff_base_s", 0.1)
    monkeypatch.setattr(settings, "evidence_backoff_max_s", 0.4)
    told = [f"{role}-{uuid.uuid4().hex[:8]}@example.org" for role in ("supervisor", "admin")]
    for role, address in zip(("supervisor", "admin"), told, strict=True):
        make_user(db, role, email=address)
    filler = fill(tiny_fs)
    number, case = confirmed_case(client, platform, staff, db)

    def third_attempt_queued() -> bool:
        with db.session() as session:
            return any(attempt >= 3 for attempt, _ in seal_jobs(session, case))

    wait_for(third_attempt_queued, what="two failed seals and a third attempt queued")
    with db.session() as session:
        # With the hold locked no attempt is under way: whatever is on the disk now stays.
        hold = session.scalar(
            select(EvidenceHold).where(EvidenceHold.case_id == case).with_for_update()
        )
        assert hold.state == "pending" and hold.directory is None and hold.stored_at is None
        assert entries(tiny_fs) == {"filler"}  # no case directory, no temporary one
        (alert,) = seal_failures(session, case)
        assert alert.data["errno"] == "ENOSPC" and alert.data["alert"] is True
        assert alert.data["attempt"] == 1 and alert.data["recipients"] >= 2
    for address in told:
        mails = [m for m in smtp_sink.to(address) if number in str(m["Subject"])]
        assert len(mails) == 1, address
        assert "No space left on device" in mails[0].get_content()

    filler.unlink()
    hold = wait_row(db, EvidenceHold, case, ("stored",))
    assert entries(tiny_fs) == {hold.directory} and hold.files == 1
    record = EvidenceStore(tiny_fs, master_key(settings)).read_all(hold.directory)
    assert json.loads(record["record.json"])["case"]["number"] == number
    with db.session() as session:
        assert len(seal_failures(session, case)) == 1  # one alert for the whole episode
        sealed = session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == preservation.PRESERVED, AuditEvent.subject_id == str(case)
            )
        )
        assert sealed.data["attempt"] >= 3
        assert not any(status == "todo" for _, status in seal_jobs(session, case))
    for address in told:
        assert len([m for m in smtp_sink.to(address) if number in str(m["Subject"])]) == 1


def test_a_key_file_is_never_left_half_written(tiny_fs):  # type: ignore[no-untyped-def]
    filler = fill(tiny_fs)
    at = Settings(environment="test", data_dir=tiny_fs)
    with pytest.raises(OSError) as failed:
        master_key(at)
    assert failed.value.errno == errno.ENOSPC and entries(tiny_fs) == {"filler"}
    filler.unlink()
    key = master_key(at)
    assert len(key) == 32 and entries(tiny_fs) == {"evidence-master.key"}
    assert master_key(at) == key


def test_a_store_write_on_a_full_disk_leaves_nothing(tiny_fs):  # type: ignore[no-untyped-def]
    filler = fill(tiny_fs)
    store = EvidenceStore(tiny_fs / "evidence", b"k" * 32)
    with pytest.raises(OSError) as failed:
        store.write("TD-AAAA-BBBB-1234abcd", {"record.json": b"{}" * 2000})
    assert failed.value.errno == errno.ENOSPC
    assert entries(tiny_fs) <= {"filler", "evidence"} and store.temporaries() == []
    assert not (store.root / "TD-AAAA-BBBB-1234abcd").exists()
    filler.unlink()
    store.write("TD-AAAA-BBBB-1234abcd", {"record.json": b"{}" * 2000})
    assert store.read_all("TD-AAAA-BBBB-1234abcd") == {"record.json": b"{}" * 2000}


# Fault injection: where no small file system can be mounted, and for EDQUOT and EIO.


def test_every_file_then_its_directory_then_the_store_is_fsynced(tmp_path, monkeypatch):
    synced: list[Path] = []
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        real(fd)

    monkeypatch.setattr(evidence.os, "fsync", spy)
    root = tmp_path / "store"
    EvidenceStore(root, b"k" * 32).write("case-a", {"record.json": b"r", "media-x.bin": b"m"})
    temp = synced[1].parent
    assert temp.parent == root and temp.name.startswith(".tmp-case-a-")
    assert synced == [
        tmp_path,  # the store was made: its parent learns of it
        temp / "key.wrapped",
        temp / "record.json.enc",
        temp / "media-x.bin.enc",
        temp,  # every file is in the directory before it is renamed
        root,  # the rename itself
    ]
    assert os.listdir(root) == ["case-a"]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EIO])
@pytest.mark.parametrize("failing", [1, 2, 3, 4, 5])  # key, record, media, directory, store
def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch, code, failing):
    root = tmp_path / "store"
    root.mkdir()
    calls = 0
    real = os.fsync

    def fsync(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == failing:
            raise OSError(code, os.strerror(code))
        real(fd)

    monkeypatch.setattr(evidence.os, "fsync", fsync)
    with pytest.raises(OSError) as failed:
        EvidenceStore(root, b"k" * 32).write("case-a", {"record.json": b"r", "media-x.bin": b"m"})
    assert failed.value.errno == code and os.listdir(root) == []


def test_the_sweeper_removes_only_stale_temporary_directories(tmp_path):
    root = tmp_path / "store"
    store = EvidenceStore(root, b"k" * 32)
    store.write("TD-KEEP-KEEP-00000000", {"record.json": b"sealed"})
    old = root / ".tmp-TD-AAAA-AAAA-11111111-0a0a0a0a"
    old.mkdir()
    (old / "key.wrapped").write_bytes(b"TDK1 a crashed write")
    fresh = root / ".tmp-TD-BBBB-BBBB-22222222-0b0b0b0b"
    fresh.mkdir()
    an_hour_ago = time.time() - 3600
    for path in (old, root / "TD-KEEP-KEEP-00000000"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    assert sweep_temporary(root, timedelta(minutes=10)) == [old.name]
    assert store.temporaries() == [fresh.name]
    assert store.read_all("TD-KEEP-KEEP-00000000") == {"record.json": b"sealed"}


# The hold's side, inside a rolled-back transaction with a private store.


@pytest.fixture
def repending(client, platform, staff, db, db_session, settings, tmp_path):  # type: ignore[no-untyped-def]
    """A sealed case whose hold is made pending again, in a transaction rolled back at the
    end, with settings whose store is private to the test."""
    number, case = confirmed_case(client, platform, staff, db)
    wait_row(db, EvidenceHold, case, ("stored",))
    hold = db_session.scalar(select(EvidenceHold).where(EvidenceHold.case_id == case))
    hold.state, hold.directory = "pending", None
    private = settings.model_copy(update={"data_dir": tmp_path})
    return {"number": number, "case": case, "hold": hold, "settings": private}


def test_one_alert_per_episode_and_back_off(repending, db_session, monkeypatch):  # type: ignore[no-untyped-def]
    case, hold, private = repending["case"], repending["hold"], repending["settings"]
    errors = iter([errno.EACCES, errno.ENOSPC, errno.EIO, errno.ENOSPC, errno.EDQUOT])

    def failing_write(self, directory, files):  # type: ignore[no-untyped-def]
        code = next(errors)
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(EvidenceStore, "write", failing_write)
    for attempt in range(1, 5):
        assert preservation.preserve(db_session, private, case, attempt).state == "pending"
    first, alert = seal_failures(db_session, case)
    assert (first.data["errno"], first.data["alert"], first.data["recipients"]) == (
        "EACCES",
        False,
        0,
    )  # recorded, but no one need free space
    assert (alert.data["errno"], alert.data["alert"], alert.data["attempt"]) == ("ENOSPC", True, 2)
    assert [a for a, status in seal_jobs(db_session, case) if status == "todo"] == [2, 3, 4, 5]

    monkeypatch.undo()
    sealed = preservation.preserve(db_session, private, case, 5)
    assert sealed.state == "stored" and sealed.directory is not None
    assert len(seal_failures(db_session, case)) == 2

    # A later episode (here: the hold made pending again) is alerted anew.
    hold.state = "pending"
    monkeypatch.setattr(EvidenceStore, "exists", lambda self, directory: False)
    monkeypatch.setattr(EvidenceStore, "write", failing_write)
    preservation.preserve(db_session, private, case)
    assert [e.data["alert"] for e in seal_failures(db_session, case)] == [False, True, True]


def test_back_off_doubles_up_to_its_bound():
    at = Settings(environment="test", evidence_backoff_base_s=30, evidence_backoff_max_s=900)
    delays = [preservation.retry_delay(at, attempt) for attempt in (1, 2, 3, 4, 5, 6, 7, 10_000)]
    assert delays == [30, 60, 120, 240, 480, 900, 900, 900]


def test_a_seal_whose_transaction_was_lost_is_adopted(repending, db_session):  # type: ignore[no-untyped-def]
    private, number, hold = repending["settings"], repending["number"], repending["hold"]
    store = EvidenceStore.for_settings(private)
    directory = store.directory_for(number, hold.id)
    store.write(directory, {"record.json": b"sealed before the crash"})  # then no commit
    sealed = preservation.preserve(db_session, private, repending["case"])
    assert sealed.state == "stored" and sealed.directory == directory and sealed.files == 1
    assert store.read_all(directory) == {"record.json": b"sealed before the crash"}
    assert os.listdir(store.root) == [directory]


def test_the_sweeper_leaves_a_queued_retry_alone_and_clears_crashed_writes(  # type: ignore[no-untyped-def]
    client, platform, staff, db, settings, tmp_path, monkeypatch
):
    _, case = confirmed_case(client, platform, staff, db)
    wait_row(db, EvidenceHold, case, ("stored",))  # the worker (and its runtime) is running
    monkeypatch.setattr(settings, "evidence_dir", tmp_path)
    crashed = tmp_path / ".tmp-TD-CCCC-CCCC-33333333-0c0c0c0c"
    crashed.mkdir()
    os.utime(crashed, (time.time() - 3600,) * 2)
    later = utcnow() + timedelta(hours=1)
    with db.session() as session:  # a stale pending hold whose retry is queued for later
        hold = session.scalar(select(EvidenceHold).where(EvidenceHold.case_id == case))
        hold.state, hold.created_at = "pending", utcnow() - timedelta(hours=1)
        enqueue(
            session,
            preservation.PRESERVE_TASK,
            queue="legal",
            scheduled_at=later,
            case_id=case,
            attempt=2,
        )
    try:
        tasks.sweep_pending(0)
        with db.session() as session:
            assert [j for j in seal_jobs(session, case) if j[1] == "todo"] == [(2, "todo")]
        assert not crashed.exists()
    finally:
        with db.session() as session:
            session.execute(
                text(
                    "DELETE FROM procrastinate_jobs WHERE task_name = :task AND status = 'todo' "
                    "AND (args->>'case_id')::bigint = :case"
                ),
                {"task": preservation.PRESERVE_TASK, "case": case},
            )
            hold = session.scalar(select(EvidenceHold).where(EvidenceHold.case_id == case))
            hold.state = "stored"
