"""Docs that cannot drift: every setting, CLI command and API route is in the README."""

from __future__ import annotations

from pathlib import Path

import typer.main

from takedown.cli import app as cli_app
from takedown.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


def test_every_setting_is_documented():
    for name in Settings.model_fields:
        assert f"| `{name}` |" in README, name


def _commands(group: typer.Typer, prefix: str = "takedown") -> list[str]:
    click_group = typer.main.get_command(group)
    names = []
    for name, command in click_group.commands.items():
        if hasattr(command, "commands"):
            names += [f"{prefix} {name} {sub}" for sub in command.commands]
        else:
            names.append(f"{prefix} {name}")
    return names


def test_every_cli_command_is_documented():
    commands = _commands(cli_app)
    assert "takedown serve" in commands
    for command in commands:
        assert f"`{command}`" in README, command


def test_every_api_route_is_documented(settings):
    from takedown.web.app import create_app

    app = create_app(settings, run_worker=False)
    schema = app.openapi()
    for path, methods in schema["paths"].items():
        for method in methods:
            assert f"`{method.upper()} {path}`" in README, f"{method.upper()} {path}"
