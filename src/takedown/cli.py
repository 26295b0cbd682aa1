"""Typer entry point. Each command parses, calls one service function, renders."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from takedown.bench.match import MatchOptions
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
webhooks_app = typer.Typer(help="Webhook deliveries: the dead-letter list, redrive.")
app.add_typer(webhooks_app, name="webhooks")
exchange_app = typer.Typer(help="Hash exchanges feeding banks: add, list, fetch, status, remove.")
app.add_typer(exchange_app, name="exchange")


def _settings() -> Settings:
    """The settings, or one line per mistake in them (and exit 2), never a traceback."""
    from pydantic import ValidationError

    from takedown import settings_errors
    from takedown.config import Settings

    problems = settings_errors.misspelt()
    try:
        settings = Settings()
    except ValidationError as exc:
        problems += settings_errors.describe(exc)
    if problems:
        for line in problems:
            typer.echo(f"error: {line}", err=True)
        raise typer.Exit(2)
    return settings


def _fail(message: str) -> NoReturn:
    """A mistake the operator can fix: one line on stderr, exit code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _check_database(settings: Settings) -> None:
    """A database URL that cannot be used is one line, before anything starts."""
    from takedown.settings_errors import database_problem

    problem = database_problem(settings.database_url)
    if problem:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )


@contextmanager
def _database() -> Iterator[Database]:
    from takedown.db import Database
    from takedown.errors import TakedownError
    from takedown.wiring import wire

    # A command that opens the database is a composition root: what it sets off in a room
    # (an exchange fetch that hides a known upload, say) reaches legal as in the server.
    wire()

    settings = _settings()
    _check_database(settings)
    db = Database(settings).open()
    try:
        db.migrate()
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
    processes: int = typer.Option(
        1, min=1, max=64, help="web processes on the port (each with a worker unless --no-worker)"
    ),
) -> None:
    """Run the API and pages (and, unless --no-worker, a worker)."""
    import uvicorn

    from takedown.web import create_app

    settings = _settings()
    _check_database(settings)
    settings = _public_url_for(settings, host, port)
    _configure_logging(settings)
    if processes > 1:
        _serve_processes(settings, host, port, worker, processes)
        return
    uvicorn.run(
        create_app(settings, run_worker=worker),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
    )


def _serve_processes(settings: Settings, host: str, port: int, worker: bool, n: int) -> None:
    """Several web processes on one socket (one Python process answers about 40 reports/s:
    its interpreter lock, not the machine, is the limit). The database is started and
    migrated once here, before them; each builds its app from the environment. Exits 3,
    as one process would, when they cannot start (a process manager restarts it then)."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    from takedown.web import PROCESS_WORKER_ENV

    with _database() as db:  # an embedded server started here is stopped when they are done
        _check_connections(db, n)
        os.environ["TAKEDOWN_PUBLIC_URL"] = settings.public_url
        os.environ[PROCESS_WORKER_ENV] = "1" if worker else "0"
        config = uvicorn.Config(
            "takedown.web.app:from_environment",
            factory=True,
            workers=n,
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
        )
        supervisor = Multiprocess(config, sockets=[config.bind_socket()])
        supervisor.run()
    if any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes):
        typer.echo("error: the web processes could not start (see the log above)", err=True)
        raise typer.Exit(STARTUP_FAILURE)


def _check_connections(db: Database, processes: int) -> None:
    """Say so before starting when PostgreSQL may run out of connections under load."""
    from sqlalchemy import text

    from takedown.db import CONNECTIONS_PER_PROCESS

    with db.session() as session:
        allowed = int(session.execute(text("SHOW max_connections")).scalar_one())
    wanted = processes * CONNECTIONS_PER_PROCESS
    if wanted > allowed:
        typer.echo(
            f"warning: {processes} web processes may open up to {wanted} connections under "
            f"load, and PostgreSQL allows {allowed} (max_connections), workers not counted",
            err=True,
        )


def _public_url_for(settings: Settings, host: str, port: int) -> Settings:
    """With `public_url` unset, links given to reporters follow --host and --port."""
    if "public_url" in settings.model_fields_set:
        return settings
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return settings.model_copy(update={"public_url": f"http://{shown}:{port}"})


@app.command("worker")
def worker_command() -> None:
    """Run a job worker (webhook deliveries and other background work)."""
    import asyncio

    from takedown.jobs import Runtime
    from takedown.matching import MatchEngine
    from takedown.wiring import run_worker

    settings = _settings()
    _configure_logging(settings)
    with _database() as db:
        # Loaded at start, not on the first job that needs it (a P0 report's propagation).
        engine = MatchEngine.for_settings(db.libpq_url(), settings).start()
        engine.wait_ready()
        try:
            asyncio.run(run_worker(Runtime(settings=settings, db=db, engine=engine)))
        finally:
            engine.stop()


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
    if password is None:
        typer.echo(
            f"note: {username} has no password and cannot log in to the console yet: "
            f"`takedown user passwd {username}` sets one",
            err=True,
        )
    _emit(out, as_json)


def _read_password(from_stdin: bool) -> str:
    import sys

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("New password (12+ characters)", hide_input=True, confirmation_prompt=True)


@user_app.command("passwd")
def user_passwd(
    username: str,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the password from stdin instead of a prompt"
    ),
) -> None:
    """Set a staff account's login password (its open console sessions end). Audited."""
    from takedown.people import change_password

    password = _read_password(password_stdin)
    with _database() as db, db.session() as session:
        change_password(session, username, password, actor="cli")
    typer.echo(f"password set for {username}")


