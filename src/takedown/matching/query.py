"""What a media item is matched with: its digests and the 8 orientations of each PDQ."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from takedown.fingerprints import PDQ_QUALITY_THRESHOLD, Fingerprint, hex_to_bytes


@dataclass
class MediaQuery:
    md5: bytes | None = None
    sha256: bytes | None = None
    # One (k, 32) array per image or usable video frame: its k orientations (1 or 8).
    pdqs: list[np.ndarray] = field(default_factory=list)
    is_video: bool = False

    @property
    def empty(self) -> bool:
        return self.md5 is None and self.sha256 is None and not self.pdqs


def from_fingerprint(fp: Fingerprint) -> MediaQuery:
    query = MediaQuery(
        md5=bytes.fromhex(fp.md5), sha256=bytes.fromhex(fp.sha256), is_video=fp.kind != "image"
    )
    if fp.kind == "image":
        if fp.pdq and (fp.pdq_quality or 0) >= PDQ_QUALITY_THRESHOLD:
            query.pdqs.append(_orientations(getattr(fp, "pdq_dihedral", ()) or (fp.pdq,)))
        return query
    for frame in fp.frames:
        if frame.quality >= PDQ_QUALITY_THRESHOLD:
            query.pdqs.append(_orientations(getattr(frame, "dihedral", ()) or (frame.pdq,)))
    return query


def from_hashes(md5: str | None, sha256: str | None, pdq: list[str]) -> MediaQuery:
    """Bare hashes (as a platform that hashes its own uploads sends them)."""
    return MediaQuery(
        md5=bytes.fromhex(md5) if md5 else None,
        sha256=bytes.fromhex(sha256) if sha256 else None,
        pdqs=[_orientations((h,)) for h in pdq],
        is_video=len(pdq) > 1,
    )


def _orientations(hashes: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.frombuffer(b"".join(hex_to_bytes(h) for h in hashes), dtype=np.uint8).reshape(
        len(hashes), 32
    )
