"""Animated GIF, WebP and APNG: first-frame PDQ plus frames sampled like a video."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from takedown.fingerprints import Limits, hash_bytes, image_pdq
from takedown.fingerprints.examples import synthetic_image


def frames(count: int, size: tuple[int, int] = (320, 240)) -> list[Image.Image]:
    return [synthetic_image(np.random.default_rng(100 + i), *size) for i in range(count)]


def animation(images: list[Image.Image], fmt: str, durations: list[int]) -> bytes:
    buffer = io.BytesIO()
    options: dict[str, object] = {"lossless": True} if fmt == "WEBP" else {}
    images[0].save(
        buffer,
        format=fmt,
        save_all=True,
        append_images=images[1:],
        duration=durations,
        loop=0,
        **options,
    )
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_frames_shown_at_each_second_are_hashed(fmt: str) -> None:
    pictures = frames(3)
    result = hash_bytes(animation(pictures, fmt, [500, 1500, 1000]))
    assert result.kind == "animation" and result.incomplete is None
    assert [f.frame_number for f in result.frames] == [0, 1, 2]
    assert [f.timestamp_s for f in result.frames] == [0.0, 0.5, 2.0]
    assert [f.pdq for f in result.frames] == [image_pdq(png(p)).hex for p in pictures]
    assert result.pdq == result.frames[0].pdq and result.pdq_quality == result.frames[0].quality


def test_short_frames_are_sampled_and_every_frame_on_request() -> None:
    data = animation(frames(10, (96, 64)), "GIF", [100] * 10)
    assert [f.frame_number for f in hash_bytes(data).frames] == [0]
    every = hash_bytes(data, frame_interval_s=0)
    assert [f.frame_number for f in every.frames] == list(range(10))
    assert len({f.pdq for f in every.frames}) == 10


def test_zero_durations_count_as_a_tenth_of_a_second() -> None:
    data = animation(frames(25, (96, 64)), "GIF", [0] * 25)
    assert [f.frame_number for f in hash_bytes(data).frames] == [0, 10, 20]


def test_frame_limits_mark_the_result_incomplete() -> None:
    data = animation(frames(4, (96, 64)), "GIF", [1000] * 4)
    result = hash_bytes(data, limits=Limits(max_decoded_frames=2))
    assert len(result.frames) == 2 and result.incomplete == "max_decoded_frames"
    assert result.to_dict()["frames_complete"] is False


def test_single_frame_gif_is_a_still_image() -> None:
    data = animation(frames(1, (96, 64)), "GIF", [100])
    result = hash_bytes(data)
    assert result.kind == "image" and result.frames == () and "frames" not in result.to_dict()
