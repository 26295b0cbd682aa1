"""Exact-copy signals: MD5 and SHA-256 of the bytes, as NCMEC and StopNCII lists use them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from takedown.fingerprints.errors import InvalidHash

CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ExactDigests:
    """Lowercase hex digests of a file's bytes."""

    md5: str
    sha256: str
    size_bytes: int


def digest_bytes(data: bytes) -> ExactDigests:
    """MD5 and SHA-256 of in-memory bytes."""
    return ExactDigests(
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
    )


def digest_stream(stream: BinaryIO) -> ExactDigests:
    """MD5 and SHA-256 of a binary stream, read in 1 MiB chunks (constant memory)."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha256 = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        md5.update(chunk)
        sha256.update(chunk)
        size += len(chunk)
    return ExactDigests(md5=md5.hexdigest(), sha256=sha256.hexdigest(), size_bytes=size)


def digest_file(path: Path) -> ExactDigests:
    """MD5 and SHA-256 of a file, streamed."""
    with path.open("rb") as stream:
        return digest_stream(stream)


def normalize_digest(value: str, algorithm: str) -> str:
    """Lowercase hex digest, validated for length ("md5": 32 digits, "sha256": 64)."""
    digits = {"md5": 32, "sha256": 64}[algorithm]
    text = value.strip().lower()
    if len(text) != digits or any(c not in "0123456789abcdef" for c in text):
        raise InvalidHash(f"not a {algorithm} hex digest: {value!r}")
    return text
