"""Domain errors of the fingerprints room: each has a stable `code` and an HTTP status.

The web layer maps `FingerprintError` to a response once (status + code + message);
`hash_path` turns them into `{"error": code, "message": ...}` lines.
"""

from __future__ import annotations

from typing import ClassVar


class FingerprintError(Exception):
    """Base of every error this room raises on purpose."""

    code: ClassVar[str] = "unreadable"
    http_status: ClassVar[int] = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class EmptyMedia(FingerprintError):
    """Zero bytes."""

    code = "empty"


class NotMedia(FingerprintError):
    """Bytes that are neither a supported image nor a supported video."""

    code = "not_media"


class TruncatedMedia(FingerprintError):
    """Recognised format, but the data ends early."""

    code = "truncated"


class UnreadableMedia(FingerprintError):
    """Recognised format that cannot be decoded (corrupt, unsupported codec, I/O error)."""

    code = "unreadable"


class TooLarge(FingerprintError):
    """More bytes than the limit allows."""

    code = "too_large"
    http_status = 413


class TooManyPixels(FingerprintError):
    """Declared dimensions over the pixel limit (decompression bomb), refused before decoding."""

    code = "too_many_pixels"
    http_status = 413


class DecodeTimeout(FingerprintError):
    """Decoding took longer than the wall-clock budget."""

    code = "decode_timeout"


class InvalidHash(FingerprintError, ValueError):
    """A hash string that is not what its signal type expects (e.g. not 64 hex digits)."""

    code = "invalid_hash"


ERROR_TYPES: tuple[type[FingerprintError], ...] = (
    EmptyMedia,
    NotMedia,
    TruncatedMedia,
    UnreadableMedia,
    TooLarge,
    TooManyPixels,
    DecodeTimeout,
    InvalidHash,
)
