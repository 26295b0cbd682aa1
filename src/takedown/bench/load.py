"""`takedown bench load`: a bounded load on loopback against a real `takedown serve`.

For each rate, P0 reports (a victim, age 13) are sent at that rate for a fixed time, each
about a content item registered beforehand by a distinct account, from a distinct client
(an X-Forwarded-For value: nothing leaves loopback). Measured: reports acknowledged per
second, the 201's latency (p50/p99), and the lag from the 201 to the platform receiving
`content.restricted` (p50/p99), the CPU each report cost the web process, the workers and
PostgreSQL (from /proc: it holds on a busy machine), plus uploads per second. The
saturation point is the highest rate sustained (95 % acknowledged, none refused) with p99
lag under a second.

The baseline is the same load, in the same run, against another checkout of Takedown
(`--baseline DIR`, e.g. a `git worktree` of an older commit), each on a PostgreSQL of its
own, so the figures compare code, not machines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from rich.console import Console

from takedown.bench.cpu import Meter
from takedown.demo.media import synthetic_image
from takedown.web.live import free_port

MAX_REQUESTS = 20_000  # the whole run never sends more
WEBHOOK_WAIT_S = 30.0
SUSTAINED = 0.95
LAG_GOAL_S = 1.0
WARM_UP_RATE, WARM_UP_S = 20.0, 5.0


@dataclass
class Receiver:
    """The platform's webhook endpoint: when each item's content.restricted arrived."""

    restricted_at: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                now = time.monotonic()
                event = json.loads(body)
                if event.get("type") == "content.restricted":
                    receiver.restricted_at.setdefault(event["data"]["content_id"], now)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 512
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class Phase:
    rate: float
    seconds: float
    sent: int = 0
    acknowledged: int = 0
    wall_s: float = 0.0  # from the first report sent to the last one answered
    refused: int = 0
    refusals: dict[str, int] = field(default_factory=dict)  # status (or error) -> how many
    latency_s: list[float] = field(default_factory=list)
    lag_s: list[float] = field(default_factory=list)
    missing_webhooks: int = 0
    cpu_ms_per_report: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return {
            "rate": self.rate,
            "sent": self.sent,
            "acknowledged_per_s": round(self.acknowledged / max(self.wall_s, self.seconds), 1),
            "refused": self.refused,
            "refusals": self.refusals,
            "report_p50_ms": _ms(self.latency_s, 50),
            "report_p99_ms": _ms(self.latency_s, 99),
            "restricted_lag_p50_ms": _ms(self.lag_s, 50),
            "restricted_lag_p99_ms": _ms(self.lag_s, 99),
            "missing_webhooks": self.missing_webhooks,
            "sustained": self.sustained,
            "cpu_ms_per_report": self.cpu_ms_per_report,
        }

    @property
    def sustained(self) -> bool:
        p99 = float(np.percentile(self.lag_s, 99)) if self.lag_s else float("inf")
        return (
            self.acknowledged >= SUSTAINED * self.rate * max(self.wall_s, self.seconds)
            and self.refused == 0
            and self.missing_webhooks == 0
            and p99 < LAG_GOAL_S
        )


def _ms(values: list[float], pct: int) -> float | None:
    return round(float(np.percentile(values, pct)) * 1000, 1) if values else None


@contextmanager
def _postgres(workdir: Path) -> Iterator[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from takedown.db import embedded

        server = embedded.start(workdir / "pgdata")
    import psycopg

    with psycopg.connect(server.uri, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "load"')
    try:
        yield server.sqlalchemy_url("load")  # its postmaster: workdir/pgdata/postmaster.pid
    finally:
        server.stop()


def _analyze(url: str) -> None:
    """Table statistics as a service that has been up has them (a new database has none
    until autovacuum gets to it, in the middle of the first timed phase)."""
    import psycopg

    with psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as c:
        c.execute("VACUUM ANALYZE")


def _postmaster(workdir: Path) -> int:
    return int((workdir / "pgdata" / "postmaster.pid").read_text().split()[0])


def _env(source: Path | None, url: str, workdir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "TAKEDOWN_DATABASE_URL": url,
        "TAKEDOWN_DATA_DIR": str(workdir / "data"),
        "TAKEDOWN_LOG_LEVEL": "ERROR",
        "TAKEDOWN_CLIENT_IP_HEADER": "x-forwarded-for",
        # A load of distinct clients and accounts: no limit is meant to bite here.
        "TAKEDOWN_CLIENT_REPORT_LIMIT": "1000000",
        "TAKEDOWN_CLIENT_HIDE_CAP": "1000000",
        "TAKEDOWN_BURST_PLATFORM_REPORTS": "1000000",
    }
    if source is not None:
        env["PYTHONPATH"] = str(source / "src")
    return env


@contextmanager
def _serve(
    env: dict[str, str], port: int, workers: int, python: str, web: int = 1
) -> Iterator[dict[str, list[int]]]:
    """`takedown serve` (with its own worker when `workers` is 0, else beside that many
    `takedown worker` processes: the web and worker processes the architecture scales),
    as `web` processes on the port."""
    command = [python, "-m", "takedown.cli", "serve", "--port", str(port)]
    if web > 1:
        command += ["--processes", str(web)]
    proc = subprocess.Popen(
        [*command, "--no-worker"] if workers else command, env=env, start_new_session=True
    )
    others = [
        subprocess.Popen([python, "-m", "takedown.cli", "worker"], env=env, start_new_session=True)
        for _ in range(workers)
    ]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start")
        yield {"serve": [proc.pid], "workers": [p.pid for p in others]}
    finally:
        import signal

        for p in (proc, *others):
            os.killpg(p.pid, signal.SIGTERM)
        for p in (proc, *others):
            p.wait(timeout=60)


def web_processes_of(python: str, source: Path | None) -> int:
    """How many web processes the checkout's `serve` can run (1 before `--processes`)."""
    env = {**os.environ, **({"PYTHONPATH": str(source / "src")} if source else {})}
    help_text = subprocess.run(
        [python, "-m", "takedown.cli", "serve", "--help"], env=env, capture_output=True, text=True
    ).stdout
    return 64 if "--processes" in help_text else 1


