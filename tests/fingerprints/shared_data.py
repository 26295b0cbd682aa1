"""Where the shared conformance data lives, and readers for its reference files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
PDQ_DIR = SHARED / "conformance" / "pdq"
VPDQ_DIR = SHARED / "conformance" / "vpdq"
MISSING = f"shared conformance data not found at {SHARED} (expected ../shared from the repo root)"


def require(path: Path) -> Path:
    """The path, or skip the test with a clear message when ../shared is absent."""
    if not path.exists():
        pytest.skip(MISSING)
    return path


def pdq_rows() -> list[dict[str, str]]:
    """Rows of conformance/pdq/expected.csv, [] when absent (tests then skip)."""
    expected = PDQ_DIR / "expected.csv"
    if not expected.exists():
        return []
    with expected.open(newline="") as stream:
        return list(csv.DictReader(stream))


def video_names() -> list[str]:
    return sorted(p.stem for p in (VPDQ_DIR / "videos").glob("*.mp4"))


def vpdq_rows(name: str) -> list[tuple[str, ...]]:
    """Meta's vPDQ output for a video: (frame_number, quality, pdq_hex, timestamp_s)."""
    with (VPDQ_DIR / "expected" / f"{name}.txt").open(newline="") as stream:
        return [tuple(row) for row in csv.reader(stream) if row]


def skip_param(reason: str = MISSING) -> object:
    return pytest.param(None, marks=pytest.mark.skip(reason=reason))
