"""Typer entry point. Each command parses, calls one service function, renders."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from takedown.config import Settings
    from takedown.db import Database

app = typer.Typer(help="Takedown: child-safety report-and-takedown service.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks against named baselines (prints ratios).")
app.add_typer(bench_app, name="bench")


db_app = typer.Typer(help="Database: migrations.")
platform_app = typer.Typer(help="Platform API clients.")
user_app = typer.Typer(help="Staff accounts.")
audit_app = typer.Typer(help="The hash-chained audit log.")
bank_app = typer.Typer(help="Banks of known hashes: import, export, list.")
app.add_typer(bank_app, name="bank")
app.add_typer(db_app, name="db")
app.add_typer(platform_app, name="platform")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
evidence_app = typer.Typer(help="Preserved evidence: export for law enforcement, holds, purge.")
app.add_typer(evidence_app, name="evidence")


def _settings() -> Settings:
    from takedown.config import Settings

    return Settings()


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )


@contextmanager
def _database() -> Iterator[Database]:
    from takedown.db import Database, upgrade
    from takedown.errors import TakedownError

    settings = _settings()
    db = Database(settings).open()
    try:
        upgrade(db.engine)
        yield db
    except TakedownError as exc:
        typer.echo(f"error: {exc.code}: {exc.message}", err=True)
        raise typer.Exit(2) from None
    finally:
        db.close()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    worker: bool = typer.Option(True, help="also run a job worker in this process"),
) -> None:
    """Run the API and pages (and, unless --no-worker, a worker)."""
    import uvicorn

    from takedown.web.app import create_app

    settings = _settings()
    _configure_logging(settings)
    uvicorn.run(
        create_app(settings, run_worker=worker),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
    )


@app.command("worker")
def worker_command() -> None:
    """Run a job worker (webhook deliveries and other background work)."""
    import asyncio

    from takedown.jobs import Runtime
    from takedown.jobs.worker import run_worker

    settings = _settings()
    _configure_logging(settings)
    with _database() as db:
        asyncio.run(run_worker(Runtime(settings=settings, db=db)))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (also done by serve, worker and demo on start)."""
    with _database():
        typer.echo("database is at the latest revision")


