"""Hex <-> bytes helpers, Hamming distance, exact digests."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest

from takedown.fingerprints import (
    InvalidHash,
    bytes_to_hex,
    digest_bytes,
    hamming_distance,
    hex_to_bytes,
    normalize_hex,
    pdq_match,
)
from takedown.fingerprints.exact import digest_stream, normalize_digest
from takedown.fingerprints.hamming import bits_to_hex, hex_to_bits

HEX = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def test_hex_round_trip() -> None:
    raw = hex_to_bytes(HEX)
    assert len(raw) == 32 and raw[0] == 0xF8
    assert bytes_to_hex(raw) == HEX
    assert normalize_hex(" " + HEX.upper() + "\n") == HEX


def test_bits_are_most_significant_first() -> None:
    bits = hex_to_bits(HEX)
    assert bits[:8].tolist() == [1, 1, 1, 1, 1, 0, 0, 0]
    assert bits_to_hex(bits) == HEX


@pytest.mark.parametrize("bad", ["", "abc", HEX[:-1], HEX + "0", "g" + HEX[1:]])
def test_bad_hex_is_refused(bad: str) -> None:
    with pytest.raises(InvalidHash) as caught:
        hex_to_bytes(bad)
    assert caught.value.code == "invalid_hash" and caught.value.http_status == 422


def test_hamming_distance() -> None:
    assert hamming_distance(HEX, HEX) == 0
    assert hamming_distance("0" * 64, "f" * 64) == 256
    assert hamming_distance("0" * 63 + "7", "0" * 64) == 3
    assert hamming_distance(hex_to_bytes(HEX), HEX) == 0
    with pytest.raises(InvalidHash):
        hamming_distance(b"short", HEX)


def test_pdq_match_is_inclusive_at_31() -> None:
    base = np.zeros(256, dtype=np.uint8)
    near, far = base.copy(), base.copy()
    near[:31] = 1
    far[:32] = 1
    assert pdq_match(bits_to_hex(base), bits_to_hex(near))
    assert not pdq_match(bits_to_hex(base), bits_to_hex(far))


def test_digests() -> None:
    data = b"benign test bytes" * 100_000
    digests = digest_bytes(data)
    assert digests.md5 == hashlib.md5(data).hexdigest()
    assert digests.sha256 == hashlib.sha256(data).hexdigest()
    assert digest_stream(io.BytesIO(data)) == digests
    assert normalize_digest(digests.md5.upper(), "md5") == digests.md5
    with pytest.raises(InvalidHash):
        normalize_digest("xyz", "sha256")
