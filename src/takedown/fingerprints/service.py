"""The room's plain functions: fingerprint a file or uploaded bytes.

`hash_bytes` returns a typed Fingerprint or raises a FingerprintError (for the API);
`hash_path` returns a JSON-ready dict and never raises (for the CLI and batch jobs).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from PIL import Image

from takedown.fingerprints.decode import (
    AnimationFrames,
    Limits,
    image_raster,
    is_animation,
    open_image,
    read_head,
    sniff_video,
)
from takedown.fingerprints.errors import (
    EmptyMedia,
    FingerprintError,
    NotMedia,
    TooLarge,
    UnreadableMedia,
)
from takedown.fingerprints.exact import ExactDigests, digest_bytes, digest_file
from takedown.fingerprints.pdq import (
    PdqHash,
    pdq_dihedral_hashes,
    pdq_hash,
    pdq_hash_and_dihedral,
)
from takedown.fingerprints.video import DEFAULT_INTERVAL_S, FrameHash, hash_video

Kind = Literal["image", "animation", "video"]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Every signal of one media file.

    Images have `pdq`; videos have `frames` (vPDQ features); animations (GIF, WebP, APNG)
    have both: `pdq` of the first frame and `frames` sampled like a video.
    `incomplete` names why some frames were not hashed (max_duration,
    max_decoded_frames, max_hashed_frames, decode_errors), else None.
    When asked (`dihedral=True`), `pdq_dihedral` holds the 8 orientation hashes of `pdq`
    (DIHEDRAL_NAMES order, the first equal to `pdq`) and each frame its own `dihedral`.
    """

    kind: Kind
    media_format: str
    width: int
    height: int
    md5: str
    sha256: str
    size_bytes: int
    pdq: str | None = None
    pdq_quality: int | None = None
    frames: tuple[FrameHash, ...] = ()
    incomplete: str | None = None
    pdq_dihedral: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "md5": self.md5,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "kind": self.kind,
            "format": self.media_format,
            "width": self.width,
            "height": self.height,
        }
        if self.pdq is not None:
            out["pdq"] = self.pdq
            out["pdq_quality"] = self.pdq_quality
        if self.pdq_dihedral:
            out["pdq_dihedral"] = list(self.pdq_dihedral)
        if self.kind != "image":
            out["frames"] = [frame.to_dict() for frame in self.frames]
            out["frames_complete"] = self.incomplete is None
            if self.incomplete:
                out["incomplete"] = self.incomplete
        return out


@dataclass(frozen=True, slots=True)
class _Options:
    limits: Limits
    interval_s: float
    dihedral: bool


# A picture just under the pixel limit decodes to hundreds of megabytes: only so many are
# decoded at once in a process (others wait their turn), so memory stays bounded.
DECODES = threading.BoundedSemaphore(2)


def set_decode_slots(slots: int) -> None:
    """How many files this process decodes at once (Settings.decode_slots)."""
    global DECODES
    DECODES = threading.BoundedSemaphore(max(slots, 1))


def hash_bytes(
    data: bytes,
    filename: str | None = None,
    *,
    limits: Limits | None = None,
    frame_interval_s: float = DEFAULT_INTERVAL_S,
    dihedral: bool = False,
) -> Fingerprint:
    """Fingerprint uploaded bytes; raises a FingerprintError for anything not hashable.

    `filename` is only quoted in error messages: the content alone decides the format.
    `dihedral` adds the 8 orientation hashes of the picture and of every hashed frame
    (for a query; stored media keep plain hashes). The plain hashes do not change.
    """
    options = _Options(limits or Limits(), frame_interval_s, dihedral)
    _check_size(len(data), options.limits, f"{filename}: " if filename else "")
    try:
        with DECODES:
            return _fingerprint(data, digest_bytes(data), options)
    except FingerprintError:
        raise
    except Exception as exc:  # last net: only FingerprintErrors leave this room
        raise UnreadableMedia(f"{type(exc).__name__}: {exc}") from exc


def hash_path(
    path: Path,
    *,
    limits: Limits | None = None,
    frame_interval_s: float = DEFAULT_INTERVAL_S,
    dihedral: bool = False,
) -> dict[str, object]:
    """Fingerprint a file as a JSON-ready dict: path, md5, sha256, then pdq or frames
    (and their orientation hashes when `dihedral`), or `error` (a FingerprintError code)
    and `message`. Never raises on bad input."""
    out: dict[str, object] = {"path": str(path)}
    options = _Options(limits or Limits(), frame_interval_s, dihedral)
    try:
        out.update(_hash_file(Path(path), options, out))
    except FingerprintError as exc:
        out.update(exc.as_line())
    except Exception as exc:  # last net: a decoder bug must not stop a batch
        out.update(UnreadableMedia(f"{type(exc).__name__}: {exc}").as_line())
    return out


