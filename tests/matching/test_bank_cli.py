"""`takedown bank import|export|list` against the real database."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.e2e.helpers import uid
from tests.support import deployment_env


def _run(settings, *args: str) -> subprocess.CompletedProcess:
    env = deployment_env(settings)
    return subprocess.run(
        [sys.executable, "-m", "takedown.cli", "bank", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_export_and_list(settings, tmp_path):
    pdq = "f" * 8 + "0" * 56
    md5 = "0123456789abcdef0123456789abcdef"
    source = tmp_path / "list.csv"
    source.write_text(
        "signal,hash,entry_id,classification,note\n"
        f"pdq,{pdq},E-1,A1,first\nmd5,{md5},E-2,B2,\npdq,{pdq},E-1,A1,dup\n"
    )
    name = uid("imported")
    out = _run(settings, "import", name, str(source), "--json", "--action", "review")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"bank": name, "read": 3, "added": 2}

    exported = _run(settings, "export", name, "--format", "csv")
    lines = exported.stdout.strip().splitlines()
    assert lines[0] == "signal,hash,entry_id,classification,note"
    assert sorted(lines[1:]) == sorted([f"pdq,{pdq},E-1,A1,first", f"md5,{md5},E-2,B2,"])

    text = tmp_path / "plain.txt"
    text.write_text(f"# a comment\n{md5}\n\n{'a' * 64}\n")
    again = _run(settings, "import", name, str(text), "--format", "txt", "--json")
    assert json.loads(again.stdout) == {"bank": name, "read": 2, "added": 1}

    banks = json.loads(_run(settings, "list", "--json").stdout)
    mine = next(b for b in banks if b["name"] == name)
    assert mine["entries"] == 3 and mine["action"] == "review"


def test_a_bad_line_is_named_and_nothing_is_imported(settings, tmp_path):
    source = tmp_path / "bad.txt"
    source.write_text("0123456789abcdef0123456789abcdef\nnot-a-hash\n")
    name = uid("bad")
    out = _run(settings, "import", name, str(source), "--format", "txt")
    assert out.returncode != 0
    assert "line 2" in out.stderr + out.stdout
    listed = json.loads(_run(settings, "list", "--json").stdout)
    assert name not in {b["name"] for b in listed}
