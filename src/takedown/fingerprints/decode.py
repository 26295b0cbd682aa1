"""Safe decoding of untrusted media into PDQ rasters.

Every limit is per call (a `Limits` value), checked on the declared header before any
pixel is decoded; Pillow's global MAX_IMAGE_PIXELS is left alone (it still refuses, as a
second net, anything it considers a bomb). Every failure is a FingerprintError.

Choices:
- Only JPEG, PNG, GIF, WebP, BMP, TIFF (and MPO, AVIF when Pillow has them) are tried;
  videos are recognised by their container magic and opened with that demuxer only.
- EXIF orientation is NOT applied: hashes are of the stored pixels, as the reference
  list and HMA compute them; a rotated copy is found by querying the 8 dihedral hashes.
- Alpha is dropped without compositing (as Pillow's convert("RGB") does for the reference).
- 16-bit and 32-bit greyscale is scaled to 8 bits (Pillow's convert would clip it).
- Big JPEGs are decoded at 1/2..1/8 scale and luma only (JPEG's Y channel uses PDQ's
  luma weights), other big images reduced by box averaging; see pdq.py for why the
  hash does not change. The same path serves hash_path, hash_bytes and the benchmark.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from takedown.fingerprints.errors import (
    DecodeTimeout,
    FingerprintError,
    NotMedia,
    TooManyPixels,
    TruncatedMedia,
    UnreadableMedia,
)
from takedown.fingerprints.pdq import Raster

IMAGE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "MPO", "AVIF")
ANIMATED_FORMATS = ("GIF", "WEBP", "PNG")
DRAFT_FORMATS = ("JPEG", "MPO")
DRAFT_MODE = "L"
REDUCED_MIN_SIDE = 128
MAX_SCALE = 8
SNIFF_BYTES = 512


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-call resource limits for decoding one file (the API passes its upload size)."""

    max_bytes: int = 256 * 1024 * 1024
    max_pixels: int = 89_478_485  # per picture or video frame, Pillow's default figure
    max_hashed_frames: int = 7_200  # frame hashes per video or animation
    max_decoded_frames: int = 200_000  # frames decoded per video or animation
    max_duration_s: float = 3_600.0  # stream time decoded; the rest is not hashed
    timeout_s: float = 300.0  # wall-clock budget for decoding a video or animation


def allowed_formats() -> tuple[str, ...]:
    """The IMAGE_FORMATS this Pillow build can open."""
    Image.init()
    return tuple(f for f in IMAGE_FORMATS if f in Image.OPEN)


def sniff_video(head: bytes) -> str | None:
    """FFmpeg demuxer name for a known video container magic, else None."""
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head.startswith(b"FLV\x01"):
        return "flv"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "mpeg"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "asf"
    if len(head) > 376 and head[0] == head[188] == head[376] == 0x47:
        return "mpegts"
    return None


@contextlib.contextmanager
def pillow_errors() -> Iterator[None]:
    """Map whatever Pillow raises on hostile input to a FingerprintError."""
    try:
        yield
    except FingerprintError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooManyPixels(str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise NotMedia("not a supported image or video") from exc
    except MemoryError as exc:
        raise TooManyPixels("out of memory while decoding") from exc
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, EOFError) or "truncated" in message.lower():
            raise TruncatedMedia(message) from exc
        raise UnreadableMedia(message) from exc


def open_image(source: bytes | Path, limits: Limits) -> Image.Image:
    """Identify an image from its header and check its size; no pixel is decoded yet.

    Raises NotMedia when no allowed format recognises the bytes.
    """
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    with pillow_errors():
        image = Image.open(file, formats=allowed_formats())
    try:
        check_pixels(image.size, limits)
    except TooManyPixels:
        image.close()
        raise
    return image


def check_deadline(deadline: float) -> None:
    """Raise DecodeTimeout once time.monotonic() passes `deadline`."""
    if time.monotonic() > deadline:
        raise DecodeTimeout("decoding took longer than the time limit")


def check_pixels(size: tuple[int, int], limits: Limits) -> None:
    width, height = size
    if width * height > limits.max_pixels:
        raise TooManyPixels(f"{width}x{height} is over the {limits.max_pixels} pixel limit")


def is_animation(image: Image.Image) -> bool:
    return image.format in ANIMATED_FORMATS and bool(getattr(image, "is_animated", False))