def image_pdq(source: bytes | Path, limits: Limits | None = None) -> PdqHash:
    """PDQ of a still image (first frame of an animation): the path hash_path takes."""
    limits = limits or Limits()
    _check_size(_size_of(source), limits)
    with open_image(source, limits) as image:
        return pdq_hash(image_raster(image))


def pdq_dihedral(source: bytes | Path | Image.Image, limits: Limits | None = None) -> list[PdqHash]:
    """The 8 PDQ hashes (original, rotate90/180/270, flip_x/y, flip_plus1/minus1) of a
    still image, for querying a bank with every orientation of a picture.

    An Image passed in is decoded in place (a JPEG not yet loaded is drafted smaller)."""
    if isinstance(source, Image.Image):
        return list(pdq_dihedral_hashes(image_raster(source)))
    limits = limits or Limits()
    _check_size(_size_of(source), limits)
    with open_image(source, limits) as image:
        return list(pdq_dihedral_hashes(image_raster(image)))


def _hash_file(path: Path, options: _Options, out: dict[str, object]) -> dict[str, object]:
    try:
        if not path.is_file():
            raise UnreadableMedia("no such file" if not path.exists() else "not a regular file")
        digests = digest_file(path)
    except OSError as exc:
        raise UnreadableMedia(f"{type(exc).__name__}: {exc}") from exc
    out.update(md5=digests.md5, sha256=digests.sha256, size_bytes=digests.size_bytes)
    _check_size(digests.size_bytes, options.limits)
    return _fingerprint(path, digests, options).to_dict()


def _size_of(source: bytes | Path) -> int:
    try:
        return source.stat().st_size if isinstance(source, Path) else len(source)
    except OSError as exc:
        raise UnreadableMedia(f"{type(exc).__name__}: {exc}") from exc


def _check_size(size: int, limits: Limits, label: str = "") -> None:
    if size == 0:
        raise EmptyMedia(f"{label}empty file")
    if size > limits.max_bytes:
        raise TooLarge(f"{label}{size} bytes is over the {limits.max_bytes} byte limit")


def _fingerprint(source: bytes | Path, digests: ExactDigests, options: _Options) -> Fingerprint:
    """Image if Pillow recognises it, else video if the container magic says so."""
    try:
        image = open_image(source, options.limits)
    except NotMedia:
        demuxer = sniff_video(read_head(source))
        if demuxer is None:
            raise
        return _video_fingerprint(source, demuxer, digests, options)
    with image:
        size = image.size
        if is_animation(image):
            return _animation_fingerprint(image, size, digests, options)
        hashed, orientations = pdq_hash_and_dihedral(image_raster(image), options.dihedral)
        fingerprint = _image_fingerprint(image, size, "image", digests, hashed)
        return replace(fingerprint, pdq_dihedral=orientations)


def _animation_fingerprint(
    image: Image.Image, size: tuple[int, int], digests: ExactDigests, options: _Options
) -> Fingerprint:
    reader = AnimationFrames(image, options.limits, options.interval_s)
    frames: list[FrameHash] = []
    for index, start_s, raster in reader:
        if len(frames) >= options.limits.max_hashed_frames:
            reader.incomplete = "max_hashed_frames"
            break
        hashed, orientations = pdq_hash_and_dihedral(raster, options.dihedral)
        frames.append(FrameHash(index, round(start_s, 3), hashed.hex, hashed.quality, orientations))
    first = PdqHash(frames[0].pdq, frames[0].quality)
    fingerprint = _image_fingerprint(image, size, "animation", digests, first)
    return replace(
        fingerprint,
        frames=tuple(frames),
        incomplete=reader.incomplete,
        pdq_dihedral=frames[0].dihedral,
    )


def _image_fingerprint(
    image: Image.Image, size: tuple[int, int], kind: Kind, digests: ExactDigests, hashed: PdqHash
) -> Fingerprint:
    return Fingerprint(
        kind=kind,
        media_format=str(image.format),
        width=size[0],
        height=size[1],
        md5=digests.md5,
        sha256=digests.sha256,
        size_bytes=digests.size_bytes,
        pdq=hashed.hex,
        pdq_quality=hashed.quality,
    )


def _video_fingerprint(
    source: bytes | Path, demuxer: str, digests: ExactDigests, options: _Options
) -> Fingerprint:
    video = hash_video(source, demuxer, options.limits, options.interval_s, options.dihedral)
    return Fingerprint(
        kind="video",
        media_format=video.container,
        width=video.width,
        height=video.height,
        md5=digests.md5,
        sha256=digests.sha256,
        size_bytes=digests.size_bytes,
        frames=video.frames,
        incomplete=video.incomplete,
    )
