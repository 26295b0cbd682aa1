"""PINs: short enough to write down, stored only as a salted scrypt digest."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_pin() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    return f"{salt.hex()}${_scrypt(pin, salt).hex()}"


def check_pin(pin: str, stored: str) -> bool:
    salt_hex, _, digest_hex = stored.partition("$")
    return hmac.compare_digest(_scrypt(pin, bytes.fromhex(salt_hex)).hex(), digest_hex)


def _scrypt(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