@platform_app.command("add")
def platform_add(
    name: str,
    webhook_url: str = typer.Option(None, help="where signed webhooks are sent"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Register a platform; prints its API key and webhook secret once."""
    from takedown.platforms import create_platform

    with _database() as db, db.session() as session:
        new = create_platform(session, name, webhook_url)
        out = {
            "platform_id": new.platform.id,
            "name": name,
            "api_key": new.api_key,
            "webhook_secret": new.platform.webhook_secret,
        }
    _emit(out, as_json)


@user_app.command("add")
def user_add(
    username: str,
    role: str = typer.Option(
        "reviewer",
        help="reviewer, child_safety_specialist, supervisor, admin, auditor, "
        "law_enforcement_liaison",
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read a login password (12+ characters) from stdin"
    ),
    email: str = typer.Option(None, help="for deadline alerts"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Create a staff account; prints its API key once."""
    import sys

    from takedown.people import create_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with _database() as db, db.session() as session:
        new = create_user(session, username, role, password=password, email=email)
        out = {
            "user_id": new.user.id,
            "username": username,
            "role": role,
            "queues": new.user.queues,
            "api_key": new.api_key,
        }
    _emit(out, as_json)


@audit_app.command("verify")
def audit_verify(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Check the whole chain; names the first broken link and exits 1 if there is one."""
    from takedown.audit import verify

    with _database() as db, db.session() as session:
        result = verify(session)
    out = {
        "ok": result.ok,
        "events": result.events,
        "first_broken_id": result.first_broken_id,
        "problem": result.problem,
    }
    if as_json:
        _emit(out, True)
    elif result.ok:
        typer.echo(f"audit chain intact: {result.events} events")
    else:
        typer.echo(
            f"audit chain BROKEN at event {result.first_broken_id}: {result.problem} "
            f"({result.events} events verified before it)"
        )
    raise typer.Exit(0 if result.ok else 1)


@bank_app.command("import")
def bank_import(
    bank: str,
    file: Path,
    fmt: str = typer.Option("csv", "--format", help="csv (header with a `hash` column) or txt"),
    signal: str = typer.Option(None, help="pdq, md5 or sha256 when the file does not say"),
    action: str = typer.Option("block", help="for a new bank: block or review"),
    threshold: int = typer.Option(31, help="for a new bank: PDQ distance threshold"),
    source: str = typer.Option("import", help="for a new bank: where its hashes come from"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Import a hash list into a bank (created if missing), with a progress bar."""
    from rich.progress import Progress

    from takedown.matching import bulk, lists, service
    from takedown.matching.errors import UnknownBank

    with _database() as db, db.session() as session, Progress(transient=True) as bar:
        try:
            target = service.get_bank(session, bank)
        except UnknownBank:
            target = service.create_bank(session, bank, action, threshold, source)
        task = bar.add_task(f"importing into {bank}", total=None)
        entries = lists.read(file, fmt, signal)
        read, added = bulk.import_entries(session, target, entries, lambda n: bar.advance(task, n))
    _emit({"bank": bank, "read": read, "added": added}, as_json)


@bank_app.command("export")
def bank_export(
    bank: str,
    fmt: str = typer.Option("csv", "--format", help="csv or txt"),
    out: Path = typer.Option(None, help="file to write (default: standard output)"),
) -> None:
    """Export a bank's enabled hashes."""
    import sys

    from takedown.matching import lists, service

    with _database() as db, db.session() as session:
        entries = service.export_entries(session, service.get_bank(session, bank))
        if out is None:
            lists.write(entries, sys.stdout, fmt)
        else:
            with out.open("w", newline="") as handle:
                lists.write(entries, handle, fmt)


@bank_app.command("list")
def bank_list(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Every bank with its action, threshold and number of hashes."""
    from takedown.matching import list_banks

    with _database() as db, db.session() as session:
        _emit(list_banks(session), as_json)


@app.command()
def demo(
    as_json: bool = typer.Option(False, "--json", help="print the measurements as JSON"),
    out: Path = typer.Option(None, help="directory for the demo's files"),
    speed: float = typer.Option(3600.0, help="simulated seconds per real second"),
    seed: int = typer.Option(2020, help="random seed of the simulated audience"),
    scenario: str = typer.Option(
        "seed",
        help="seed: the seed case; brigade: the seed case while an attacker floods reports "
        "against an innocent creator and piggybacks innocent posts onto the genuine case",
    ),
) -> None:
    """Replay the seed case (or a brigade during it) against the real service and a
    simulated platform."""
    if scenario == "seed":
        from takedown.demo.run import print_table
        from takedown.demo.run import run_demo as runner
    elif scenario == "brigade":
        from takedown.demo.brigade import print_table
        from takedown.demo.brigade import run_brigade as runner
    else:
        raise typer.BadParameter("seed or brigade", param_hint="--scenario")

    settings = _settings()
    result = runner(settings, out_dir=out, speed=speed, seed=seed, quiet=as_json)
    if as_json:
        _emit(result, True)
    else:
        print_table(result)


@evidence_app.command("export")
def evidence_export(
    case: str,
    out: Path = typer.Option(..., help="directory for the bundle (a CASE folder is made)"),
    user: str = typer.Option(..., "--as", help="your staff username (the opening is audited)"),
) -> None:
    """Write a case's evidence with a manifest of SHA-256 sums (SHA256SUMS, manifest.json)."""
    from takedown import legal
    from takedown.cases.views import find_case

    settings = _settings()
    with _database() as db, db.session() as session:
        staff = legal.find_user(session, user)
        target = legal.export(session, settings, find_case(session, case), staff, out)
    typer.echo(f"evidence for {case} written to {target}")


@evidence_app.command("extend")
def evidence_extend(
    case: str,
    until: datetime = typer.Option(..., help="keep the evidence until this date"),
    reason: str = typer.Option(..., help="why, e.g. a law-enforcement request's reference"),
    user: str = typer.Option(..., "--as", help="your staff username (audited)"),
) -> None:
    """Extend a case's legal hold (it is never shortened)."""
    from datetime import UTC

    from takedown import legal
    from takedown.cases.views import find_case

    with _database() as db, db.session() as session:
        staff = legal.find_user(session, user)
        when = until if until.tzinfo else until.replace(tzinfo=UTC)
        hold = legal.extend_hold(session, find_case(session, case), when, reason, staff)
        typer.echo(f"evidence for {case} held until {hold.held_until:%Y-%m-%d}")


@evidence_app.command("purge")
def evidence_purge() -> None:
    """Destroy evidence whose hold has ended now (the worker does this every hour)."""
    from takedown import legal

    settings = _settings()
    with _database() as db, db.session() as session:
        purged = legal.purge_expired(session, settings)
    typer.echo(f"purged: {', '.join(purged) or 'nothing'}")


@app.command()
def transparency(
    start: datetime = typer.Option(..., "--from", help="start of the period (UTC)"),
    end: datetime = typer.Option(..., "--to", help="end of the period (UTC), exclusive"),
    out: Path = typer.Option(..., help="directory for report.html and report.csv"),
) -> None:
    """Write the transparency report (HTML with charts, and CSV) for a period."""
    from datetime import UTC

    from takedown import legal

    with _database() as db, db.session() as session:
        fig = legal.write_transparency(
            session,
            start if start.tzinfo else start.replace(tzinfo=UTC),
            end if end.tzinfo else end.replace(tzinfo=UTC),
            out,
        )
    typer.echo(f"{out / 'report.html'}: {sum(fig.notices_by_source.values())} notices")


def _emit(data: object, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, default=str))
    else:
        typer.echo(json.dumps(data, indent=2, default=str))


@app.command("hash")
def hash_command(files: list[Path]) -> None:
    """Fingerprint files: one JSON line per file (md5, sha256, pdq or video frames, or error)."""
    from takedown.fingerprints.service import hash_path

    for path in files:
        typer.echo(json.dumps(hash_path(path)))


@bench_app.command("match")
def bench_match(
    n: int = typer.Option(1_000_000, "--n", help="random PDQ hashes in the index"),
    queries: int = typer.Option(200, help="queries timed"),
    radius: int = typer.Option(31, help="Hamming radius"),
    seed: int = typer.Option(7, help="random seed"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """PDQ radius search vs FAISS IndexBinaryFlat and IndexBinaryMultiHash (HMA's)."""
    from takedown.bench.match import run

    _emit(run(n=n, queries=queries, radius=radius, seed=seed), as_json)


@bench_app.command("sync")
def bench_sync(
    n: int = typer.Option(1_000_000, "--n", help="PDQ hashes written to a bank"),
    seed: int = typer.Option(7, help="random seed"),
    keep: bool = typer.Option(False, help="keep the benchmark's hashes in the database"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Index build from PostgreSQL and change-follow latency vs FAISS MIH's build."""
    from takedown.bench.sync import run

    _emit(run(n=n, seed=seed, settings=_settings(), keep=keep), as_json)


@bench_app.command("hash")
def bench_hash(
    images: int = typer.Option(40, help="1-megapixel JPEGs generated and hashed"),
    seed: int = typer.Option(7, help="random seed"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """File-to-PDQ hashing vs HMA's way (Pillow full decode, RGB, pdqhash)."""
    from takedown.bench.hashing import run

    _emit(run(images=images, seed=seed), as_json)


if __name__ == "__main__":
    app()
