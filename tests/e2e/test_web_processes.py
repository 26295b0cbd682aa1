"""`takedown serve --processes N`: several web processes on one port (one Python process
answers about 40 reports/s), each a whole service; one that dies is replaced."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.helpers import report, seed_family, status
from tests.support import free_port, wait_for


def _web_processes(pid: int) -> list[int]:
    """The serve process's children that run the app (uvicorn's spawned web processes)."""
    children = [
        int(c) for task in Path(f"/proc/{pid}/task").iterdir()
        for c in (task / "children").read_text().split()
    ]  # fmt: skip
    return sorted(c for c in children if "spawn_main" in _cmdline(c))


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:  # it ended meanwhile
        return ""


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_two_web_processes_take_reports_and_one_that_dies_is_replaced(settings, platform, receiver):
    port = free_port()
    env = {
        **os.environ,
        "TAKEDOWN_DATABASE_URL": settings.database_url,
        "TAKEDOWN_DATA_DIR": str(settings.data_dir),
        "TAKEDOWN_LOG_LEVEL": "WARNING",
        "TAKEDOWN_CLIENT_HIDE_CAP": "1000000",
        "TAKEDOWN_CLIENT_REPORT_LIMIT": "1000000",
    }
    command = [sys.executable, "-m", "takedown.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen([*command, "--processes", "2"], env=env, start_new_session=True)
    try:
        wait_for(lambda: _ready(port), timeout=90, what="two web processes")
        wait_for(lambda: len(_web_processes(proc.pid)) == 2, timeout=30, what="both processes")
        first, second = _web_processes(proc.pid)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            ids = seed_family(client, platform["api_key"])
            receipt = report(client, [ids["video"]]).json()
        os.kill(first, signal.SIGKILL)  # a web process dies mid-service
        wait_for(
            lambda: len(_web_processes(proc.pid)) == 2 and first not in _web_processes(proc.pid),
            timeout=60,
            what="a new web process in place of the dead one",
        )
        assert second in _web_processes(proc.pid)
        wait_for(lambda: _ready(port), timeout=60, what="ready again")
        # Whichever process answers, the report is there and its content was hidden.
        for _ in range(4):
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                seen = status(client, receipt["case_number"], receipt["pin"])
            assert seen["state"] == "restricted"
        wait_for(
            lambda: len(receiver.events("content.restricted")) == 3,
            timeout=60,
            what="the restrictions' webhooks, from the web processes' workers",
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode == 0
