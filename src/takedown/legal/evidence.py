"""The evidence store: files encrypted at rest under `data_dir/evidence`, one directory a case.

Each case has its own random 256-bit data key. Files are sealed with AES-256-GCM, bound to
their case directory and name (associated data), so a file cannot be swapped between cases
unnoticed. The data key is stored only wrapped (AES-GCM under the master key) beside the
files; the master key comes from settings or a key file, never from the database. Destroying
the wrapped key first makes a purged case unreadable even if a file copy survives."""

from __future__ import annotations

import base64
import os
import secrets
import shutil
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from takedown.config import Settings

FILE_MAGIC = b"TDE1"
KEY_MAGIC = b"TDK1"
KEY_FILE = "key.wrapped"
SUFFIX = ".enc"
NONCE = 12


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.b64encode(AESGCM.generate_key(bit_length=256)))


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
        return cls(settings.data_dir / "evidence", master_key(settings))

    def new_directory(self, case_number: str) -> str:
        return f"{case_number}-{secrets.token_hex(4)}"

    def write(self, directory: str, files: dict[str, bytes]) -> None:
        """Seal every file under a fresh data key. The directory must not exist yet."""
        folder = self.root / directory
        folder.mkdir(parents=True, mode=0o700)
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE)
        wrapped = self._master.encrypt(nonce, data_key, directory.encode())
        _write_private(folder / KEY_FILE, KEY_MAGIC + nonce + wrapped)
        sealer = AESGCM(data_key)
        for name, data in files.items():
            _check_name(name)
            nonce = os.urandom(NONCE)
            sealed = sealer.encrypt(nonce, data, f"{directory}/{name}".encode())
            _write_private(folder / (name + SUFFIX), FILE_MAGIC + nonce + sealed)

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

    def exists(self, directory: str) -> bool:
        return (self.root / directory / KEY_FILE).exists()

    def _data_key(self, directory: str) -> bytes:
        blob = (self.root / directory / KEY_FILE).read_bytes()
        if not blob.startswith(KEY_MAGIC):
            raise ValueError("not a wrapped evidence key")
        return self._master.decrypt(blob[4 : 4 + NONCE], blob[4 + NONCE :], directory.encode())


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _check_name(name: str) -> None:
    if not name or "/" in name or "\\" in name or name.startswith(".") or name == KEY_FILE:
        raise ValueError(f"bad evidence file name {name!r}")