def _platform(env: dict[str, str], webhook_url: str, python: str) -> str:
    out = subprocess.run(
        [python, "-m", "takedown.cli", "platform", "add", f"load-{uuid.uuid4().hex[:8]}",
         "--webhook-url", webhook_url, "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)["api_key"]


def _register(base: str, key: str, ids: list[str], media: bool = False) -> None:
    """Each item by an account of its own; with `media`, each with an image of its own
    (fingerprinted on upload: a report of it looks its copies up in the index)."""
    headers = {"authorization": f"Bearer {key}"}

    def one(n_id: tuple[int, str]) -> None:
        n, content_id = n_id
        body = {"id": content_id, "author_id": f"a-{content_id}", "media_type": "video",
                "url": f"https://load.example/p/{content_id}"}  # fmt: skip
        with httpx.Client(base_url=base, timeout=60) as c:
            if not media:
                c.post("/v1/content", json=body, headers=headers).raise_for_status()
                return
            body["media_type"] = "image"
            image = synthetic_image(zlib.crc32(content_id.encode()) + n)
            c.post(
                "/v1/content",
                data={"metadata": json.dumps(body)},
                files={"media": ("x.jpg", image, "image/jpeg")},
                headers=headers,
            ).raise_for_status()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, enumerate(ids)))


def _phase(
    base: str,
    key: str,
    receiver: Receiver,
    rate: float,
    seconds: float,
    meter: Meter,
    media: bool = False,
) -> Phase:
    phase = Phase(rate, seconds)
    ids = [f"l{uuid.uuid4().hex[:12]}" for _ in range(int(rate * seconds))]
    _register(base, key, ids, media)
    acked: dict[str, float] = {}
    lock = threading.Lock()
    client = httpx.Client(base_url=base, timeout=60, limits=httpx.Limits(max_connections=200))

    def send(content_id: str) -> None:
        body = {"content": [content_id], "reporter_role": "victim", "minor_depicted": "yes",
                "age_at_time": 13}  # fmt: skip
        start = time.monotonic()
        try:
            r = client.post("/v1/reports", json=body, headers={"x-forwarded-for": content_id})
            ok, why = r.status_code == 201, str(r.status_code)
        except httpx.HTTPError as exc:
            ok, why = False, type(exc).__name__
        done = time.monotonic()
        with lock:
            if ok:
                phase.acknowledged += 1
                phase.latency_s.append(done - start)
                acked[content_id] = done
            else:
                phase.refused += 1
                phase.refusals[why] = phase.refusals.get(why, 0) + 1

    cpu_before = meter.read()
    t0 = time.monotonic()
    with ThreadPoolExecutor(128) as pool:
        for n, content_id in enumerate(ids):
            delay = t0 + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, content_id)
            phase.sent += 1
    phase.wall_s = time.monotonic() - t0  # the pool has waited for every answer
    client.close()
    deadline = time.monotonic() + WEBHOOK_WAIT_S
    while time.monotonic() < deadline and not set(acked) <= set(receiver.restricted_at):
        time.sleep(0.1)
    phase.cpu_ms_per_report = Meter.per_item(cpu_before, meter.read(), phase.acknowledged)
    for content_id, at in acked.items():
        arrived = receiver.restricted_at.get(content_id)
        if arrived is None:
            phase.missing_webhooks += 1
        else:
            phase.lag_s.append(max(arrived - at, 0.0))
    return phase


