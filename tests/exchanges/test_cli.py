"""`takedown exchange add|list|fetch|status|remove` against the real database."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

from tests.e2e.helpers import uid
from tests.support import deployment_env


def _run(settings, *args: str) -> subprocess.CompletedProcess:
    env = deployment_env(settings)
    return subprocess.run(
        [sys.executable, "-m", "takedown.cli", "exchange", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_add_fetch_status_list_remove(settings, tmp_path, fake_stopncii, stopncii_creds):
    listed = tmp_path / "list.txt"
    listed.write_text("".join(f"pdq {secrets.token_hex(32)}\n" for _ in range(5)))
    name = uid("CLI").upper().replace("-", "_")
    config = json.dumps({"filename": str(listed)})
    added = _run(settings, "add", name, "--api", "local_file", "--config", config)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["bank"] == name

    fetched = _run(settings, "fetch", name, "--json")
    assert fetched.returncode == 0, fetched.stderr
    result = json.loads(fetched.stdout)
    assert result["skipped"] is False and result["added"] == 5 and result["up_to_date"]

    status = json.loads(_run(settings, "status", name).stdout)
    assert status["entries"] == 5 and status["up_to_date"] and status["last_fetch_succeeded"]
    rows = json.loads(_run(settings, "list", "--json").stdout)
    assert any(r["name"] == name and r["entries"] == 5 for r in rows)

    # StopNCII with the credentials file: the secret is in the file, never in the output.
    other = uid("CLI").upper().replace("-", "_")
    fake_stopncii.put(secrets.token_hex(32), 1000)
    made = _run(
        settings, "add", other, "--api", "stop_ncii", "--base-url", fake_stopncii.url + "/v1",
        "--credentials-file", stopncii_creds,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(_run(settings, "fetch", other, "--json").stdout)["added"] == 1
    assert "fetch-key" not in made.stdout + _run(settings, "list").stdout

    bad = _run(settings, "add", "lower", "--api", "local_file", "--config", config)
    assert bad.returncode == 2 and "bad_exchange_config" in bad.stderr

    removed = json.loads(_run(settings, "remove", name).stdout)
    assert removed == {"exchange": name, "hashes_disabled": 5}
    assert _run(settings, "status", name).returncode == 2