@user_app.command("list")
def user_list(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Every staff account: role, queues, whether it can log in."""
    from takedown.people import list_users

    with _database() as db, db.session() as session:
        rows = list_users(session)
    if as_json:
        _emit(rows, True)
        return
    for row in rows:
        row["queues"] = ", ".join(row["queues"] or [])  # type: ignore[arg-type]
    columns = ("username", "role", "queues", "email", "active", "can_log_in")
    _table(f"{len(rows)} staff account{'s' if len(rows) != 1 else ''}", columns, rows)


@user_app.command("disable")
def user_disable(username: str) -> None:
    """Stop an account logging in or using its API key (its decisions stay). Audited."""
    from takedown.people import disable_user

    with _database() as db, db.session() as session:
        disable_user(session, username, actor="cli")
    typer.echo(f"{username} disabled")


@platform_app.command("list")
def platform_list(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Every platform with its webhook URL (never its keys or secret)."""
    from takedown.platforms import list_platforms

    with _database() as db, db.session() as session:
        rows = [
            {"platform_id": p.id, "name": p.name, "webhook_url": p.webhook_url}
            for p in list_platforms(session)
        ]
    if as_json:
        _emit(rows, True)
        return
    count = f"{len(rows)} platform{'s' if len(rows) != 1 else ''}"
    _table(count, ("platform_id", "name", "webhook_url"), rows)


@platform_app.command("set-webhook")
def platform_set_webhook(
    name: str,
    url: str = typer.Argument(None, help="http(s) URL for signed webhooks; omit with --clear"),
    clear: bool = typer.Option(False, "--clear", help="stop sending webhooks"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Set (or clear) where a platform's signed webhooks are sent."""
    from takedown.platforms import list_platforms, set_webhook_url

    if clear == bool(url):
        _fail("give a URL, or --clear (not both)")
    if url and not url.lower().startswith(("http://", "https://")):
        _fail(f"{url!r} is not an http:// or https:// URL")
    with _database() as db, db.session() as session:
        found = next((p for p in list_platforms(session) if p.name == name), None)
        if found is None:
            _fail(f"no platform {name!r} (see `takedown platform list`)")
        set_webhook_url(session, found.id, url or None)
        out = {"platform_id": found.id, "name": name, "webhook_url": url or None}
    _emit(out, as_json)


def _chain_all(db) -> None:
    """Link every committed audit event before reading the chain (no worker may be up)."""
    from takedown.audit import chain_pending

    chained = 1
    while chained:
        with db.session() as session:
            chained = chain_pending(session, wait=True)


@audit_app.command("verify")
def audit_verify(
    witness: Path = typer.Option(
        None, help="checkpoints an outside witness kept (JSON lines from `audit checkpoint`)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Check the whole chain and its signed checkpoints; names the first problem and exits
    1 if there is one. Events committed but not yet chained are chained first."""
    from takedown.audit import checkpoints, verify

    settings = _settings()
    with _database() as db:
        _chain_all(db)
        with db.session() as session:
            result = verify(session)
            kept = checkpoints.read_witness(witness) if witness else None
            signed = checkpoints.verify_checkpoints(session, settings.audit_public_key, kept)
    ok = result.ok and signed.ok
    out = {
        "ok": ok,
        "events": result.events,
        "first_broken_id": result.first_broken_id,
        "problem": result.problem or signed.problem,
        "pending": result.pending,
        "checkpoints_verified": signed.checked,
    }
    if as_json:
        _emit(out, True)
    elif ok:
        typer.echo(
            f"audit chain intact: {result.events} events, {signed.checked} signed checkpoints"
        )
    elif not result.ok:
        typer.echo(
            f"audit chain BROKEN at event {result.first_broken_id}: {result.problem} "
            f"({result.events} events verified before it)"
        )
    else:
        typer.echo(f"audit chain checkpoints FAIL: {signed.problem}")
    raise typer.Exit(0 if ok else 1)


@audit_app.command("keygen")
def audit_keygen(
    out: Path = typer.Option(..., help="where to write the private key (kept off the database)"),
) -> None:
    """Make an Ed25519 signing key for chain checkpoints; prints its public key."""
    from takedown.audit import checkpoints

    typer.echo(checkpoints.new_key(out))


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain's head now; prints the checkpoint as a JSON line for a witness."""
    from takedown.audit import checkpoints

    settings = _settings()
    if settings.audit_signing_key_file is None:
        raise typer.BadParameter("set TAKEDOWN_AUDIT_SIGNING_KEY_FILE first")
    key = checkpoints.load_key(settings.audit_signing_key_file)
    with _database() as db:
        _chain_all(db)
        with db.session() as session:
            row = checkpoints.checkpoint(session, key)
            latest = row or next(reversed(checkpoints.all_checkpoints(session)), None)
            if latest is None:
                raise typer.BadParameter("the audit log is empty: nothing to sign yet")
            typer.echo(json.dumps(checkpoints.export(latest)))


@audit_app.command("checkpoints")
def audit_checkpoints() -> None:
    """Export every signed checkpoint, one JSON line each, for an outside witness."""
    from takedown.audit import checkpoints

    with _database() as db, db.session() as session:
        for row in checkpoints.all_checkpoints(session):
            typer.echo(json.dumps(checkpoints.export(row)))


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

    from takedown.matching import UnknownBank, bulk, lists, service

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
    data_dir: Path = typer.Option(
        None, help="the demo's own data directory (default: a takedown-demo user data dir)"
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

    settings = _demo_settings(_settings(), data_dir)
    result = runner(settings, out_dir=out, speed=speed, seed=seed, quiet=as_json)
    if as_json:
        _emit(result, True)
    else:
        print_table(result)


def _demo_settings(settings: Settings, data_dir: Path | None) -> Settings:
    """The demo keeps its database, evidence and keys apart from a real `serve`'s, and
    never runs in production."""
    import platformdirs

    if settings.environment == "production":
        _fail("the demo does not run with TAKEDOWN_ENVIRONMENT=production")
    own = data_dir or Path(platformdirs.user_data_dir("takedown-demo"))
    apart = {"evidence_dir": None, "evidence_key_file": None, "evidence_master_key": None}
    return settings.model_copy(update={"data_dir": own, **apart})


@evidence_app.command("export")
def evidence_export(
    case: str,
    out: Path = typer.Option(..., help="directory for the bundle (a CASE folder is made)"),
    user: str = typer.Option(..., "--as", help="your staff username (the opening is audited)"),
) -> None:
    """Write a case's evidence with a manifest of SHA-256 sums (SHA256SUMS, manifest.json)."""
    from takedown import legal
    from takedown.cases import find_case

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
    from takedown.cases import find_case

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

    from takedown import reporting

    with _database() as db, db.session() as session:
        fig = reporting.write_transparency(
            session,
            start if start.tzinfo else start.replace(tzinfo=UTC),
            end if end.tzinfo else end.replace(tzinfo=UTC),
            out,
        )
    typer.echo(f"{out / 'report.html'}: {sum(fig.notices_by_source.values())} notices")


@webhooks_app.command("list")
def webhooks_list(
    state: str = typer.Option(
        None, help="pending, delivered, superseded or dead (the dead letters); unset: all"
    ),
    platform: str = typer.Option(None, help="only this platform's (its name)"),
    limit: int = typer.Option(100, help="at most this many, newest first"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Webhook deliveries, newest first, with their state, attempts and last error."""
    from takedown.enforcement import list_deliveries

    with _database() as db, db.session() as session:
        rows = list_deliveries(session, state=state, platform=platform, limit=limit)
    if as_json:
        _emit(rows, True)
        return
    columns = ("id", "platform", "event", "item", "action_id", "state", "attempts", "last_error")
    title = f"{len(rows)} {'delivery' if len(rows) == 1 else 'deliveries'}"
    _table(title + (f" ({state})" if state else ""), columns, rows)


@webhooks_app.command("redrive")
def webhooks_redrive(
    ids: list[int] = typer.Argument(None, help="delivery ids (from `takedown webhooks list`)"),
    all_dead: bool = typer.Option(False, "--all-dead", help="every dead delivery"),
    platform: str = typer.Option(None, help="with --all-dead: only this platform's"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Send dead deliveries again (attempts start over), unless a newer state of the item
    exists (then they are superseded). Audited."""
    from takedown.enforcement import redrive

    with _database() as db, db.session() as session:
        rows = redrive(session, ids or (), all_dead=all_dead, platform=platform, actor="cli")
    if as_json:
        _emit(rows, True)
        return
    queued = sum(1 for r in rows if r["result"] == "queued")
    _table(f"{queued} of {len(rows)} queued again", ("id", "result", "state"), rows)


@exchange_app.command("add")
def exchange_add(
    name: str,
    api: str = typer.Option(..., help="ncmec, stop_ncii, tat or local_file"),
    config: str = typer.Option("{}", help="the API's collaboration config as JSON"),
    credentials_file: Path = typer.Option(
        None,
        help="file with the credentials (threatexchange's format, or JSON); else "
        "threatexchange's own environment variable or home-directory file",
    ),
    base_url: str = typer.Option(None, help="another base URL for the API (a test server)"),
    action: str = typer.Option("block", help="for a new bank: block, review or allow"),
    share_back: bool = typer.Option(False, help="share confirmed hashes back (audited)"),
    feedback: bool = typer.Option(True, help="send feedback on decided matches"),
) -> None:
    """Add an exchange; its bank (of the same name) is created if missing."""
    from takedown import exchanges

    with _database() as db, db.session() as session:
        exchanges.add(
            session,
            name,
            api,
            json.loads(config),
            actor="cli",
            action=action,
            base_url=base_url,
            credentials_file=str(credentials_file.resolve()) if credentials_file else None,
            send_feedback=feedback,
            share_back=share_back,
        )
        _emit(exchanges.status(session, name).to_dict(), True)


@exchange_app.command("list")
def exchange_list(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Every exchange with its bank, state and last fetch."""
    from takedown import exchanges

    with _database() as db, db.session() as session:
        rows = [s.to_dict() for s in exchanges.statuses(session)]
    if as_json:
        _emit(rows, True)
        return
    columns = ("name", "api", "bank", "enabled", "entries", "up_to_date", "last_error")
    _table(f"{len(rows)} exchanges", columns, rows)


@exchange_app.command("fetch")
def exchange_fetch(
    name: str,
    max_pages: int = typer.Option(None, help="stop after this many pages (resumes next time)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Fetch from the exchange's checkpoint until up to date, with a progress bar; every
    page is committed with its checkpoint."""
    from rich.progress import Progress

    from takedown import exchanges

    with _database() as db, Progress(transient=True) as bar:
        task = bar.add_task(f"fetching {name}", total=None)
        result = exchanges.fetch(db, name, lambda a: bar.advance(task, a.keys), max_pages)
    _emit(result.to_dict(), as_json)


@exchange_app.command("status")
def exchange_status(name: str) -> None:
    """An exchange's checkpoint, last fetch, and size."""
    from takedown import exchanges

    with _database() as db, db.session() as session:
        _emit(exchanges.status(session, name).to_dict(), False)


@exchange_app.command("remove")
def exchange_remove(name: str) -> None:
    """Remove an exchange; the hashes only it gave leave its bank (audited)."""
    from takedown import exchanges

    with _database() as db, db.session() as session:
        removed = exchanges.remove(session, name, actor="cli")
    _emit({"exchange": name, "hashes_disabled": removed}, False)


def _table(title: str, columns: tuple[str, ...], rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")  # wrapped, never cut: ids get copied
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row[c]) for c in columns))
    Console().print(table)


def _emit(data: object, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, default=str))
    else:
        typer.echo(json.dumps(data, indent=2, default=str))


@app.command("hash")
def hash_command(files: list[Path]) -> None:
    """Fingerprint files: one JSON line per file (md5, sha256, pdq or video frames, or error)."""
    from takedown.fingerprints import hash_path

    for path in files:
        typer.echo(json.dumps(hash_path(path)))


@bench_app.command("match")
def bench_match(
    n: str = typer.Option("1000000", "--n", help="indexed PDQ hashes; several: 1000000,10000000"),
    queries: int = typer.Option(200, help="queries timed one at a time, per query set"),
    batch: int = typer.Option(1000, help="queries per batch for lookups/s on every core"),
    radius: int = typer.Option(31, help="Hamming radius"),
    seed: int = typer.Option(7, help="random seed"),
    rounds: int = typer.Option(1, help="rounds per timing, best kept (ours timed beside each)"),
    only: str = typer.Option(
        "ours,threatexchange,faiss_flat,faiss_mih", help="contenders, comma-separated"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """PDQ radius search: ours vs threatexchange's PDQIndex (HMA's), FAISS flat and MIH."""
    from takedown.bench.match import report, run, run_sizes

    sizes = [int(x) for x in n.split(",")]
    kwargs: MatchOptions = {"queries": queries, "batch": batch, "radius": radius, "seed": seed,
              "only": tuple(only.split(",")), "rounds": rounds}  # fmt: skip
    result = run(sizes[0], **kwargs) if len(sizes) == 1 else run_sizes(sizes, **kwargs)
    for line in report(result):
        typer.echo(line, err=True)
    _emit(result, as_json)


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


@bench_app.command("memory")
def bench_memory(
    n: int = typer.Option(1_000_000, "--n", help="PDQ hashes written to a bank"),
    processes: int = typer.Option(3, help="processes holding the index at once, per mode"),
    seed: int = typer.Option(7, help="random seed"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Memory per process and start-up time: one shared (mapped) index vs one per process."""
    from takedown.bench.memory import run

    _emit(run(n=n, processes=processes, seed=seed, settings=_settings()), as_json)


@bench_app.command("shards")
def bench_shards(
    n: int = typer.Option(1_000_000, "--n", help="PDQ hashes written to a bank"),
    shards: int = typer.Option(2, help="shard processes, split by the hash's first byte"),
    batch: int = typer.Option(1000, help="queries per batch"),
    seed: int = typer.Option(7, help="random seed"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Prefix-sharded index over one PostgreSQL: fan-out and merge cost on loopback."""
    from takedown.bench.shards import run

    _emit(run(n=n, shards=shards, seed=seed, settings=_settings(), batch=batch), as_json)


@bench_app.command("exchange")
def bench_exchange(
    n: int = typer.Option(1_000_000, "--n", help="PDQ hashes fetched into a bank"),
    seed: int = typer.Option(7, help="random seed"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Hashes/s fetched from an exchange into a bank and the delay until they match, vs
    `bank import`'s COPY of the same hashes."""
    from takedown.bench.exchange import run

    _emit(run(n=n, seed=seed, settings=_settings()), as_json)


@bench_app.command("load")
def bench_load(
    rates: str = typer.Option("10,20,50,100", help="P0 reports per second, one phase each"),
    seconds: float = typer.Option(10.0, help="length of each phase"),
    baseline: Path = typer.Option(
        None, help="another Takedown checkout to load the same way, in the same run"
    ),
    workers: int = typer.Option(
        1, help="`takedown worker` processes beside `serve --no-worker` (0: serve's own)"
    ),
    baseline_python: str = typer.Option(
        None, help="the baseline's interpreter, with its own pinned dependencies installed"
    ),
    web: int = typer.Option(1, min=1, max=8, help="web processes (`serve --processes`)"),
    media: bool = typer.Option(
        False, "--media", help="each reported item is an uploaded image of its own"
    ),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Reports/s, uploads/s, p50/p99 and P0 report-to-content.restricted lag at several
    rates against a real `takedown serve` on loopback, and the saturation point."""
    from takedown.bench.load import run

    rate_list = [float(r) for r in rates.split(",")]
    _emit(run(rate_list, seconds, baseline, workers, baseline_python, web, media), as_json)


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
