"""`takedown demo`: the real service, a simulated platform, the seed case replayed."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from takedown.config import Settings
from takedown.db import Database, utcnow
from takedown.demo.legal_outputs import fake_cybertipline, wait_for_filing, write_outputs
from takedown.demo.platform_sim import SimPlatform
from takedown.demo.scenario import SEED_CASE, Scenario, unchecked
from takedown.people import create_user
from takedown.platforms import create_platform, set_webhook_url
from takedown.web import LiveServer, create_app


@dataclass
class DemoService:
    """The real service on a loopback port, with a simulated platform registered on it."""

    db: Database
    settings: Settings  # pointed at the fake CyberTipline
    sim: SimPlatform
    started: datetime
    tag: str


@contextmanager
def demo_service(settings: Settings, console: Console) -> Iterator[DemoService]:
    logging.basicConfig(level=logging.ERROR)
    # Each simulated person is its own client (X-Forwarded-For values, all on loopback), so
    # one run's reporters never share the rate limits of whatever else uses this database.
    settings = settings.model_copy(update={"client_ip_header": "x-forwarded-for"})
    db = Database(settings)
    with console.status("starting PostgreSQL and the service"):
        db.open()
        db.migrate()
    # NCMEC is a local fake that follows the documented API: the demo never contacts NCMEC.
    fake_ncmec, settings = fake_cybertipline(settings)
    try:
        tag = uuid.uuid4().hex[:8]
        platform_id, api_key, secret = _register_platform(db, tag)
        with LiveServer(create_app(settings, db=db, run_worker=True)) as server:
            sim = SimPlatform(server.url, api_key, secret)
            hook_url = sim.start_receiver()
            try:
                with db.session() as session:
                    set_webhook_url(session, platform_id, hook_url)
                yield DemoService(db, settings, sim, utcnow(), tag)
            finally:
                sim.stop()
    finally:
        fake_ncmec.stop()
        db.close()


def run_demo(
    settings: Settings, *, out_dir: Path | None, speed: float, seed: int, quiet: bool
) -> dict:
    console = Console(stderr=True, quiet=quiet)
    with demo_service(settings, console) as service:
        (reviewer_key,) = create_staff(service.db, service.tag, "child_safety_specialist")
        with console.status("replaying nine days of the seed case"):
            measured = Scenario(service.sim, reviewer_key, speed, seed).run()
        with console.status("filing the CyberTipline report and sealing the evidence"):
            measured.update(wait_for_filing(service.db, measured["case_number"]))
        if out_dir is not None:
            write_outputs(service.db, measured["case_number"], service.started, out_dir)
    result = {
        "seed_case": SEED_CASE,
        "unchecked_simulation": unchecked(seed),
        "simulated_speed": speed,
        "seed": seed,
        **measured,
    }
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "demo.json").write_text(json.dumps(result, indent=2))
    return result


def _register_platform(db: Database, tag: str) -> tuple[int, str, str]:
    """What an operator does once with the CLI: register the platform."""
    with db.session() as session:
        platform = create_platform(session, f"simulated-platform-{tag}", None)
        return platform.platform.id, platform.api_key, platform.platform.webhook_secret


def create_staff(db: Database, tag: str, *roles: str, email: str | None = None) -> tuple[str, ...]:
    """Staff accounts, as an operator adds them with `takedown user add`; their API keys."""
    keys = []
    with db.session() as session:
        for n, role in enumerate(roles):
            name = f"demo-{role.replace('_', '-')}-{tag}-{n}"
            keys.append(create_user(session, name, role, email=email).api_key)
    return tuple(keys)


def print_table(result: dict) -> None:
    seed, free = result["seed_case"], result["unchecked_simulation"]
    table = Table(title="The seed case, replayed against Takedown")
    table.add_column("")
    table.add_column("Seed case (2020, as reported)", justify="right")
    table.add_column("Unchecked (this simulation)", justify="right")
    table.add_column("With Takedown (this run)", justify="right", style="bold green")
    rows = [
        (
            "First report to restriction",
            "never (9 days)",
            "never",
            f"{result['time_to_restriction_s'] * 1000:.0f} ms",
        ),
        (
            "First report to removal",
            "9 days",
            "never",
            f"{result['time_to_removal_s'] / 60:.0f} min "
            f"({result['review_delay_simulated_s'] / 60:.0f} min review)",
        ),
        (
            "Views after first report",
            f"{seed['views']:,}",
            f"{free['views']:,}",
            f"{result['views_after_first_report']:,}",
        ),
        (
            "Reposts after first report",
            f"{seed['reposts']:,}",
            f"{free['reposts']:,}",
            f"{result['reposts_after_first_report']:,}",
        ),
        (
            "Reposts left visible after restriction",
            "all",
            "all",
            f"{result['visible_reposts_after_restriction']}",
        ),
        ("Reposts held or blocked at upload", "0", "0", f"{result['reposts_held_or_blocked']}"),
        (
            "Re-uploads found as copies",
            "0",
            "0",
            f"{result['copies_found']} of {len(result['reuploads'])}",
        ),
        (
            "Re-uploads held/blocked at upload",
            "0",
            "0",
            f"{result['reuploads_blocked_or_held_at_upload']} of {len(result['reuploads'])}",
        ),
        ("Accounts suspended", "0", "0", f"{result['accounts_suspended']}"),
        (
            "NCMEC CyberTipline report filed",
            "not until a federal agent stepped in",
            "never",
            _filed(result),
        ),
        ("Evidence held until", "not preserved", "not preserved", _held(result)),
    ]
    for row in rows:
        table.add_row(*row)
    console = Console()
    console.print(table)
    console.print(
        f"Case {result['case_number']}: {result['webhooks_received']} signed webhooks received "
        f"({result['webhooks_with_bad_signature']} with a bad signature). Before the report the "
        f"video had {result['views_before_first_report']:,} views and "
        f"{result['reposts_before_first_report']} reposts. Re-uploads are mirrored, re-encoded "
        "copies with 1% cut from each edge, from new accounts.\nSimulated: the platform, its "
        "audience, the reviewer's delay and the clock. Real: the service, PostgreSQL, HTTP, "
        "the job queue and the webhooks; restriction time is real wall-clock time. NCMEC is a "
        "local fake that follows its documented API: nothing is sent to NCMEC."
    )


def _filed(result: dict) -> str:
    if result.get("ncmec_state") != "filed":
        return str(result.get("ncmec_state") or "no report")
    return (
        f"{result['ncmec_filed_after_confirmation_s']:.1f} s after confirmation "
        f"(report {result['ncmec_report_id']}, local fake)"
    )


def _held(result: dict) -> str:
    held = result.get("evidence_held_until")
    return held[:10] if held else "not held"
