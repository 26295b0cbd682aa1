"""A real Synapse for the tests: started from its own virtualenv (`make synapse-venv`) by
the adapter's one-command set-up, on loopback, with its own database on the test server."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
SYNAPSE_PYTHON = ROOT / ".venv-synapse" / "bin" / "python"
ADAPTER = ROOT / "adapters" / "synapse"


@dataclass
class Homeserver:
    url: str
    server_name: str
    shared_secret: str
    directory: Path
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen | None = None

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/_takedown/webhook"

    def log(self) -> str:
        path = self.directory / "homeserver.log"
        return path.read_text() if path.exists() else "(no log)"

    def run(self) -> Homeserver:
        with open(self.directory / "devserver.out", "ab") as output:  # the child has a copy
            self.process = subprocess.Popen(
                self.command, stdout=output, stderr=subprocess.STDOUT, env=self.env
            )
        _wait_healthy(self)
        return self

    def restart(self, *extra: str) -> None:
        """Stop and start again on the same database, state file and port."""
        self.stop()
        self.command = [*self.command, *extra]
        self.run()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def database_args(pg_url: str, name: str) -> tuple[list[str], dict[str, str]]:
    """devserver's --db-* arguments for a database `name` beside the tests' own."""
    url = make_url(pg_url)
    host = url.query.get("host") or url.host or "127.0.0.1"
    port = url.query.get("port") or url.port or 5432
    args = ["--db-host", str(host), "--db-port", str(port), "--db-user", url.username or "postgres"]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return [*args, "--db-name", name], env


def start(
    directory: Path,
    pg_url: str,
    takedown_url: str,
    api_key: str,
    webhook_secret: str,
    port: int,
    *,
    poll_interval: float = 0.2,
    extra: tuple[str, ...] = (),
) -> Homeserver:
    shared = secrets.token_hex(16)
    db_args, env = database_args(pg_url, f"synapse_{secrets.token_hex(4)}")
    command = [
        str(SYNAPSE_PYTHON), "-m", "takedown_synapse.devserver", "--dir", str(directory),
        "--port", str(port), "--takedown-url", takedown_url, "--api-key", api_key,
        "--webhook-secret", webhook_secret, "--shared-secret", shared,
        "--poll-interval", str(poll_interval), *db_args, *extra,
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    server = Homeserver(url, "localhost", shared, directory, command, {**os.environ, **env})
    return server.run()


def free_synapse_port() -> int:
    return free_port()


def _wait_healthy(server: Homeserver, timeout: float = 180.0) -> None:
    """Bounded wait for Synapse's /health (its schema is created on the first start)."""
    deadline = time.monotonic() + timeout
    assert server.process is not None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            out = (server.directory / "devserver.out").read_text()[-4000:]
            raise RuntimeError(
                f"Synapse exited {server.process.returncode}:\n{out}\n{server.log()[-6000:]}"
            )
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    server.stop()
    raise RuntimeError(f"Synapse did not become healthy:\n{server.log()[-6000:]}")
