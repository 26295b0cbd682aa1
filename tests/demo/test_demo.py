"""The seed-case replay, end to end: real service, simulated platform and audience."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support import deployment_env


def test_demo_keeps_views_after_the_report_a_tiny_fraction(demo_run):
    result, out = demo_run
    assert result["views_before_first_report"] > 1000  # the video did spread before
    assert result["views_after_first_report"] < 0.01 * result["seed_case"]["views"]
    assert result["reposts_after_first_report"] == 0
    assert result["visible_reposts_after_restriction"] == 0
    assert result["reposts_held_or_blocked"] >= 1
    assert result["accounts_suspended"] == 1
    # Re-uploads of a mirrored, cropped, re-encoded copy from new accounts: the one made
    # before the report is found as a copy then; the later ones are held or blocked.
    assert result["copies_found"] == 3
    assert result["reuploads_blocked_or_held_at_upload"] == 2
    assert list(result["reuploads"].values())[1:] == ["hold", "block"]
    assert result["webhooks_with_bad_signature"] == 0
    assert 0 < result["time_to_restriction_s"] < result["time_to_removal_s"]
    assert abs(result["unchecked_simulation"]["views"] - 167_000) < 5_000
    assert json.loads((out / "demo.json").read_text())["case_number"] == (result["case_number"])


def test_demo_command_prints_json_with_the_promised_keys(settings):
    env = deployment_env(settings)
    out = subprocess.run(
        [sys.executable, "-m", "takedown.cli", "demo", "--json", "--speed", "72000"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    for key in (
        "time_to_restriction_s",
        "time_to_removal_s",
        "views_after_first_report",
        "reposts_after_first_report",
        "visible_reposts_after_restriction",
    ):
        assert isinstance(result[key], int | float), key
