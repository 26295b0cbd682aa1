"""The 8 orientations: each rotated or flipped copy is near the matching dihedral hash."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from takedown.fingerprints import (
    DIHEDRAL_NAMES,
    PDQ_DISTANCE_THRESHOLD,
    hamming_distance,
    image_pdq,
    pdq_dihedral,
)
from takedown.fingerprints.examples import synthetic_jpeg

COPIES = {
    "bridge-1-original.jpg": "original",
    "bridge-2-rotate-90.jpg": "rotate90",
    "bridge-3-rotate-180.jpg": "rotate180",
    "bridge-4-rotate-270.jpg": "rotate270",
    "bridge-5-flipx.jpg": "flip_x",
    "bridge-6-flipy.jpg": "flip_y",
    "bridge-7-flip-plus-1.jpg": "flip_plus1",
    "bridge-8-flip-minus-1.jpg": "flip_minus1",
}


@pytest.fixture(scope="module")
def original_hashes(pdq_dir: Path) -> list[str]:
    return [h.hex for h in pdq_dihedral(pdq_dir / "images/dih/bridge-1-original.jpg")]


@pytest.mark.parametrize(("name", "orientation"), COPIES.items())
def test_each_copy_is_near_its_orientation(
    pdq_dir: Path, original_hashes: list[str], name: str, orientation: str
) -> None:
    copy = image_pdq(pdq_dir / "images/dih" / name).hex
    distances = [hamming_distance(copy, h) for h in original_hashes]
    assert min(distances) <= PDQ_DISTANCE_THRESHOLD
    assert distances[DIHEDRAL_NAMES.index(orientation)] == min(distances) <= 10
    assert sorted(distances)[1] > 64  # the other orientations are unrelated hashes


def test_first_dihedral_hash_is_the_plain_hash(pdq_dir: Path) -> None:
    path = pdq_dir / "images/dih/bridge-1-original.jpg"
    hashes = pdq_dihedral(path)
    assert len(hashes) == 8 and len({h.hex for h in hashes}) == 8
    assert hashes[0].hex == image_pdq(path).hex
    assert all(h.quality == hashes[0].quality for h in hashes)


def test_accepts_bytes_and_pillow_images() -> None:
    data = synthetic_jpeg(3, 400, 300)
    from_bytes = pdq_dihedral(data)
    with Image.open(io.BytesIO(data)) as image:
        from_image = pdq_dihedral(image)
    assert [h.hex for h in from_bytes] == [h.hex for h in from_image]


def test_rotating_generated_pixels_lands_on_the_predicted_hash() -> None:
    data = synthetic_jpeg(4, 400, 300)
    hashes = pdq_dihedral(data)
    with Image.open(io.BytesIO(data)) as image:
        rotated = image.transpose(Image.Transpose.ROTATE_180)
    buffer = io.BytesIO()
    rotated.save(buffer, format="PNG")
    distances = [hamming_distance(image_pdq(buffer.getvalue()).hex, h.hex) for h in hashes]
    # PDQ's sampling grid is not symmetric, so even the reference is ~10-18 bits off here.
    assert distances.index(min(distances)) == DIHEDRAL_NAMES.index("rotate180")
    assert min(distances) <= PDQ_DISTANCE_THRESHOLD
