"""`takedown hash FILE...` prints one JSON line per file."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from takedown.cli import app


def test_hash_prints_json_lines(tmp_path: Path, jpeg_bytes: bytes) -> None:
    picture = tmp_path / "picture.jpg"
    picture.write_bytes(jpeg_bytes)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not media at all" * 10)
    missing = tmp_path / "missing.png"
    result = CliRunner().invoke(app, ["hash", str(picture), str(junk), str(missing)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["path"] for line in lines] == [str(picture), str(junk), str(missing)]
    first, second, third = lines
    assert len(first["pdq"]) == 64 and first["pdq_quality"] >= 50 and len(first["md5"]) == 32
    assert second["error"] == "not_media" and len(second["sha256"]) == 64
    assert third["error"] == "unreadable" and "md5" not in third


def test_hash_video(vpdq_dir: Path) -> None:
    path = vpdq_dir / "videos/pattern-sd-grey-bar.mp4"
    result = CliRunner().invoke(app, ["hash", str(path)])
    line = json.loads(result.output)
    assert line["kind"] == "video" and len(line["frames"]) == 7
    assert set(line["frames"][0]) == {"frame_number", "timestamp_s", "pdq", "pdq_quality"}