def _uploads(base: str, key: str, seconds: float) -> dict[str, object]:
    """Uploads with an image each (fingerprinted and checked), 8 at a time."""
    image = synthetic_image(4242)
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            while time.monotonic() < stop:
                content_id = f"u{uuid.uuid4().hex[:12]}"
                meta = {"id": content_id, "author_id": f"a-{content_id}", "media_type": "image"}
                start = time.monotonic()
                r = c.post(
                    "/v1/content",
                    data={"metadata": json.dumps(meta)},
                    files={"media": ("x.jpg", image, "image/jpeg")},
                    headers={"authorization": f"Bearer {key}"},
                )
                if r.status_code == 200:
                    latencies.append(time.monotonic() - start)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "uploads_per_s": round(len(latencies) / seconds, 1),
        "upload_p50_ms": _ms(latencies, 50),
        "upload_p99_ms": _ms(latencies, 99),
    }


def measure(
    source: Path | None,
    rates: list[float],
    seconds: float,
    console: Console,
    workers: int,
    python: str = sys.executable,
    web: int = 1,
    media: bool = False,
) -> dict[str, Any]:
    """One server (this code, or the checkout at `source`, run by `python`: an environment
    with that checkout's own pinned dependencies) under every rate in turn."""
    with tempfile.TemporaryDirectory(prefix="takedown-load-") as tmp, _postgres(Path(tmp)) as url:
        env = _env(source, url, Path(tmp))
        receiver = Receiver()
        try:
            key = _platform(env, receiver.url, python)
            port = free_port()
            with _serve(env, port, workers, python, web) as pids:
                meter = Meter({**pids, "postgres": [_postmaster(Path(tmp))]})
                base = f"http://127.0.0.1:{port}"
                with console.status(f"{source or 'this code'}: warming up"):
                    # Untimed: every pooled connection has planned its statements and every
                    # process has loaded what it caches, as in a service that has been up.
                    _phase(base, key, receiver, WARM_UP_RATE, WARM_UP_S, meter, media)
                    _analyze(url)
                phases: list[dict[str, Any]] = []
                for rate in rates:
                    with console.status(f"{source or 'this code'}: {rate:g} P0 reports/s"):
                        phase = _phase(base, key, receiver, rate, seconds, meter, media)
                        phases.append(phase.summary())
                with console.status("uploads"):
                    uploads = _uploads(base, key, seconds)
        finally:
            receiver.close()
    sustained = [p["rate"] for p in phases if p["sustained"]]
    return {
        "web_processes": web,
        "reported_media": "an image each" if media else "none",
        "phases": phases,
        "saturation_rate": max(sustained, default=0),
        **uploads,
    }


def run(
    rates: list[float],
    seconds: float,
    baseline: Path | None = None,
    workers: int = 1,
    baseline_python: str | None = None,
    web: int = 1,
    media: bool = False,
) -> dict[str, object]:
    """`web` processes for this code; as many for the baseline if its `serve` can run
    several (else one, and the result says so). With `media`, every reported item is an
    uploaded image (its report looks for copies in the index, its case is swept again)."""
    if (sum(rates) * seconds + WARM_UP_RATE * WARM_UP_S) * (2 if baseline else 1) > MAX_REQUESTS:
        raise ValueError(f"that load sends more than {MAX_REQUESTS} reports; lower it")
    console = Console(stderr=True)
    result: dict[str, object] = {
        "machine": {"cores": os.cpu_count(), "load_average_before": os.getloadavg()},
        "seconds_per_rate": seconds,
        "worker_processes": workers,
    }
    measured = measure(None, rates, seconds, console, workers, web=web, media=media)
    result["takedown"] = measured
    if baseline is not None:
        python = baseline_python or sys.executable
        base_web = min(web, web_processes_of(python, baseline))
        base = measure(baseline, rates, seconds, console, workers, python, base_web, media)
        result["baseline"] = {"source": str(baseline), "python": python, **base}
        mine, theirs = measured, base
        result["saturation_ratio"] = (
            round(mine["saturation_rate"] / theirs["saturation_rate"], 2)
            if theirs["saturation_rate"]
            else None
        )
    return result
