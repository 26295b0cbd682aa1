"""256-bit hash helpers: hex <-> 32 bytes, and Hamming distance."""

from __future__ import annotations

import numpy as np

from takedown.fingerprints.errors import InvalidHash

HASH_BITS = 256
HASH_BYTES = HASH_BITS // 8
HEX_DIGITS = HASH_BYTES * 2


def hex_to_bytes(value: str) -> bytes:
    """64 hex digits (either case) to 32 bytes; raises InvalidHash otherwise."""
    if len(value) != HEX_DIGITS:
        raise InvalidHash(f"expected {HEX_DIGITS} hex digits, got {len(value)} characters")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise InvalidHash(f"not hexadecimal: {value!r}") from exc


def bytes_to_hex(value: bytes) -> str:
    """32 bytes to 64 lowercase hex digits."""
    if len(value) != HASH_BYTES:
        raise InvalidHash(f"expected {HASH_BYTES} bytes, got {len(value)}")
    return value.hex()


def normalize_hex(value: str) -> str:
    """Validated, lowercase form of a 256-bit hex hash."""
    return hex_to_bytes(value.strip()).hex()


def bits_to_hex(bits: np.ndarray) -> str:
    """A vector of 256 zeros and ones, most significant bit first, to hex."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def hex_to_bits(value: str) -> np.ndarray:
    """Inverse of bits_to_hex: 256 uint8 zeros and ones."""
    return np.unpackbits(np.frombuffer(hex_to_bytes(value), dtype=np.uint8))


def hamming_distance(a: str | bytes, b: str | bytes) -> int:
    """Number of differing bits between two 256-bit hashes (hex strings or 32 bytes)."""
    ab = hex_to_bytes(a) if isinstance(a, str) else a
    bb = hex_to_bytes(b) if isinstance(b, str) else b
    if len(ab) != HASH_BYTES or len(bb) != HASH_BYTES:
        raise InvalidHash(f"expected {HASH_BYTES}-byte hashes")
    return (int.from_bytes(ab, "big") ^ int.from_bytes(bb, "big")).bit_count()
