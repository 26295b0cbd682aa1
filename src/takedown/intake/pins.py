"""PINs: short enough to write down, kept only as a keyed digest.

An 8-digit PIN has too little entropy for any hash to protect it on its own; what guards it
is the service's secret key (an HMAC nobody without the key can test offline) and the
per-client limit on wrong tries. One HMAC per lookup costs microseconds, so lookups scale
and cannot be turned into a CPU or connection-pool outage."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_pin() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def pin_digest(secret_key: str, case_number: str, pin: str) -> str:
    message = f"pin|{case_number.strip().upper()}|{pin.strip()}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def hash_pin(pin: str) -> str:
    """The salted scrypt digest reports carried before PIN digests; kept for old rows."""
    salt = secrets.token_bytes(16)
    return f"{salt.hex()}${_scrypt(pin, salt).hex()}"


def check_pin(pin: str, stored: str) -> bool:
    salt_hex, _, digest_hex = stored.partition("$")
    if not salt_hex or not digest_hex:
        return False
    return hmac.compare_digest(_scrypt(pin, bytes.fromhex(salt_hex)).hex(), digest_hex)


def _scrypt(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
