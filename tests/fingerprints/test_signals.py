"""The signal-type interface: md5, sha256, pdq."""

from __future__ import annotations

import pytest

from takedown.fingerprints import SIGNAL_TYPES, InvalidHash, hash_bytes


def test_registry() -> None:
    assert sorted(SIGNAL_TYPES) == ["md5", "pdq", "sha256"]


@pytest.mark.parametrize("name", ["md5", "pdq", "sha256"])
def test_examples_are_valid_and_match_themselves(name: str) -> None:
    signal = SIGNAL_TYPES[name]
    examples = signal.examples()
    assert len(examples) == len(set(examples)) == 3
    for value in examples:
        assert signal.normalize(value.upper()) == value
        assert signal.matches(value, value) and signal.distance(value, value) == 0
        assert len(signal.index_key(value)) == {"md5": 16, "sha256": 32, "pdq": 32}[name]
    assert not signal.matches(examples[0], examples[1])
    with pytest.raises(InvalidHash):
        signal.normalize("nope")


def test_values_from_a_fingerprint(jpeg_bytes: bytes) -> None:
    fingerprint = hash_bytes(jpeg_bytes)
    assert SIGNAL_TYPES["md5"].values(fingerprint) == [fingerprint.md5]
    assert SIGNAL_TYPES["sha256"].values(fingerprint) == [fingerprint.sha256]
    assert SIGNAL_TYPES["pdq"].values(fingerprint) == [fingerprint.pdq]


def test_low_quality_pdq_is_not_a_value() -> None:
    from PIL import Image

    from takedown.fingerprints.examples import encode

    flat = hash_bytes(encode(Image.new("RGB", (200, 200), (90, 90, 90)), "PNG"))
    assert flat.pdq_quality == 0
    assert SIGNAL_TYPES["pdq"].values(flat) == []
