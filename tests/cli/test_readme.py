"""The README's "Running it" steps, run exactly as written (the first shell block under the
heading), from `user add` to a logged-in queue that shows the first report. Only HOME (so
the data directory is a fresh one) and PORT (a free one) come from the test."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests.console.helpers import post_login

ROOT = Path(__file__).resolve().parents[2]


def running_it_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Running it\n", 1)[1]
    return section.split("```sh\n", 1)[1].split("\n```", 1)[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readme_running_it_steps_work_as_written(tmp_path):
    block = running_it_block()
    password = re.search(r"printf '%s\\n' '([^']+)' \| \.venv/bin/takedown user add", block)
    assert password, "the README's first step sets a password"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TAKEDOWN_")}
    env.update(HOME=str(tmp_path), PORT=str(port))
    log = tmp_path / "steps.log"
    with log.open("w") as out:
        # The block as written, then the shell reports the pid of the `serve` it started.
        steps = subprocess.Popen(
            ["bash", "-e", "-c", block + '\necho "serve_pid=$!"\n'],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # serve and its PostgreSQL: one group, ended below
        )
    try:
        assert steps.wait(timeout=600) == 0, log.read_text()[-3000:]
        text = log.read_text()
        serve_pid = int(re.search(r"serve_pid=(\d+)", text).group(1))
        assert (tmp_path / "takedown-data" / "pgdata").is_dir()  # the data dir the README named
        case_number = re.search(r'"case_number":\s*"(TD-[A-Z0-9-]+)"', text).group(1)
        assert '"verdict":"allow"' in text.replace(" ", "")  # the content item was registered
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as browser:
            r = post_login(browser, "alice", password.group(1))
            assert r.status_code == 303 and r.headers["location"] == "/queue", r.text
            queue = browser.get("/queue")
            assert queue.status_code == 200 and case_number in queue.text
            case = browser.get(f"/cases/{case_number}").text
            assert "post-1" in case and "Report received" in case
        # public_url followed --port: the receipt's status link names this port.
        assert f"http://127.0.0.1:{port}/status?case={case_number}" in text
        os.kill(serve_pid, signal.SIGINT)  # Ctrl-C: serve stops the PostgreSQL it started
        _wait_gone(serve_pid)
    finally:
        if steps.poll() is None:
            steps.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(steps.pid, signal.SIGTERM)  # only what these steps started, if left


def _wait_gone(pid: int) -> None:
    for _ in range(600):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"serve ({pid}) did not stop on Ctrl-C")
