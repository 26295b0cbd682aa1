"""Generated stand-in media: usable PDQ everywhere, re-uploader variants found through the
query's dihedral hashes (vPDQ's rule for video), other seeds not found."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from takedown.demo import media
from takedown.fingerprints import (
    PDQ_DISTANCE_THRESHOLD,
    PDQ_QUALITY_THRESHOLD,
    VPDQ_MATCH_PERCENT,
    Fingerprint,
    FrameHash,
    best_dihedral_distance,
    hamming_distance,
    hash_bytes,
)

SEED, OTHER_SEED = 1, 2


@pytest.fixture(scope="module")
def video() -> bytes:
    return media.synthetic_video(SEED)


@pytest.fixture(scope="module")
def stored(video: bytes) -> Fingerprint:
    """The known video as a bank stores it: plain frame hashes."""
    return hash_bytes(video)


@pytest.fixture(scope="module")
def image() -> bytes:
    return media.synthetic_image(SEED)


def dihedral_shares(query: Sequence[FrameHash], target: Sequence[FrameHash]) -> tuple[float, float]:
    """vPDQ's two percentages with the query's 8 orientations: a query frame matches when
    any of its dihedral hashes is within 31 bits of some target frame (and the target frame
    is then matched too). Frames below quality 50 are left out, hashes deduplicated."""
    queries = {f.pdq: f.dihedral for f in query if f.quality >= PDQ_QUALITY_THRESHOLD}
    targets = {f.pdq for f in target if f.quality >= PDQ_QUALITY_THRESHOLD}
    near = {
        (q, t): best_dihedral_distance(dihedral, t) <= PDQ_DISTANCE_THRESHOLD
        for q, dihedral in queries.items()
        for t in targets
    }
    query_hits = [any(near[q, t] for t in targets) for q in queries]
    target_hits = [any(near[q, t] for q in queries) for t in targets]
    return 100 * sum(query_hits) / len(queries), 100 * sum(target_hits) / len(targets)


def test_synthetic_video_frames_are_usable(video: bytes, stored: Fingerprint) -> None:
    assert stored.kind == "video" and stored.incomplete is None
    assert (stored.width, stored.height) == (320, 240)
    assert len(stored.frames) == 8  # one per second
    assert all(frame.quality >= PDQ_QUALITY_THRESHOLD for frame in stored.frames)
    assert len({frame.pdq for frame in stored.frames}) == 8  # the picture moves
    assert media.video_codec() in media.ENCODERS


def test_same_seed_gives_the_same_pictures(video: bytes, stored: Fingerprint) -> None:
    """Images are byte-for-byte the same. libx264's bytes are not always (its output for the
    first encode in a process can differ), so a video is compared by what it shows."""
    assert media.synthetic_image(SEED) == media.synthetic_image(SEED)
    again = hash_bytes(media.synthetic_video(SEED)).frames
    assert len(again) == len(stored.frames)
    for a, b in zip(again, stored.frames, strict=True):
        assert hamming_distance(a.pdq, b.pdq) <= 8


def test_trafficker_variant_is_found_through_dihedral_frame_hashes(
    video: bytes, stored: Fingerprint
) -> None:
    variant = hash_bytes(media.trafficker_variant(video), dihedral=True)
    assert variant.md5 != stored.md5 and variant.sha256 != stored.sha256
    assert (variant.width, variant.height) != (stored.width, stored.height)
    query_pct, target_pct = dihedral_shares(variant.frames, stored.frames)
    assert query_pct >= VPDQ_MATCH_PERCENT and target_pct >= VPDQ_MATCH_PERCENT


def test_a_different_seed_is_not_found(stored: Fingerprint) -> None:
    other = hash_bytes(media.synthetic_video(OTHER_SEED), dihedral=True)
    query_pct, target_pct = dihedral_shares(other.frames, stored.frames)
    assert query_pct < 20 and target_pct < 20


def test_image_variant_is_found_and_a_different_seed_is_not(image: bytes) -> None:
    original = hash_bytes(image)
    variant = hash_bytes(media.image_variant(image), dihedral=True)
    other = hash_bytes(media.synthetic_image(OTHER_SEED), dihedral=True)
    assert original.pdq is not None and original.pdq_quality == 100
    assert variant.md5 != original.md5
    assert best_dihedral_distance(variant.pdq_dihedral, original.pdq) <= PDQ_DISTANCE_THRESHOLD
    assert best_dihedral_distance(other.pdq_dihedral, original.pdq) > 64


def test_single_edits_produce_valid_videos_of_the_expected_size(
    video: bytes, stored: Fingerprint
) -> None:
    edits = {
        "reencode": (media.reencode(video, crf_or_bitrate="150k", scale=0.5), (160, 120)),
        "crop": (media.crop(video, 0.05), (288, 216)),
        "mirror": (media.mirror(video), (320, 240)),
    }
    for name, (data, size) in edits.items():
        result = hash_bytes(data, dihedral=True)
        assert (result.width, result.height) == size, name
        assert len(result.frames) == len(stored.frames), name
        assert result.md5 != stored.md5, name
    mirrored = hash_bytes(edits["mirror"][0], dihedral=True)
    assert dihedral_shares(mirrored.frames, stored.frames) == (100.0, 100.0)
