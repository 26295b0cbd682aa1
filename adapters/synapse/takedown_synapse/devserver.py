"""One command for a test or a demo: a Synapse homeserver on loopback with this module
loaded, on its own PostgreSQL database (created if missing), no federation, no TLS.

    python -m takedown_synapse.devserver --dir DIR --port 8008 --db-host /pg/socket \\
        --db-name synapse --takedown-url http://127.0.0.1:8000 --api-key KEY \\
        --webhook-secret SECRET --shared-secret REGISTRATION_SECRET

It writes DIR/homeserver.yaml, makes the signing key, then becomes Synapse (exec): stop it
with SIGTERM. Register the Takedown platform with webhook URL
http://127.0.0.1:PORT/_takedown/webhook."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

SYNAPSE = [sys.executable, "-m", "synapse.app.homeserver"]
GENEROUS = {"per_second": 1000, "burst_count": 1000}


def create_database(host: str, port: int, user: str, name: str) -> None:
    """Synapse wants C collation and UTF-8, so the database is made from template0."""
    import psycopg2

    conn = psycopg2.connect(host=host, port=port, user=user, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(
                f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_COLLATE='C' LC_CTYPE='C' "
                "TEMPLATE template0"
            )
    conn.close()


def homeserver_config(args: argparse.Namespace, directory: Path) -> dict:
    base = f"http://127.0.0.1:{args.port}"
    return {
        "server_name": args.server_name,
        "public_baseurl": f"{base}/",
        "pid_file": str(directory / "homeserver.pid"),
        "listeners": [
            {
                "port": args.port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {
            "name": "psycopg2",
            "args": {
                "host": args.db_host,
                "port": args.db_port,
                "user": args.db_user,
                "dbname": args.db_name,
                "cp_min": 1,
                "cp_max": 5,
            },
        },
        "log_config": str(directory / "log.config"),
        "media_store_path": str(directory / "media_store"),
        "signing_key_path": str(directory / "signing.key"),
        "registration_shared_secret": args.shared_secret,
        "macaroon_secret_key": secrets.token_hex(32),
        "form_secret": secrets.token_hex(32),
        "report_stats": False,
        "enable_registration": False,
        "federation_domain_whitelist": [],
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "url_preview_enabled": False,
        "rc_message": GENEROUS,
        "rc_login": {"address": GENEROUS, "account": GENEROUS, "failed_attempts": GENEROUS},
        "rc_registration": GENEROUS,
        "rc_admin_redaction": GENEROUS,
        "rc_joins": {"local": GENEROUS, "remote": GENEROUS},
        "rc_invites": {"per_room": GENEROUS, "per_user": GENEROUS},
        "rc_media_create": GENEROUS,
        "modules": [
            {
                "module": "takedown_synapse.TakedownModule",
                "config": {
                    "takedown_url": args.takedown_url,
                    "api_key": args.api_key,
                    "webhook_secret": args.webhook_secret,
                    "synapse_url": base,
                    "state_path": str(directory / "takedown-state.json"),
                    "poll_interval_s": args.poll_interval,
                    "timeout_s": args.timeout,
                    "fail_open": args.fail_open,
                    "bot_localpart": args.bot_localpart,
                },
            }
        ],
    }


def log_config(directory: Path) -> dict:
    return {
        "version": 1,
        "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "filename": str(directory / "homeserver.log"),
                "formatter": "plain",
            }
        },
        "loggers": {"takedown_synapse": {"level": "INFO"}},
        "root": {"level": "WARNING", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


def prepare(args: argparse.Namespace) -> Path:
    """Write the configuration and keys; return homeserver.yaml (YAML is a superset of
    JSON, so it is written as JSON)."""
    directory = Path(args.dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    create_database(args.db_host, args.db_port, args.db_user, args.db_name)
    (directory / "log.config").write_text(json.dumps(log_config(directory), indent=1))
    config = directory / "homeserver.yaml"
    settings = homeserver_config(args, directory)
    if config.exists():  # a restart keeps the secrets sessions were made with
        before = json.loads(config.read_text())
        for name in ("macaroon_secret_key", "form_secret"):
            settings[name] = before.get(name, settings[name])
    config.write_text(json.dumps(settings, indent=1))
    subprocess.run([*SYNAPSE, "-c", str(config), "--generate-keys"], check=True)
    return config


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=8008)
    p.add_argument("--server-name", default="localhost")
    p.add_argument("--db-host", required=True, help="host or socket directory")
    p.add_argument("--db-port", type=int, default=5432)
    p.add_argument("--db-user", default="postgres")
    p.add_argument("--db-name", default="synapse")
    p.add_argument("--takedown-url", required=True)
    p.add_argument("--api-key", required=True)
    p.add_argument("--webhook-secret", required=True)
    p.add_argument("--shared-secret", default=None, help="registration shared secret")
    p.add_argument("--poll-interval", type=float, default=1.0)
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--fail-open", action="store_true")
    p.add_argument("--bot-localpart", default="takedown")
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.shared_secret = args.shared_secret or secrets.token_hex(32)
    config = prepare(args)
    os.execv(sys.executable, [*SYNAPSE, "-c", str(config)])


if __name__ == "__main__":
    main()
