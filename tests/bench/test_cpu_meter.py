"""The load bench's CPU meter counts a process tree's own, live children's and ended
children's CPU, so a report's cost is measured even on a busy machine."""

from __future__ import annotations

import subprocess
import sys

from takedown.bench.cpu import Meter, tree_seconds

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"


def test_ended_and_live_children_count_towards_their_parent():
    # A parent that runs one child to its end, then starts one that burns and waits.
    parent = subprocess.Popen(
        [sys.executable, "-c",
         f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {BURN!r}])\n"
         f"child = subprocess.Popen([sys.executable, '-c', {BURN!r} + 'time.sleep(30)'])\n"
         "print('ready', flush=True)\nchild.wait()\n"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
        meter = Meter({"tree": [parent.pid]})
        seen = meter.read()["tree"]
        # The ended child's 0.4 s is in the parent's cutime; the live one's burn may still
        # be under way, so at least the first child's time is there.
        assert seen >= 0.35
        assert tree_seconds(parent.pid) >= seen - 0.01
    finally:
        for child in subprocess.run(
            ["pgrep", "-P", str(parent.pid)], capture_output=True, text=True
        ).stdout.split():
            subprocess.run(["kill", child])
        parent.wait(timeout=30)
        parent.stdout.close()  # type: ignore[union-attr]


def test_per_report_is_milliseconds_per_item_by_kind():
    before, after = {"serve": 1.0, "postgres": 2.0}, {"serve": 1.5, "postgres": 2.25}
    assert Meter.per_item(before, after, 50) == {"serve": 10.0, "postgres": 5.0}
    assert Meter.per_item(before, after, 0) == {}
