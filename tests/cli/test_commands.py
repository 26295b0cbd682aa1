"""An engineer's first hour (issue 11, item 7) at the command line: staff accounts with
passwords (`user add|passwd|list|disable`), platforms (`platform list|set-webhook`), one
line for each settings mistake, public_url from --port, the demo's own data directory, and
the content API's request bodies in the OpenAPI document."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest
from typer.testing import CliRunner

from takedown.cli import _demo_settings, _public_url_for, app
from takedown.config import Settings
from tests.console.helpers import post_login

PASSWORD = "a long enough passphrase"


@pytest.fixture
def cli(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Run `takedown ...` in this process against the tests' database."""
    env = {
        "TAKEDOWN_DATABASE_URL": settings.database_url,
        "TAKEDOWN_MIGRATE_DATABASE_URL": settings.migrate_database_url,
        "TAKEDOWN_DATA_DIR": str(tmp_path),
    }
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args), input=stdin, env=env)

    return run


def _takedown(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, with only these TAKEDOWN_ variables."""
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("TAKEDOWN_")}
    return subprocess.run(
        [sys.executable, "-m", "takedown.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _logs_in(live, username: str, password: str) -> bool:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=live.url, timeout=30) as client:
        return post_login(client, username, password).status_code == 303


def test_user_add_passwd_list_disable(cli, live):
    name = f"bob-{uuid.uuid4().hex[:6]}"
    added = cli("user", "add", name, "--role", "reviewer", "--json")
    assert added.exit_code == 0, added.output
    assert "has no password and cannot log in" in added.stderr
    assert not _logs_in(live, name, PASSWORD)
    short = cli("user", "passwd", name, "--password-stdin", stdin="short\n")
    assert short.exit_code == 2 and "at least 12 characters" in short.stderr
    done = cli("user", "passwd", name, "--password-stdin", stdin=PASSWORD + "\n")
    assert done.exit_code == 0, done.output
    assert _logs_in(live, name, PASSWORD)
    listed = {u["username"]: u for u in json.loads(cli("user", "list", "--json").stdout)}
    assert listed[name]["can_log_in"] is True and listed[name]["role"] == "reviewer"
    assert "api_key" not in listed[name] and "password_hash" not in listed[name]
    assert cli("user", "disable", name).exit_code == 0
    assert not _logs_in(live, name, PASSWORD)
    listed = {u["username"]: u for u in json.loads(cli("user", "list", "--json").stdout)}
    assert listed[name]["active"] is False and listed[name]["can_log_in"] is False
    table = cli("user", "list")
    assert table.exit_code == 0 and name in table.stdout


def test_adding_a_name_twice_is_one_line(cli):
    name = f"twice-{uuid.uuid4().hex[:6]}"
    assert cli("user", "add", name).exit_code == 0
    again = cli("user", "add", name)
    assert again.exit_code == 2
    assert again.stderr.strip().splitlines()[-1] == (
        f"error: conflict: A staff account named '{name}' exists already."
    )
    assert cli("platform", "add", name).exit_code == 0
    same = cli("platform", "add", name)
    assert same.exit_code == 2
    assert same.stderr.strip() == f"error: conflict: A platform named '{name}' exists already."


def test_user_commands_on_an_unknown_account_say_so_in_one_line(cli):
    missing = cli("user", "passwd", "nobody-at-all", "--password-stdin", stdin=PASSWORD + "\n")
    assert missing.exit_code == 2
    assert missing.stderr.strip().splitlines() == [
        "error: not_found: No staff account 'nobody-at-all'."
    ]
    assert cli("user", "disable", "nobody-at-all").exit_code == 2


def test_platform_list_and_set_webhook(cli):
    name = f"plat-{uuid.uuid4().hex[:6]}"
    created = json.loads(cli("platform", "add", name, "--json").stdout)
    listed = json.loads(cli("platform", "list", "--json").stdout)
    mine = next(p for p in listed if p["name"] == name)
    assert mine == {"platform_id": created["platform_id"], "name": name, "webhook_url": None}
    assert created["api_key"] not in cli("platform", "list").stdout  # never a key or secret
    url = "https://hooks.example/takedown"
    moved = cli("platform", "set-webhook", name, url, "--json")
    assert moved.exit_code == 0 and json.loads(moved.stdout)["webhook_url"] == url
    assert next(p for p in json.loads(cli("platform", "list", "--json").stdout)
                if p["name"] == name)["webhook_url"] == url  # fmt: skip
    assert cli("platform", "set-webhook", name, "--clear").exit_code == 0
    bad = cli("platform", "set-webhook", name, "ftp://files.example/x")
    assert bad.exit_code == 2 and "not an http:// or https:// URL" in bad.output
    unknown = cli("platform", "set-webhook", f"no-{name}", url)
    assert unknown.exit_code == 2 and "no platform" in unknown.output


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"TAKEDOWN_DATABSE_URL": "postgresql://x@127.0.0.1/x"},
            "error: TAKEDOWN_DATABSE_URL is not a setting: did you mean TAKEDOWN_DATABASE_URL?",
        ),
        (
            {"TAKEDOWN_ENVIRONMENT": "prodution"},
            "error: TAKEDOWN_ENVIRONMENT: must be one of development, test, production, "
            "not 'prodution'",
        ),
        (
            {"TAKEDOWN_SMTP_PORT": "twenty-five"},
            "error: TAKEDOWN_SMTP_PORT: Input should be a valid integer, unable to parse "
            "string as an integer (got 'twenty-five')",
        ),
        (
            {"TAKEDOWN_DATABASE_URL": "mysql://root@127.0.0.1/takedown"},
            "error: TAKEDOWN_DATABASE_URL must start with postgresql:// (PostgreSQL only)",
        ),
    ],
)
def test_a_settings_mistake_is_one_line(env, expected, tmp_path):
    out = _takedown("user", "list", TAKEDOWN_DATA_DIR=str(tmp_path), **env)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [expected], out.stderr


def test_a_database_that_does_not_answer_is_one_line(tmp_path):
    with socket_closed() as port:
        url = f"postgresql://takedown:secret@127.0.0.1:{port}/takedown"
        out = _takedown("db", "upgrade", TAKEDOWN_DATABASE_URL=url, TAKEDOWN_DATA_DIR=str(tmp_path))
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1, out.stderr
    assert lines[0].startswith("error: cannot connect to TAKEDOWN_DATABASE_URL")
    assert "secret" not in lines[0] and "***" in lines[0]  # the password is never printed


def socket_closed():  # type: ignore[no-untyped-def]
    """A loopback port nothing listens on (bound, then closed)."""
    import contextlib
    import socket

    @contextlib.contextmanager
    def port():  # type: ignore[no-untyped-def]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            number = s.getsockname()[1]
        yield number

    return port()


def test_a_not_a_setting_variable_far_from_any_name_is_left_alone(tmp_path, settings):
    out = _takedown(
        "user", "list", "--json",
        TAKEDOWN_TEST_DATABASE_URL="postgresql://elsewhere/x",  # read by the test suite
        TAKEDOWN_ZEBRA="1",
        TAKEDOWN_DATABASE_URL=settings.database_url,
        TAKEDOWN_MIGRATE_DATABASE_URL=settings.migrate_database_url,
        TAKEDOWN_DATA_DIR=str(tmp_path),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert isinstance(json.loads(out.stdout), list)


def test_public_url_follows_the_port_unless_set(tmp_path, monkeypatch):
    monkeypatch.delenv("TAKEDOWN_PUBLIC_URL", raising=False)
    unset = Settings(data_dir=tmp_path)
    assert _public_url_for(unset, "127.0.0.1", 8123).public_url == "http://127.0.0.1:8123"
    assert _public_url_for(unset, "0.0.0.0", 80).public_url == "http://127.0.0.1:80"
    assert _public_url_for(unset, "::1", 9000).public_url == "http://[::1]:9000"
    given = Settings(data_dir=tmp_path, public_url="https://report.example")
    assert _public_url_for(given, "0.0.0.0", 8123).public_url == "https://report.example"


def test_the_demo_keeps_its_own_data_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("TAKEDOWN_DATA_DIR", raising=False)
    real = Settings(evidence_dir=tmp_path / "real-evidence")
    demo = _demo_settings(real, None)
    assert demo.data_dir != real.data_dir and demo.data_dir.name == "takedown-demo"
    assert demo.pgdata_dir != real.pgdata_dir and demo.evidence_dir is None
    assert _demo_settings(real, tmp_path / "d").data_dir == tmp_path / "d"
    production = {
        "TAKEDOWN_ENVIRONMENT": "production",
        "TAKEDOWN_SECRET_KEY": "s" * 32,
        "TAKEDOWN_EVIDENCE_MASTER_KEY": base64.b64encode(b"k" * 32).decode(),
        "TAKEDOWN_DATA_DIR": str(tmp_path),
    }
    out = CliRunner().invoke(app, ["demo", "--json"], env=production)
    assert out.exit_code == 2
    assert out.stderr.strip() == "error: the demo does not run with TAKEDOWN_ENVIRONMENT=production"


def test_content_api_bodies_are_in_the_openapi_document(settings):
    from takedown.web.app import create_app

    schema = create_app(settings, run_worker=False).openapi()
    body = schema["paths"]["/v1/content"]["post"]["requestBody"]["content"]
    ref = body["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/ContentBody"
    metadata = body["multipart/form-data"]["schema"]["properties"]["metadata"]
    assert metadata["contentSchema"]["$ref"] == ref
    content = schema["components"]["schemas"]["ContentBody"]
    assert {"id", "author_id", "url", "media_type", "media_url", "repost_of", "hashes"} <= set(
        content["properties"]
    )
    assert set(content["required"]) == {"id", "author_id"}
    check = schema["paths"]["/v1/check"]["post"]["requestBody"]["content"]
    assert check["application/json"]["schema"]["$ref"] == "#/components/schemas/CheckBody"
    # Every reference in the document points at something that is there.
    text = json.dumps(schema)
    for target in set(__import__("re").findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert target in schema["components"]["schemas"], target


def test_docs_are_served_from_local_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "/docs/assets/" in page.text
    assert "cdn" not in page.text.lower() and "unpkg" not in page.text.lower()
