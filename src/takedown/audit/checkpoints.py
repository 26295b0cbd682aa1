"""Signed checkpoints of the audit chain: tamper evidence that survives a database owner.

A database owner can switch the triggers off and rewrite the whole chain consistently; a
hash chain alone cannot show that. So the chain's head (its seq and hash) is signed now and
then with an Ed25519 key that lives outside the database (`audit_signing_key_file`), and
each checkpoint is exported as a JSON line for an outside witness to keep. `verify` checks
every checkpoint's signature and that the chain still has that hash at that seq; given the
witness's copy, also that no checkpoint was removed or replaced."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.audit.models import AuditCheckpoint, AuditEvent
from takedown.db import utcnow
from takedown.errors import InvalidInput


def new_key(path: Path) -> str:
    """Write a new signing key (owner-only) and return its public key, hex."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.touch(mode=0o600, exist_ok=False)
    path.write_bytes(pem)
    return _public_hex(key.public_key())


def load_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{path} is not an Ed25519 private key", field="audit_signing_key_file")
    return key


def _public_hex(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def _message(seq: int, chain_hash: str, signed_at: datetime) -> bytes:
    return f"takedown-audit-checkpoint|{seq}|{chain_hash}|{signed_at.isoformat()}".encode()


def checkpoint(session: Session, key: Ed25519PrivateKey) -> AuditCheckpoint | None:
    """Sign the chain's head, unless it has not moved since the last checkpoint."""
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if head is None or head[0] is None or head[1] is None:
        return None
    seq, chain_hash = int(head[0]), str(head[1])
    last = session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1))
    if last is not None and last.seq >= seq:
        return None
    signed_at = utcnow()
    row = AuditCheckpoint(
        seq=seq,
        chain_hash=chain_hash,
        signed_at=signed_at,
        public_key=_public_hex(key.public_key()),
        signature=key.sign(_message(seq, chain_hash, signed_at)).hex(),
    )
    session.add(row)
    session.flush()
    return row


def export(row: AuditCheckpoint) -> dict[str, object]:
    return {
        "seq": row.seq,
        "chain_hash": row.chain_hash,
        "signed_at": row.signed_at.isoformat(),
        "public_key": row.public_key,
        "signature": row.signature,
    }


def all_checkpoints(session: Session) -> list[AuditCheckpoint]:
    return list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)))


@dataclass
class CheckpointResult:
    ok: bool
    checked: int
    problem: str | None = None


def verify_checkpoints(
    session: Session, public_key_hex: str | None, witness: list[dict[str, object]] | None = None
) -> CheckpointResult:
    """Every stored checkpoint (and every one a witness kept) is signed by the key and
    matches the chain as it is now."""
    stored = [export(row) for row in all_checkpoints(session)]
    kept = witness or []
    known = {(c["seq"], c["chain_hash"], c["signature"]) for c in stored}
    for c in kept:
        if (c["seq"], c["chain_hash"], c["signature"]) not in known:
            return CheckpointResult(False, 0, f"checkpoint at seq {c['seq']} kept by the "
                                    "witness is missing or different in the database")  # fmt: skip
    for n, c in enumerate(kept + stored):
        problem = _check_one(session, c, public_key_hex)
        if problem:
            return CheckpointResult(False, n, problem)
    return CheckpointResult(True, len(stored))


def _check_one(session: Session, c: dict[str, object], public_key_hex: str | None) -> str | None:
    key_hex = public_key_hex or str(c["public_key"])
    if public_key_hex and c["public_key"] != public_key_hex:
        return f"checkpoint at seq {c['seq']} was signed by another key"
    signed_at = datetime.fromisoformat(str(c["signed_at"]))
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex)).verify(
            bytes.fromhex(str(c["signature"])),
            _message(int(c["seq"]), str(c["chain_hash"]), signed_at),  # type: ignore[call-overload]
        )
    except (InvalidSignature, ValueError):
        return f"checkpoint at seq {c['seq']} has a bad signature"
    now = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == c["seq"]))
    if now != c["chain_hash"]:
        return f"the chain at seq {c['seq']} no longer has the signed hash: it was rewritten"
    return None


def read_witness(path: Path) -> list[dict[str, object]]:
    lines = path.read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]