def image_raster(image: Image.Image) -> Raster:
    """Decode the current frame of an opened image into a (possibly reduced) raster."""
    full = image.size
    scale = reduction_for(full)
    with pillow_errors():
        if scale > 1 and image.format in DRAFT_FORMATS and image.tell() == 0:
            scale = _draft(image, scale)
            image.load()
            return Raster(_pixels(_pdq_mode(image)), full, scale)
        image.load()
        picture = _pdq_mode(image)
        if scale > 1:
            picture = picture.reduce(scale)
        return Raster(_pixels(picture), full, scale)


def reduction_for(size: tuple[int, int]) -> int:
    """Largest power of two <= MAX_SCALE keeping the short side >= REDUCED_MIN_SIDE."""
    scale = 1
    while scale < MAX_SCALE and min(size) // (scale * 2) >= REDUCED_MIN_SIDE:
        scale *= 2
    return scale


class AnimationFrames:
    """Iterate (frame index, start time, raster) over the frames of an animation shown at
    0, interval, 2*interval... seconds (every frame when interval_s <= 0).

    Frame durations below 20 ms count as 100 ms, as browsers show them. Iteration stops
    without error at max_decoded_frames or max_duration_s, naming it in `incomplete`.
    """

    def __init__(self, image: Image.Image, limits: Limits, interval_s: float) -> None:
        self.image = image
        self.limits = limits
        self.interval_s = interval_s
        self.deadline = time.monotonic() + limits.timeout_s
        self.incomplete: str | None = None

    def __iter__(self) -> Iterator[tuple[int, float, Raster]]:
        # Whole milliseconds, so that ten 100 ms frames end exactly at 1 s.
        step_ms = round(self.interval_s * 1000)
        start_ms = next_sample_ms = 0
        with pillow_errors():
            total = int(getattr(self.image, "n_frames", 1))
        for index in range(total):
            check_deadline(self.deadline)
            if start_ms > self.limits.max_duration_s * 1000:
                self.incomplete = "max_duration"
                return
            if index >= self.limits.max_decoded_frames:
                self.incomplete = "max_decoded_frames"
                return
            end_ms = start_ms + self._seek(index)
            if step_ms <= 0 or next_sample_ms < end_ms:
                check_pixels(self.image.size, self.limits)
                yield index, start_ms / 1000, image_raster(self.image)
                while step_ms > 0 and next_sample_ms < end_ms:
                    next_sample_ms += step_ms
            start_ms = end_ms

    def _seek(self, index: int) -> int:
        """Decode frame `index`; returns how long it is shown, in milliseconds."""
        with pillow_errors():
            self.image.seek(index)
            self.image.load()  # WebP only reports a frame's duration once it is loaded
            duration_ms = round(float(self.image.info.get("duration") or 0))
        return duration_ms if duration_ms >= 20 else 100


def _draft(image: Image.Image, scale: int) -> int:
    """Ask libjpeg to decode at 1/scale (DCT scaling); returns the scale obtained."""
    width, height = image.size
    drafted = image.draft(DRAFT_MODE, (width // scale, height // scale))
    if drafted is None:
        return 1
    return round(width / drafted[1][2])


def _pdq_mode(image: Image.Image) -> Image.Image:
    """RGB or L image with the pixels the reference hashes (see module docstring)."""
    mode = image.mode
    if mode in ("RGB", "L"):
        return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        return Image.fromarray(_eight_bit(np.asarray(image)), mode="L")
    if mode in ("1", "LA", "La"):
        return image.convert("L")
    if mode in ("P", "PA"):
        return image.convert("RGBA").convert("RGB")
    return image.convert("RGB")


def _eight_bit(values: np.ndarray) -> np.ndarray:
    """16/32-bit greyscale to uint8: 16-bit range when any value exceeds 255."""
    values = values.astype(np.float32)
    if values.size and float(values.max()) > 255.0:
        values = values / 257.0
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _pixels(picture: Image.Image) -> np.ndarray:
    """uint8 RGB (h, w, 3), or uint8 luma (h, w) for L pictures."""
    return np.asarray(picture)


def read_head(source: bytes | Path) -> bytes:
    """The first SNIFF_BYTES of in-memory bytes or of a file."""
    if isinstance(source, bytes):
        return source[:SNIFF_BYTES]
    with source.open("rb") as stream:
        return stream.read(SNIFF_BYTES)
