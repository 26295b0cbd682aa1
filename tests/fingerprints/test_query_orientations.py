"""Query-side orientations: `dihedral=True` adds the 8 orientation hashes of a picture and
of every frame, leaving the plain hashes untouched, so a mirrored or rotated copy is found."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageOps

from takedown.fingerprints import (
    DIHEDRAL_NAMES,
    PDQ_DISTANCE_THRESHOLD,
    Fingerprint,
    FrameHash,
    best_dihedral_distance,
    hamming_distance,
    hash_bytes,
    hash_path,
)
from takedown.fingerprints.examples import encode, synthetic_image

FPS = 5


def _pictures(count: int = 4) -> list[Image.Image]:
    return [synthetic_image(np.random.default_rng(300 + i), 320, 240) for i in range(count)]


def _video(pictures: list[Image.Image], bit_rate: int = 1_500_000) -> bytes:
    """MPEG-4 in MP4, each picture shown for one second."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as output:
        stream = output.add_stream("mpeg4", rate=FPS)
        stream.width, stream.height = pictures[0].size
        stream.pix_fmt, stream.bit_rate = "yuv420p", bit_rate
        for picture in pictures:
            for _ in range(FPS):
                frame = av.VideoFrame.from_image(picture).reformat(format="yuv420p")
                output.mux(stream.encode(frame))
        output.mux(stream.encode())
    return buffer.getvalue()


def _gif(pictures: list[Image.Image]) -> bytes:
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:], duration=1000)
    return buffer.getvalue()


NAMES = ["jpeg_reduced", "png_reduced", "png_full_size", "gif_animation", "mp4_video"]


@pytest.fixture(scope="module")
def media() -> dict[str, bytes]:
    pictures = _pictures()
    big = synthetic_image(np.random.default_rng(7), 640, 480)
    return {
        "jpeg_reduced": encode(big, "JPEG"),
        "png_reduced": encode(big, "PNG"),
        "png_full_size": encode(pictures[0], "PNG"),
        "gif_animation": _gif(pictures),
        "mp4_video": _video(pictures),
    }


def _plain(fingerprint: Fingerprint) -> Fingerprint:
    frames = tuple(replace(frame, dihedral=()) for frame in fingerprint.frames)
    return replace(fingerprint, frames=frames, pdq_dihedral=())


@pytest.mark.parametrize("name", NAMES)
def test_dihedral_adds_orientations_and_keeps_the_plain_hashes(
    media: dict[str, bytes], name: str
) -> None:
    plain = hash_bytes(media[name])
    queried = hash_bytes(media[name], dihedral=True)
    assert _plain(queried) == plain
    assert plain.pdq_dihedral == () and all(f.dihedral == () for f in plain.frames)
    if queried.pdq is not None:
        assert len(queried.pdq_dihedral) == len(DIHEDRAL_NAMES)
        assert queried.pdq_dihedral[0] == queried.pdq
    for frame in queried.frames:
        assert len(frame.dihedral) == len(DIHEDRAL_NAMES) == len(set(frame.dihedral))
        assert frame.dihedral[0] == frame.pdq


def test_to_dict_and_hash_path_show_orientations_only_when_asked(
    media: dict[str, bytes], tmp_path: Path
) -> None:
    image, video = tmp_path / "image.jpg", tmp_path / "video.mp4"
    image.write_bytes(media["jpeg_reduced"])
    video.write_bytes(media["mp4_video"])
    assert "pdq_dihedral" not in hash_path(image)
    assert "dihedral" not in hash_path(video)["frames"][0]  # type: ignore[index]
    expected = hash_bytes(image.read_bytes(), dihedral=True).pdq_dihedral
    assert hash_path(image, dihedral=True)["pdq_dihedral"] == list(expected)
    video_frames = hash_path(video, dihedral=True)["frames"]
    assert isinstance(video_frames, list)
    assert all(len(row["dihedral"]) == 8 for row in video_frames)
    assert all(row["dihedral"][0] == row["pdq"] for row in video_frames)


@pytest.mark.parametrize(
    "change",
    [ImageOps.mirror, lambda image: image.transpose(Image.Transpose.ROTATE_90)],
    ids=["mirror", "rotate90"],
)
def test_mirrored_and_rotated_copies_are_found_both_ways(
    change: Callable[[Image.Image], Image.Image],
) -> None:
    picture = synthetic_image(np.random.default_rng(21), 480, 360)
    copy = change(picture)
    original = hash_bytes(encode(picture, "PNG"), dihedral=True)
    changed = hash_bytes(encode(copy, "JPEG", quality=80), dihedral=True)
    assert original.pdq is not None and changed.pdq is not None
    assert hamming_distance(original.pdq, changed.pdq) > PDQ_DISTANCE_THRESHOLD
    assert best_dihedral_distance(changed.pdq_dihedral, original.pdq) <= PDQ_DISTANCE_THRESHOLD
    assert best_dihedral_distance(original.pdq_dihedral, changed.pdq) <= PDQ_DISTANCE_THRESHOLD


def test_frames_of_a_flipped_reencode_match_through_the_dihedral_hashes(
    media: dict[str, bytes],
) -> None:
    pictures = _pictures()
    original = hash_bytes(media["mp4_video"])
    flipped = hash_bytes(_video([ImageOps.mirror(p) for p in pictures], 400_000), dihedral=True)
    assert len(flipped.frames) == len(original.frames) == len(pictures)
    for query, stored in zip(flipped.frames, original.frames, strict=True):
        assert hamming_distance(query.pdq, stored.pdq) > PDQ_DISTANCE_THRESHOLD
        assert best_dihedral_distance(query.dihedral, stored.pdq) <= PDQ_DISTANCE_THRESHOLD
    assert _matched_share(flipped.frames, original.frames) == 1.0


def _matched_share(query: Sequence[FrameHash], stored: Sequence[FrameHash]) -> float:
    hits = [
        any(best_dihedral_distance(q.dihedral, s.pdq) <= PDQ_DISTANCE_THRESHOLD for s in stored)
        for q in query
    ]
    return sum(hits) / len(hits)


def test_best_dihedral_distance_is_the_smallest_distance() -> None:
    target = "0" * 64
    query = ["f" * 64, "0" * 63 + "7", "0" * 62 + "ff"]
    assert best_dihedral_distance(query, target) == 3
    with pytest.raises(ValueError):
        best_dihedral_distance([], target)
