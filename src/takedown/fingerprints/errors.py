"""Domain errors of the fingerprints room: each has a stable `code` and an HTTP status.

They are `TakedownError`s, so the web layer maps them like every other domain error;
`hash_path` turns them into `{"error": code, "message": ...}` lines.
"""

from __future__ import annotations

from takedown.errors import TakedownError


class FingerprintError(TakedownError):
    """Base of every error this room raises on purpose."""

    code = "unreadable"
    status = http_status = 422  # `http_status`: this room's own name for it

    def __init__(self, message: str) -> None:
        super().__init__(message, field="media")

    def as_line(self) -> dict[str, str]:
        """The error as `takedown hash` prints it."""
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
    status = http_status = 413


class TooManyPixels(FingerprintError):
    """Declared dimensions over the pixel limit (decompression bomb), refused before decoding."""

    code = "too_many_pixels"
    status = http_status = 413


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
