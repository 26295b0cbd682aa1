"""An optional proof of work for anonymous reports: a browser spends a second or so of CPU
(hashcash over SHA-256) for a report to hide content on a bare claim. A flood then costs
its sender real work; a report without it (no JavaScript) is still taken and queued.

A challenge is `expiry.nonce.mac` (HMAC with the service's secret key, so nothing is stored
until it is used); a solution is a string such that SHA-256(challenge ":" solution) starts
with `bits` zero bits. Each challenge is good once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from sqlalchemy.orm import Session

from takedown.db import counters

LIFETIME_S = 600


def new_challenge(secret_key: str, now: float | None = None) -> str:
    expiry = int((now or time.time()) + LIFETIME_S)
    nonce = secrets.token_hex(8)
    return f"{expiry}.{nonce}.{_mac(secret_key, expiry, nonce)}"


def _mac(secret_key: str, expiry: int, nonce: str) -> str:
    message = f"pow|{expiry}|{nonce}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + (8 - byte.bit_length())
    return bits


def solve(challenge: str, bits: int) -> str:
    """What a browser does (pow.js); here for tests and API clients."""
    n = 0
    while True:
        digest = hashlib.sha256(f"{challenge}:{n}".encode()).digest()
        if leading_zero_bits(digest) >= bits:
            return str(n)
        n += 1


def verify(session: Session, secret_key: str, bits: int, proof: str | None) -> bool:
    """A fresh, genuine challenge, solved, and not used before."""
    if not proof or len(proof) > 200 or ":" not in proof:
        return False
    challenge, _, solution = proof.rpartition(":")
    parts = challenge.split(".")
    if len(parts) != 3 or not (parts[0].isascii() and parts[0].isdigit()) or len(solution) > 40:
        return False
    expiry, nonce, mac = int(parts[0]), parts[1], parts[2]
    if not hmac.compare_digest(mac.encode(), _mac(secret_key, expiry, nonce).encode()):
        return False
    if expiry < time.time():
        return False
    digest = hashlib.sha256(f"{challenge}:{solution}".encode()).digest()
    if leading_zero_bits(digest) < bits:
        return False
    return counters.claim_once(session, f"pow|{nonce}", expiry)
