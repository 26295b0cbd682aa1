"""The evidence store: files encrypted at rest under `data_dir/evidence`, one directory a case.

Each case has its own random 256-bit data key. Files are sealed with AES-256-GCM, bound to
their case directory and name (associated data), so a file cannot be swapped between cases
unnoticed. The data key is stored only wrapped (AES-GCM under the master key) beside the
files; the master key comes from settings or a key file, never from the database. Destroying
the wrapped key first makes a purged case unreadable even if a file copy survives.

A case directory appears whole or not at all: its files are written into a temporary
directory inside the store, each fsynced, then that directory is fsynced, renamed into place
and the store fsynced. A write that fails (a full disk) removes its temporary directory; one
cut short by a crash leaves a `.tmp-` directory that `sweep_temporary` removes later."""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import os
import secrets
import shutil
import time
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from takedown.config import Settings

FILE_MAGIC = b"TDE1"
KEY_MAGIC = b"TDK1"
KEY_FILE = "key.wrapped"
SUFFIX = ".enc"
NONCE = 12
TEMP_PREFIX = ".tmp-"
# A write failed because of the disk (not a bug or a permission): someone must free space.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO})


def evidence_root(settings: Settings) -> Path:
    return settings.evidence_dir or settings.data_dir / "evidence"


def master_key(settings: Settings) -> bytes:
    """The configured master key; outside production a key file under data_dir is made once."""
    if settings.evidence_master_key:
        return _decode_key(settings.evidence_master_key.encode())
    path = settings.evidence_key_file or settings.data_dir / "evidence-master.key"
    if not path.exists():
        if settings.evidence_key_file is not None or settings.environment == "production":
            raise RuntimeError(f"evidence key file {path} does not exist")
        _create_key_file(path)
    return _decode_key(path.read_bytes().strip())


def _create_key_file(path: Path) -> None:
    """Written beside, fsynced, then linked into place: a full disk never leaves a partial key
    (which would make every later seal fail); a key made by another process meanwhile wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}-{secrets.token_hex(4)}")
    try:
        _write_private(temp, base64.b64encode(AESGCM.generate_key(bit_length=256)))
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
        _fsync_dir(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _decode_key(raw: bytes) -> bytes:
    key = raw if len(raw) == 32 else base64.b64decode(raw, validate=False)
    if len(key) != 32:
        raise RuntimeError("the evidence master key must be 32 bytes (base64 encoded)")
    return key


class EvidenceStore:
    def __init__(self, root: Path, key: bytes) -> None:
        self.root = root
        self._master = AESGCM(key)

    @classmethod
    def for_settings(cls, settings: Settings) -> EvidenceStore:
        return cls(evidence_root(settings), master_key(settings))

    def directory_for(self, case_number: str, hold_id: int) -> str:
        """One hold's directory name, the same at every attempt: a seal that reached its place
        but whose transaction was lost is found again by the next attempt, not orphaned."""
        token = hashlib.sha256(f"{case_number}:{hold_id}".encode()).hexdigest()[:8]
        return f"{case_number}-{token}"

    def write(self, directory: str, files: dict[str, bytes]) -> None:
        """Seal every file under a fresh data key, all or nothing (see the module's note).
        The directory must not exist yet. Raises OSError, leaving nothing behind."""
        for name in files:
            _check_name(name)
        folder = self.root / directory
        self._make_root()
        if folder.exists():
            raise FileExistsError(errno.EEXIST, "evidence directory exists", str(folder))
        temp = self.root / f"{TEMP_PREFIX}{directory}-{secrets.token_hex(4)}"
        try:
            temp.mkdir(mode=0o700)
            self._seal_into(temp, directory, files)
            _fsync_dir(temp)
            os.rename(temp, folder)
        except BaseException:
            _remove(temp)
            raise
        try:
            _fsync_dir(self.root)
        except BaseException:
            _remove(folder)  # the rename may not survive a crash: do not count on it
            raise

    def _seal_into(self, folder: Path, directory: str, files: dict[str, bytes]) -> None:
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE)
        wrapped = self._master.encrypt(nonce, data_key, directory.encode())
        _write_private(folder / KEY_FILE, KEY_MAGIC + nonce + wrapped)
        sealer = AESGCM(data_key)
        for name, data in files.items():
            nonce = os.urandom(NONCE)
            sealed = sealer.encrypt(nonce, data, f"{directory}/{name}".encode())
            _write_private(folder / (name + SUFFIX), FILE_MAGIC + nonce + sealed)

    def _make_root(self) -> None:
        if not self.root.is_dir():
            self.root.mkdir(parents=True, mode=0o700, exist_ok=True)
            _fsync_dir(self.root.parent)

    def names(self, directory: str) -> list[str]:
        folder = self.root / directory
        return sorted(p.name.removesuffix(SUFFIX) for p in folder.glob(f"*{SUFFIX}"))

    def read_all(self, directory: str) -> dict[str, bytes]:
        opener = AESGCM(self._data_key(directory))
        out = {}
        for name in self.names(directory):
            blob = (self.root / directory / (name + SUFFIX)).read_bytes()
            if not blob.startswith(FILE_MAGIC):
                raise ValueError(f"{name} is not a sealed evidence file")
            nonce, sealed = blob[4 : 4 + NONCE], blob[4 + NONCE :]
            out[name] = opener.decrypt(nonce, sealed, f"{directory}/{name}".encode())
        return out

    def destroy(self, directory: str) -> None:
        """Shred the wrapped key, then remove the directory."""
        folder = self.root / directory
        key = folder / KEY_FILE
        if key.exists():
            key.write_bytes(os.urandom(len(key.read_bytes())))
            key.unlink()
        shutil.rmtree(folder, ignore_errors=True)

    def temporaries(self) -> list[str]:
        """Temporary directories now in the store (writes under way, or cut short)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.name.startswith(TEMP_PREFIX))

    def exists(self, directory: str) -> bool:
        return (self.root / directory / KEY_FILE).exists()

    def _data_key(self, directory: str) -> bytes:
        blob = (self.root / directory / KEY_FILE).read_bytes()
        if not blob.startswith(KEY_MAGIC):
            raise ValueError("not a wrapped evidence key")
        return self._master.decrypt(blob[4 : 4 + NONCE], blob[4 + NONCE :], directory.encode())


def sweep_temporary(root: Path, older_than: timedelta) -> list[str]:
    """Remove temporary directories (and key files) left by writes a crash cut short: those
    untouched for `older_than`, far longer than any write takes. Returns their names."""
    if not root.is_dir():
        return []
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for entry in os.scandir(root):
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
        except FileNotFoundError:
            continue  # its write just finished or failed
        _remove(Path(entry.path))
        removed.append(entry.name)
    return removed


def _remove(path: Path) -> None:
    """Best effort, also on a failing disk: shred a wrapped key, then remove the rest."""
    if path.is_dir() and not path.is_symlink():
        key = path / KEY_FILE
        with contextlib.suppress(OSError), open(key, "r+b") as handle:
            handle.write(os.urandom(os.fstat(handle.fileno()).st_size))
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _write_private(path: Path, data: bytes) -> None:
    """Write the whole file, then fsync it: it is on the disk before it is counted on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Make a directory's entries (a new file, a rename) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_name(name: str) -> None:
    if not name or "/" in name or "\\" in name or name.startswith(".") or name == KEY_FILE:
        raise ValueError(f"bad evidence file name {name!r}")
