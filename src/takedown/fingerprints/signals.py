"""Signal types: one small interface per hash algorithm (python-threatexchange's shape).

A signal type knows its name, how to pull its values out of a Fingerprint, how to
validate a value coming from a hash list, how to compare two values, the bytes an index
should store, and a few benign example values. Adding an algorithm is one new class here
plus its module. Video is matched frame by frame as PDQ; `vpdq_match` compares whole
frame lists.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, ClassVar, Protocol

from takedown.fingerprints.exact import digest_bytes, normalize_digest
from takedown.fingerprints.hamming import hamming_distance, hex_to_bytes, normalize_hex
from takedown.fingerprints.pdq import PDQ_DISTANCE_THRESHOLD, PDQ_QUALITY_THRESHOLD

if TYPE_CHECKING:
    from takedown.fingerprints.service import Fingerprint

EXAMPLE_SEEDS = (1, 2, 3)


class SignalType(Protocol):
    name: ClassVar[str]

    def values(self, fingerprint: Fingerprint) -> list[str]:
        """The values of this signal in a fingerprint (usable ones only)."""
        ...

    def normalize(self, value: str) -> str:
        """Canonical form of a value from a hash list; raises InvalidHash."""
        ...

    def distance(self, a: str, b: str) -> int: ...

    def matches(self, a: str, b: str) -> bool: ...

    def index_key(self, value: str) -> bytes:
        """The raw bytes an index stores for a value."""
        ...

    def examples(self) -> list[str]:
        """Benign example values (hashes of generated pictures)."""
        ...


class _ExactSignal:
    """Shared behaviour of byte-exact digests: distance 0 when equal, else 1."""

    name: ClassVar[str] = ""

    def normalize(self, value: str) -> str:
        return normalize_digest(value, self.name)

    def distance(self, a: str, b: str) -> int:
        return int(self.normalize(a) != self.normalize(b))

    def matches(self, a: str, b: str) -> bool:
        return self.distance(a, b) == 0

    def index_key(self, value: str) -> bytes:
        return bytes.fromhex(self.normalize(value))

    def values(self, fingerprint: Fingerprint) -> list[str]:
        return [getattr(fingerprint, self.name)]

    def examples(self) -> list[str]:
        return [getattr(digest_bytes(data), self.name) for data in _example_jpegs()]


class Md5Signal(_ExactSignal):
    name = "md5"


class Sha256Signal(_ExactSignal):
    name = "sha256"


class PdqSignal:
    """PDQ: match within 31 bits; hashes of quality below 50 are not used."""

    name: ClassVar[str] = "pdq"
    threshold: ClassVar[int] = PDQ_DISTANCE_THRESHOLD

    def values(self, fingerprint: Fingerprint) -> list[str]:
        found = []
        if fingerprint.pdq is not None and (fingerprint.pdq_quality or 0) >= PDQ_QUALITY_THRESHOLD:
            found.append(fingerprint.pdq)
        found += [f.pdq for f in fingerprint.frames if f.quality >= PDQ_QUALITY_THRESHOLD]
        return list(dict.fromkeys(found))

    def normalize(self, value: str) -> str:
        return normalize_hex(value)

    def distance(self, a: str, b: str) -> int:
        return hamming_distance(a, b)

    def matches(self, a: str, b: str) -> bool:
        return hamming_distance(a, b) <= self.threshold

    def index_key(self, value: str) -> bytes:
        return hex_to_bytes(value)

    def examples(self) -> list[str]:
        from takedown.fingerprints.service import image_pdq

        return [image_pdq(data).hex for data in _example_jpegs()]


SIGNAL_TYPES: dict[str, SignalType] = {
    signal.name: signal for signal in (Md5Signal(), Sha256Signal(), PdqSignal())
}


@functools.cache
def _example_jpegs() -> tuple[bytes, ...]:
    from takedown.fingerprints.examples import synthetic_jpeg

    return tuple(synthetic_jpeg(seed, 320, 240) for seed in EXAMPLE_SEEDS)
