"""Hostile and broken input: every failure is a stable error code, never a crash."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from takedown.fingerprints import (
    FingerprintError,
    Limits,
    TooLarge,
    TooManyPixels,
    hash_bytes,
    hash_path,
)
from takedown.fingerprints.errors import ERROR_TYPES
from takedown.fingerprints.examples import synthetic_jpeg

EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height 8-bit grey pixels."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def code_of(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(FingerprintError) as caught:
        hash_bytes(data, limits=limits)
    return caught.value.code


def test_error_codes_are_stable_and_mapped_to_http() -> None:
    codes = {error.code: error.http_status for error in ERROR_TYPES}
    assert codes == {
        "empty": 422,
        "not_media": 422,
        "truncated": 422,
        "unreadable": 422,
        "too_large": 413,
        "too_many_pixels": 413,
        "decode_timeout": 422,
        "invalid_hash": 422,
    }


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    result = hash_path(path)
    assert result["error"] == "empty" and result["md5"] == EMPTY_MD5
    assert code_of(b"") == "empty"


@pytest.mark.parametrize(
    "data",
    [np.random.default_rng(0).bytes(5000), b"hello, not a picture\n" * 50, b"\x00" * 10],
    ids=["random", "text", "zeros"],
)
def test_not_media(data: bytes) -> None:
    assert code_of(data) == "not_media"


@pytest.mark.parametrize("fraction", [0.9, 0.5, 0.05])
def test_truncated_jpeg(fraction: float) -> None:
    data = synthetic_jpeg(2, 640, 480)
    assert code_of(data[: int(len(data) * fraction)]) == "truncated"


def test_truncated_png(png_bytes: bytes) -> None:
    assert code_of(png_bytes[: len(png_bytes) // 2]) == "truncated"


def test_oversized_file(tmp_path: Path, jpeg_bytes: bytes) -> None:
    limits = Limits(max_bytes=len(jpeg_bytes) - 1)
    with pytest.raises(TooLarge) as caught:
        hash_bytes(jpeg_bytes, limits=limits)
    assert caught.value.http_status == 413
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg_bytes)
    result = hash_path(path, limits=limits)
    assert result["error"] == "too_large" and len(str(result["sha256"])) == 64


@pytest.mark.parametrize("side", [100_000, 20_000])
def test_decompression_bomb_header_is_refused(side: int) -> None:
    before = Image.MAX_IMAGE_PIXELS
    assert code_of(png_declaring(side, side)) == "too_many_pixels"
    assert before == Image.MAX_IMAGE_PIXELS  # no global mutation


def test_per_call_pixel_limit_refuses_before_decoding() -> None:
    # 81 Mpx is under Pillow's own limit; the bogus IDAT would fail as "truncated" if decoded.
    bomb = png_declaring(9_000, 9_000)
    assert code_of(bomb) == "truncated"
    assert code_of(bomb, Limits(max_pixels=50_000_000)) == "too_many_pixels"


def test_pixel_limit_holds_when_pillow_only_warns() -> None:
    with warnings.catch_warnings():  # Pillow's DecompressionBombWarning not escalated
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(TooManyPixels):
            hash_bytes(png_declaring(10_000, 10_000))


def test_large_blank_image_is_refused_by_the_limit() -> None:
    buffer = io.BytesIO()
    Image.new("L", (3_000, 3_000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 50_000  # 9 Mpx in a few KB
    assert code_of(buffer.getvalue(), Limits(max_pixels=4_000_000)) == "too_many_pixels"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert hash_path(tmp_path / "nope.jpg")["error"] == "unreadable"
    assert hash_path(tmp_path)["error"] == "unreadable"


def test_truncated_and_junk_video(vpdq_dir: Path) -> None:
    video = (vpdq_dir / "videos/pattern-sd-grey-bar.mp4").read_bytes()
    assert code_of(video[:1000]) == "truncated"
    assert code_of(b"\x00\x00\x00\x18ftypmp42" + np.random.default_rng(1).bytes(3000)) in {
        "truncated",
        "unreadable",
    }
    half = hash_bytes(video[: len(video) // 2])
    assert 0 < len(half.frames) < 7 and half.incomplete == "decode_errors"


def test_video_timeout_and_pixel_limit(vpdq_dir: Path) -> None:
    video = (vpdq_dir / "videos/pattern-sd-grey-bar.mp4").read_bytes()
    assert code_of(video, Limits(timeout_s=0.0)) == "decode_timeout"
    assert code_of(video, Limits(max_pixels=480 * 720 - 1)) == "too_many_pixels"


def test_mutated_files_never_crash(vpdq_dir: Path, jpeg_bytes: bytes, png_bytes: bytes) -> None:
    rng = np.random.default_rng(1234)
    video = (vpdq_dir / "videos/pattern-sd-grey-bar.mp4").read_bytes()
    seen: set[str] = set()
    for original in (jpeg_bytes, png_bytes, _gif(), video[:200_000]):
        for _ in range(12):
            data = np.frombuffer(original, dtype=np.uint8).copy()
            spots = rng.integers(0, len(data), size=int(rng.integers(1, 40)))
            data[spots] = rng.integers(0, 256, size=len(spots), dtype=np.uint8)
            cut = int(rng.integers(len(data) // 2, len(data) + 1))
            seen.add(_outcome(data[:cut].tobytes()))
    assert seen - {"hashed"} <= {e.code for e in ERROR_TYPES}


def _outcome(data: bytes) -> str:
    try:
        hash_bytes(data)
    except FingerprintError as exc:
        return exc.code
    return "hashed"


def _gif() -> bytes:
    frames = [Image.new("RGB", (64, 48), (i * 40, 80, 200 - i * 40)) for i in range(4)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=300)
    return buffer.getvalue()
