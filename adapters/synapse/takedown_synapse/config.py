"""The module's settings, read once from its block in homeserver.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A reporter's reason that says a child is shown files the report as `minor_depicted: yes`
# (Takedown restricts at once); any other reason as `unsure` (queued for review).
DEFAULT_MINOR_PATTERN = r"\b(child|children|minor|minors|underage|csam|csae|kid|kids|teen)\b"


class ConfigError(ValueError):
    """A missing or malformed setting; Synapse refuses to start with it."""


@dataclass(frozen=True)
class AdapterConfig:
    takedown_url: str
    api_key: str
    webhook_secret: str
    synapse_url: str
    state_path: Path
    bot_localpart: str = "takedown"
    fail_open: bool = False
    timeout_s: float = 5.0
    poll_interval_s: float = 1.0
    report_page: int = 50
    max_check_bytes: int = 50_000_000
    webhook_path: str = "/_takedown/webhook"
    minor_pattern: re.Pattern[str] = re.compile(DEFAULT_MINOR_PATTERN, re.IGNORECASE)


REQUIRED = ("takedown_url", "api_key", "webhook_secret", "synapse_url", "state_path")


def parse(raw: dict[str, Any]) -> AdapterConfig:
    missing = [name for name in REQUIRED if not raw.get(name)]
    if missing:
        raise ConfigError(f"takedown_synapse needs {', '.join(missing)}")
    try:
        return AdapterConfig(
            takedown_url=str(raw["takedown_url"]).rstrip("/"),
            api_key=str(raw["api_key"]),
            webhook_secret=str(raw["webhook_secret"]),
            synapse_url=str(raw["synapse_url"]).rstrip("/"),
            state_path=Path(raw["state_path"]),
            bot_localpart=str(raw.get("bot_localpart", "takedown")),
            fail_open=_bool(raw.get("fail_open", False)),
            timeout_s=_positive(raw.get("timeout_s", 5.0), "timeout_s"),
            poll_interval_s=_positive(raw.get("poll_interval_s", 1.0), "poll_interval_s"),
            report_page=int(_positive(raw.get("report_page", 50), "report_page")),
            max_check_bytes=int(_positive(raw.get("max_check_bytes", 50_000_000), "max")),
            webhook_path=str(raw.get("webhook_path", "/_takedown/webhook")),
            minor_pattern=re.compile(
                str(raw.get("minor_reason_pattern", DEFAULT_MINOR_PATTERN)), re.IGNORECASE
            ),
        )
    except (TypeError, ValueError, re.error) as exc:
        raise ConfigError(f"takedown_synapse: {exc}") from exc


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"expected true or false, got {value!r}")


def _positive(value: object, name: str) -> float:
    number = float(value)  # type: ignore[arg-type]
    if number <= 0:
        raise ConfigError(f"{name} must be positive")
    return number
