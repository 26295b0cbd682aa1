"""Video frame hashes against Meta's vPDQ output, and vPDQ's match rule."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from takedown.fingerprints import (
    FrameHash,
    Limits,
    hamming_distance,
    hash_bytes,
    hash_path,
    image_pdq,
    vpdq_is_match,
    vpdq_match,
)
from takedown.fingerprints.examples import encode, synthetic_image
from takedown.fingerprints.video import frames_from_rows, hash_video
from tests.fingerprints.shared_data import VPDQ_DIR, skip_param, video_names, vpdq_rows

MAX_BITS = 31
NAMES = video_names() if VPDQ_DIR.exists() else []
PARAMS = [pytest.param(n, id=n) for n in NAMES] or [skip_param()]
CHAIRS = ["chair-22-sd-grey-bar", "chair-22-with-small-logo-bar", "chair-orig-22-sd-bar"]


@pytest.fixture(scope="module")
def one_per_second(vpdq_dir: Path) -> dict[str, list[FrameHash]]:
    return {name: _frames(hash_path(vpdq_dir / "videos" / f"{name}.mp4")) for name in NAMES}


def _frames(result: dict[str, object]) -> list[FrameHash]:
    assert result["kind"] == "video" and result["frames_complete"] is True, result
    rows = result["frames"]
    assert isinstance(rows, list)
    return [
        FrameHash(r["frame_number"], r["timestamp_s"], r["pdq"], r["pdq_quality"]) for r in rows
    ]


@pytest.mark.parametrize("name", PARAMS)
def test_every_reference_frame_has_a_close_frame_at_the_same_time(name: str) -> None:
    video = hash_video(VPDQ_DIR / "videos" / f"{name}.mp4", "mov", Limits(), interval_s=0)
    ours = {frame.timestamp_s: frame for frame in video.frames}
    reference = frames_from_rows(vpdq_rows(name))
    assert len(ours) == len(reference)
    worst = 0
    for ref in reference:
        mine = ours[ref.timestamp_s]
        assert mine.frame_number == ref.frame_number
        assert (mine.quality >= 50) == (ref.quality >= 50)
        if ref.quality >= 50:
            worst = max(worst, hamming_distance(mine.pdq, ref.pdq))
    assert worst <= MAX_BITS
    assert worst <= 12  # measured 4-10 with Y-plane luma; a regression shows here first


@pytest.mark.parametrize("name", PARAMS)
def test_one_frame_per_second_by_default(
    one_per_second: dict[str, list[FrameHash]], name: str
) -> None:
    frames = one_per_second[name]
    assert [f.timestamp_s for f in frames] == [float(i) for i in range(len(frames))]
    assert [f.frame_number for f in frames] == [30 * i for i in range(len(frames))]
    reference = {f.frame_number: f for f in frames_from_rows(vpdq_rows(name))}
    for frame in frames:
        ref = reference[frame.frame_number]
        assert (frame.quality >= 50) == (ref.quality >= 50)
        if ref.quality >= 50:
            assert hamming_distance(frame.pdq, ref.pdq) <= MAX_BITS


@pytest.mark.parametrize(("a", "b"), [(a, b) for a in CHAIRS for b in CHAIRS if a < b])
def test_chair_variants_match(one_per_second: dict[str, list[FrameHash]], a: str, b: str) -> None:
    query_pct, target_pct = vpdq_match(one_per_second[a], one_per_second[b])
    assert query_pct >= 80.0 and target_pct >= 80.0
    assert vpdq_is_match(one_per_second[a], one_per_second[b])


@pytest.mark.parametrize("other", ["pattern-sd-grey-bar", "doorknob-hd-no-bar"])
def test_other_videos_do_not_match_the_chair(
    one_per_second: dict[str, list[FrameHash]], other: str
) -> None:
    assert vpdq_match(one_per_second[CHAIRS[0]], one_per_second[other]) == (0.0, 0.0)
    assert not vpdq_is_match(one_per_second[CHAIRS[0]], one_per_second[other])


def test_match_rule_on_the_reference_hashes(vpdq_dir: Path) -> None:
    chair = frames_from_rows(vpdq_rows(CHAIRS[0]))
    logo = frames_from_rows(vpdq_rows(CHAIRS[1]))
    pattern = frames_from_rows(vpdq_rows("pattern-sd-grey-bar"))
    assert vpdq_is_match(chair, logo)
    assert not vpdq_is_match(chair, pattern)


def test_match_rule_dedupes_filters_quality_and_is_inclusive() -> None:
    a = "0" * 64
    near = "0" * 56 + "7fffffff"  # 31 bits away
    far = "0" * 56 + "ffffffff"  # 32 bits away
    query = [FrameHash(0, 0.0, a, 100), FrameHash(1, 1.0, a, 100), FrameHash(2, 2.0, far, 10)]
    assert vpdq_match(query, [FrameHash(0, 0.0, near, 100)]) == (100.0, 100.0)
    assert vpdq_match(query, [FrameHash(0, 0.0, far, 100)]) == (0.0, 0.0)
    assert vpdq_match(query, [FrameHash(0, 0.0, near, 49)]) == (0.0, 0.0)
    two = [FrameHash(0, 0.0, a, 100), FrameHash(1, 1.0, "f" * 64, 100)]
    assert vpdq_match(query, two) == (100.0, 50.0)
    assert vpdq_match([], two) == (0.0, 0.0)


def test_limits_cut_long_videos_short(vpdq_dir: Path) -> None:
    data = (vpdq_dir / "videos/pattern-sd-grey-bar.mp4").read_bytes()
    cut = hash_bytes(data, limits=Limits(max_duration_s=2.0))
    assert [f.timestamp_s for f in cut.frames] == [0.0, 1.0, 2.0]
    assert cut.incomplete == "max_duration" and cut.to_dict()["frames_complete"] is False
    capped = hash_bytes(data, limits=Limits(max_hashed_frames=2))
    assert len(capped.frames) == 2 and capped.incomplete == "max_hashed_frames"


def test_in_memory_and_file_agree(vpdq_dir: Path) -> None:
    path = vpdq_dir / "videos/doorknob-hd-no-bar.mp4"
    from_bytes = hash_bytes(path.read_bytes())
    assert from_bytes.to_dict() == {k: v for k, v in hash_path(path).items() if k != "path"}
    assert (from_bytes.width, from_bytes.height, from_bytes.media_format) == (1280, 720, "mov")


@pytest.mark.parametrize(
    ("container", "codec", "pixel_format"),
    [
        ("mp4", "mpeg4", "yuv420p"),
        ("mpegts", "mpeg2video", "yuv420p"),
        ("avi", "mjpeg", "yuvj420p"),
        ("avi", "ffv1", "bgr0"),
        ("matroska", "ffv1", "gray"),
    ],
)
def test_generated_videos_in_other_containers(
    container: str, codec: str, pixel_format: str
) -> None:
    pictures = [synthetic_image(np.random.default_rng(200 + i), 320, 240) for i in range(3)]
    data = _encode_video(pictures, container, codec, pixel_format, fps=5)
    result = hash_bytes(data)
    assert result.kind == "video" and result.incomplete is None
    assert [(f.frame_number, f.timestamp_s) for f in result.frames] == [
        (0, 0.0),
        (5, 1.0),
        (10, 2.0),
    ]
    for frame, picture in zip(result.frames, pictures, strict=True):
        assert hamming_distance(frame.pdq, image_pdq(encode(picture, "PNG")).hex) <= 8


def _encode_video(
    pictures: list[Image.Image], container: str, codec: str, pixel_format: str, fps: int
) -> bytes:
    """Each picture shown for one second."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height = pictures[0].size
        stream.pix_fmt = pixel_format
        for picture in pictures:
            for _ in range(fps):
                frame = av.VideoFrame.from_image(picture).reformat(format=pixel_format)
                output.mux(stream.encode(frame))
        output.mux(stream.encode())
    return buffer.getvalue()
