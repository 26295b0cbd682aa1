"""Video frame hashes compatible with Meta's vPDQ, decoded with PyAV, and vPDQ's match rule.

Frame selection follows vPDQ's file hasher: with r the stream's average frame rate
(falling back to its base rate), frame n (in decode order) is hashed when
n % int(interval_s * r) == 0, and stamped n / r seconds. interval_s = 0 hashes every frame.
Luma is read straight from the decoded Y plane (no RGB conversion), rescaled from
limited range when needed; other pixel formats go through RGB.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import av
import numpy as np
from av.video.stream import VideoStream

from takedown.fingerprints.decode import Limits, check_deadline, check_pixels
from takedown.fingerprints.errors import (
    FingerprintError,
    NotMedia,
    TruncatedMedia,
    UnreadableMedia,
)
from takedown.fingerprints.hamming import hex_to_bytes
from takedown.fingerprints.pdq import (
    PDQ_DISTANCE_THRESHOLD,
    PDQ_QUALITY_THRESHOLD,
    Raster,
    pdq_hash_and_dihedral,
)

DEFAULT_INTERVAL_S = 1.0
MAX_BAD_PACKETS = 100
VPDQ_MATCH_PERCENT = 80.0
TIMESTAMP_DECIMALS = 3
_Y_PLANE_FORMATS = frozenset(
    {
        "yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p",
        "yuv440p", "yuvj440p", "yuv411p", "yuv410p", "nv12", "nv21", "gray",
    }
)  # fmt: skip
_LIMITED_GAIN = 255.0 / 219.0


@dataclass(frozen=True, slots=True)
class FrameHash:
    """One vPDQ feature: a hashed frame's number, time, PDQ hash and quality.

    `dihedral` holds the frame's 8 orientation hashes (DIHEDRAL_NAMES order, the first
    equal to `pdq`) when they were asked for, for querying with a mirrored or rotated copy.
    """

    frame_number: int
    timestamp_s: float
    pdq: str
    quality: int
    dihedral: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "frame_number": self.frame_number,
            "timestamp_s": self.timestamp_s,
            "pdq": self.pdq,
            "pdq_quality": self.quality,
        }
        if self.dihedral:
            out["dihedral"] = list(self.dihedral)
        return out


@dataclass(frozen=True, slots=True)
class VideoHashes:
    """The hashed frames of a video, and why decoding stopped early if it did."""

    frames: tuple[FrameHash, ...]
    incomplete: str | None  # why decoding stopped early, None when every frame was seen
    width: int
    height: int
    fps: float
    container: str


class HasPdq(Protocol):
    @property
    def pdq(self) -> str: ...
    @property
    def quality(self) -> int: ...


def hash_video(
    source: Path | bytes,
    demuxer: str,
    limits: Limits,
    interval_s: float = DEFAULT_INTERVAL_S,
    dihedral: bool = False,
) -> VideoHashes:
    """vPDQ frame hashes of the first video stream of a file or in-memory bytes
    (with each frame's 8 orientation hashes too when `dihedral`).

    A corrupt packet is skipped, as ffmpeg does; data ending early stops the decoding.
    Either way, and when a limit stops it, the frames so far are kept and `incomplete`
    says why. Nothing decodable at all raises TruncatedMedia.
    """
    deadline = time.monotonic() + limits.timeout_s
    file = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    try:
        with av.open(file, mode="r", format=demuxer, metadata_errors="ignore") as container:
            return _hash_container(container, limits, interval_s, deadline, dihedral)
    except FingerprintError:
        raise
    except MemoryError as exc:
        raise UnreadableMedia("out of memory while decoding") from exc
    except (av.error.InvalidDataError, av.error.EOFError) as exc:
        raise TruncatedMedia(f"invalid or truncated video data: {exc}") from exc
    except Exception as exc:
        raise UnreadableMedia(f"{type(exc).__name__}: {exc}") from exc


class _Decoder:
    """Frames of one stream in decode order. A corrupt packet is skipped; data ending
    early, or more than MAX_BAD_PACKETS corrupt packets, ends the iteration. `failed`
    then tells that some frames were lost."""

    def __init__(self, container: av.container.InputContainer, stream: VideoStream) -> None:
        self.container = container
        self.stream = stream
        self.bad_packets = 0
        self.ended_early = False

    @property
    def failed(self) -> bool:
        return self.ended_early or self.bad_packets > 0

    def __iter__(self) -> Iterator[av.VideoFrame]:
        try:
            for packet in self.container.demux(self.stream):
                try:
                    yield from packet.decode()
                except av.error.FFmpegError:
                    self.bad_packets += 1
                    if self.bad_packets > MAX_BAD_PACKETS:
                        self.ended_early = True
                        return
        except (av.error.InvalidDataError, av.error.EOFError):
            self.ended_early = True


def _hash_container(
    container: av.container.InputContainer,
    limits: Limits,
    interval_s: float,
    deadline: float,
    dihedral: bool,
) -> VideoHashes:
    if not container.streams.video:
        raise NotMedia("no video stream")
    stream = container.streams.video[0]
    check_pixels((stream.width, stream.height), limits)
    fps = _frame_rate(stream)
    every = max(1, int(interval_s * fps))
    decoder = _Decoder(container, stream)
    frames: list[FrameHash] = []
    incomplete = None
    for number, frame in enumerate(decoder):
        check_deadline(deadline)
        incomplete = _limit_reached(number, fps, len(frames), limits)
        if incomplete:
            break
        if number % every == 0:
            check_pixels((frame.width, frame.height), limits)
            frames.append(_frame_hash(frame, number, fps, dihedral))
    else:
        incomplete = "decode_errors" if decoder.failed else None
    if not frames:
        raise TruncatedMedia("no frame could be decoded")
    name = container.format.name.split(",")[0]
    return VideoHashes(tuple(frames), incomplete, stream.width, stream.height, fps, name)


def _frame_hash(frame: av.VideoFrame, number: int, fps: float, dihedral: bool) -> FrameHash:
    hashed, orientations = pdq_hash_and_dihedral(frame_raster(frame), dihedral)
    timestamp = round(number / fps, TIMESTAMP_DECIMALS)
    return FrameHash(number, timestamp, hashed.hex, hashed.quality, orientations)


def _limit_reached(number: int, fps: float, hashed: int, limits: Limits) -> str | None:
    if number / fps > limits.max_duration_s:
        return "max_duration"
    if number >= limits.max_decoded_frames:
        return "max_decoded_frames"
    if hashed >= limits.max_hashed_frames:
        return "max_hashed_frames"
    return None


def _frame_rate(stream: VideoStream) -> float:
    for rate in (stream.average_rate, stream.base_rate, stream.guessed_rate):
        if rate and float(rate) > 0:
            return float(rate)
    raise UnreadableMedia("video frame rate is unknown")


def frame_raster(frame: av.VideoFrame) -> Raster:
    """Luma raster of a decoded frame: the Y plane when there is one, else via RGB."""
    size = (frame.width, frame.height)
    name = frame.format.name
    if name not in _Y_PLANE_FORMATS:
        return Raster(frame.to_ndarray(format="rgb24"), size)
    plane = frame.planes[0]
    luma = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(-1, plane.line_size)
    luma = luma[: frame.height, : frame.width]
    if name == "gray" or name.startswith("yuvj") or _full_range(frame):
        return Raster(luma, size)
    return Raster(luma, size, gain=_LIMITED_GAIN, offset=-16.0 * _LIMITED_GAIN)


def _full_range(frame: av.VideoFrame) -> bool:
    return int(getattr(frame, "color_range", 0) or 0) == 2  # AVCOL_RANGE_JPEG


def vpdq_match(
    frames_a: Iterable[HasPdq],
    frames_b: Iterable[HasPdq],
    distance: int = PDQ_DISTANCE_THRESHOLD,
    quality: int = PDQ_QUALITY_THRESHOLD,
) -> tuple[float, float]:
    """vPDQ brute-force comparison (python-threatexchange / HMA's rule).

    Both sides are deduplicated by hash and stripped of frames with quality < `quality`;
    returns (percent of A's frames within `distance` bits of some frame of B,
    percent of B's frames within `distance` of some frame of A). 0.0 for an empty side.
    Meta's C++ matchTwoHashBrute counts distance < 31 and does not deduplicate.
    """
    a = _usable_bits(frames_a, quality)
    b = _usable_bits(frames_b, quality)
    if not len(a) or not len(b):
        return 0.0, 0.0
    a_hits, b_hits = _cross_hits(a, b, distance)
    return 100.0 * float(a_hits.mean()), 100.0 * float(b_hits.mean())


def vpdq_is_match(
    frames_a: Iterable[HasPdq],
    frames_b: Iterable[HasPdq],
    min_query_pct: float = VPDQ_MATCH_PERCENT,
    min_target_pct: float = VPDQ_MATCH_PERCENT,
) -> bool:
    """Two videos match when both vpdq_match percentages reach their thresholds."""
    query_pct, target_pct = vpdq_match(frames_a, frames_b)
    return query_pct >= min_query_pct and target_pct >= min_target_pct


def _usable_bits(frames: Iterable[HasPdq], quality: int) -> np.ndarray:
    """(n, 4) uint64 of the distinct usable hashes."""
    unique = dict.fromkeys(f.pdq.lower() for f in frames if f.quality >= quality)
    packed = b"".join(hex_to_bytes(h) for h in unique)
    return np.frombuffer(packed, dtype=np.uint64).reshape(-1, 4)


def _cross_hits(a: np.ndarray, b: np.ndarray, distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-row flags: does a[i] have a neighbour in b, does b[j] have one in a."""
    a_hits = np.zeros(len(a), dtype=bool)
    b_hits = np.zeros(len(b), dtype=bool)
    for start in range(0, len(a), 256):
        block = a[start : start + 256]
        near = np.bitwise_count(block[:, None, :] ^ b[None, :, :]).sum(axis=2) <= distance
        a_hits[start : start + 256] = near.any(axis=1)
        b_hits |= near.any(axis=0)
    return a_hits, b_hits


def frames_from_rows(rows: Sequence[tuple[int, int, str, float]]) -> list[FrameHash]:
    """FrameHash list from vPDQ's text rows (frame_number, quality, pdq_hex, timestamp_s)."""
    return [FrameHash(int(n), round(float(t), 3), h.lower(), int(q)) for n, q, h, t in rows]
